import { lstatSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { AirlockError, sha256Hex } from '@airlock/core';
import { isWorkspaceTemporary } from './object-files.ts';

/**
 * Every regular file under a folder, as sorted `/`-separated relative paths. Links, pipes, sockets
 * and devices are refused; temporary files of a killed checkout are left out.
 */
export function listTree(root: string): string[] {
  const files: string[] = [];
  // `prefix` is the folder's own relative path with its `/`: no path arithmetic per file.
  const walk = (dir: string, prefix: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.name.includes('\n') || entry.name.includes('\r')) {
        throw new AirlockError(
          'INVALID_INPUT',
          `${JSON.stringify(join(dir, entry.name))}: a file name with a line break cannot be pinned; rename it`,
        );
      }
      if (entry.isFile()) {
        // A checkout killed mid-write leaves its temporary file: never part of the data.
        if (!isWorkspaceTemporary(entry.name)) files.push(prefix + entry.name);
      } else if (entry.isDirectory()) walk(join(dir, entry.name), `${prefix}${entry.name}/`);
      else {
        const path = join(dir, entry.name);
        const what = lstatSync(path).isSymbolicLink()
          ? 'a symbolic link'
          : 'not a regular file (a pipe, socket or device)';
        throw new AirlockError('INVALID_INPUT', `${path} is ${what}; a dataset holds its own bytes`);
      }
    }
  };
  walk(root, '');
  // Sorted by UTF-16 code unit (JavaScript's string order), not locale: the manifest must be the
  // same on every machine.
  return files.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

export interface ManifestEntry {
  path: string;
  sha256: string;
  size: number;
}

/**
 * A folder's canonical manifest: one `<sha256> <size> <path>` line per file in sorted path order.
 * Its own SHA-256 is the folder dataset's id; it is stored in the cache like any object, so the
 * folder can be restored from the cache alone.
 */
export function manifestText(entries: readonly ManifestEntry[]): string {
  return entries.map((entry) => `${entry.sha256} ${entry.size} ${entry.path}\n`).join('');
}

/**
 * A manifest's entries. Every path must stay inside the folder — relative, `/`-separated, no
 * `.`, `..` or empty segment — so a manifest from a shared remote can never make checkout or pull
 * write outside the dataset's folder.
 */
export function parseManifest(text: string): ManifestEntry[] {
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => {
      const match = /^([0-9a-f]{64}) (\d+) (.+)$/.exec(line);
      if (!match) throw new AirlockError('INVALID_INPUT', `not a dataset manifest line: "${line}"`);
      const path = match[3] ?? '';
      if (!isInsidePath(path)) {
        throw new AirlockError(
          'INVALID_INPUT',
          `dataset manifest line names a path outside its folder: "${line}"; refusing to use this manifest`,
          { context: { path } },
        );
      }
      return { sha256: match[1] ?? '', size: Number(match[2]), path };
    });
}

/** A relative path that stays inside its folder: `a/b.txt`, not `../x`, `/x`, `a//b` or `./a`. */
function isInsidePath(path: string): boolean {
  if (path.includes('\0')) return false;
  return path.split('/').every((segment) => segment !== '' && segment !== '.' && segment !== '..');
}

export function manifestDigest(entries: readonly ManifestEntry[]): string {
  return sha256Hex(manifestText(entries));
}
