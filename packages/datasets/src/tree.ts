import { lstatSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { AirlockError, sha256Hex } from '@airlock/core';

/** Every regular file under a folder, as sorted `/`-separated relative paths. Links are refused. */
export function listTree(root: string): string[] {
  const files: string[] = [];
  // `prefix` is the folder's own relative path with its `/`: no path arithmetic per file.
  const walk = (dir: string, prefix: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.isFile()) files.push(prefix + entry.name);
      else if (entry.isDirectory()) walk(join(dir, entry.name), `${prefix}${entry.name}/`);
      else {
        const path = join(dir, entry.name);
        if (lstatSync(path).isSymbolicLink()) {
          throw new AirlockError(
            'INVALID_INPUT',
            `${path} is a symbolic link; a dataset holds its own bytes`,
          );
        }
      }
    }
  };
  walk(root, '');
  // Sorted by code point, not locale: the manifest must be the same on every machine.
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

export function parseManifest(text: string): ManifestEntry[] {
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => {
      const match = /^([0-9a-f]{64}) (\d+) (.+)$/.exec(line);
      if (!match) throw new AirlockError('INVALID_INPUT', `not a dataset manifest line: "${line}"`);
      return { sha256: match[1] ?? '', size: Number(match[2]), path: match[3] ?? '' };
    });
}

export function manifestDigest(entries: readonly ManifestEntry[]): string {
  return sha256Hex(manifestText(entries));
}
