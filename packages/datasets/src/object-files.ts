import { randomUUID } from 'node:crypto';
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/** Where the cache in `dir` keeps an object: `<dir>/sha256/<first 2>/<other 62>`. */
export function objectPathIn(dir: string, sha256: string): string {
  return `${dir}/sha256/${sha256.slice(0, 2)}/${sha256.slice(2)}`;
}

/**
 * Writes an object's bytes (already hashed by the caller) read-only under `target`: into a
 * temporary file first, renamed into place once whole, so a present object is never half written.
 * Its prefix folder is created when missing. Safe from several threads and processes at once
 * (a cache folder shared by containers whose processes all have pid 1, too): each write has its
 * own random temporary name, and two writers of the same object write the same bytes.
 */
export function writeObject(target: string, bytes: Uint8Array): void {
  writeThroughTemporary(target, () => `${target}.${randomUUID()}.tmp`, bytes, 0o444);
}

/**
 * Replaces a workspace file with these bytes atomically (a temporary file beside it, renamed over
 * it), creating its folder when missing; the file gets the usual permissions.
 */
export function writeReplacing(target: string, bytes: Uint8Array): void {
  writeThroughTemporary(target, () => workspaceTemporary(target), bytes, 0o666);
}

/** The temporary file a workspace write goes through: `.<name>.<uuid>.airlock-tmp` beside it. */
export function workspaceTemporary(target: string): string {
  return join(dirname(target), `.${basename(target)}.${randomUUID()}.airlock-tmp`);
}

/** Whether a file name is a workspace write's temporary file (left behind if the write was killed). */
export function isWorkspaceTemporary(name: string): boolean {
  return /^\..+\.[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\.airlock-tmp$/.test(name);
}

function writeThroughTemporary(
  target: string,
  nameTemporary: () => string,
  bytes: Uint8Array,
  mode: number,
): void {
  let temporary = nameTemporary();
  const write = () => writeFileSync(temporary, bytes, { flag: 'wx', mode });
  try {
    try {
      write();
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') mkdirSync(dirname(target), { recursive: true });
      // A random name already taken: another one (a file this call did not create is never removed).
      else if (code === 'EEXIST') temporary = nameTemporary();
      else throw error;
      write();
    }
    renameSync(temporary, target);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw error;
  }
}
