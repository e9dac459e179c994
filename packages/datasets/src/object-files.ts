import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { threadId } from 'node:worker_threads';

/** Where the cache in `dir` keeps an object: `<dir>/sha256/<first 2>/<other 62>`. */
export function objectPathIn(dir: string, sha256: string): string {
  return `${dir}/sha256/${sha256.slice(0, 2)}/${sha256.slice(2)}`;
}

/**
 * Writes an object's bytes (already hashed by the caller) read-only under `target`: into a
 * temporary file first, renamed into place once whole, so a present object is never half written.
 * Its prefix folder is created when missing. Safe from several threads at once: the temporary name
 * carries the process and thread, and two threads storing the same object store the same bytes.
 */
export function writeObject(target: string, bytes: Uint8Array): void {
  const temporary = `${target}.${process.pid}.${threadId}.tmp`;
  const write = () => writeFileSync(temporary, bytes, { flag: 'wx', mode: 0o444 });
  try {
    try {
      write();
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') mkdirSync(dirname(target), { recursive: true });
      // A temporary file left by a process killed mid-write that had the same pid.
      else if (code === 'EEXIST') rmSync(temporary, { force: true });
      else throw error;
      write();
    }
    renameSync(temporary, target);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw error;
  }
}
