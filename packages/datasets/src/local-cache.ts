import { createHash, randomUUID } from 'node:crypto';
import {
  chmodSync,
  createReadStream,
  createWriteStream,
  existsSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { AirlockError, ensureDirectory, isSha256 } from '@airlock/core';
import { type BatchResult, type FileTask, hashFileBatch } from './file-batch.ts';
import { objectPathIn, writeObject } from './object-files.ts';

/**
 * The local content-addressed cache: each object at `<dir>/sha256/<first 2>/<other 62>`, written
 * once, read-only afterwards. An object is only ever renamed into place after its bytes were
 * hashed on the way in and matched the name, so "present" means "valid" — and `verify` re-checks.
 */
export interface LocalCache {
  readonly dir: string;
  objectPath(sha256: string): string;
  has(sha256: string): boolean;
  /**
   * Stores bytes under `sha256`; refuses (and stores nothing) if they hash otherwise. The source
   * is opened only when the object is not already there.
   */
  put(sha256: string, open: () => Readable | Promise<Readable>): Promise<{ size: number; stored: boolean }>;
  putFile(sha256: string, path: string): Promise<{ size: number; stored: boolean }>;
  /**
   * Stores bytes the caller has just hashed to `sha256` (small files: one read, one write).
   * `knownMissing`: the caller has just listed the cache and the object is not there (no check).
   */
  putBytes(sha256: string, bytes: Uint8Array, knownMissing?: boolean): { size: number; stored: boolean };
  /**
   * Reads many small files once each, hashes them and stores the objects `present` lacks, on up to
   * `threads` threads. A file that changes while read is refused.
   */
  putFiles(
    tasks: readonly FileTask[],
    present: ReadonlySet<string>,
    threads: number,
  ): Promise<BatchResult<string>>;
  open(sha256: string): Readable;
  size(sha256: string): number;
  list(): string[];
  /**
   * Temporary files of writes that never finished (a process or worker killed mid-write), last
   * modified before `before`: a write in progress now is never among them.
   */
  leftovers(before: Date): { path: string; size: number }[];
  remove(sha256: string): void;
}

export function createLocalCache(dir: string): LocalCache {
  // Prefix folders already known to exist: checking 256 folders once, not once per object.
  const folders = new Set<string>();
  const ensureFolder = (folder: string) => {
    if (folders.has(folder)) return;
    ensureDirectory(folder, 'the cache folder');
    folders.add(folder);
  };
  const objectPath = (sha256: string) => {
    if (!isSha256(sha256)) throw new AirlockError('INVALID_INPUT', `not a SHA-256 digest: ${sha256}`);
    return objectPathIn(dir, sha256);
  };

  const put = async (sha256: string, open: () => Readable | Promise<Readable>) => {
    const target = objectPath(sha256);
    if (existsSync(target)) return { size: statSync(target).size, stored: false };
    const source = await open();
    ensureDirectory(dirname(target), 'the cache folder');
    const temporary = `${target}.${randomUUID()}.tmp`;
    const digest = createHash('sha256');
    let size = 0;
    try {
      await pipeline(
        source,
        async function* (chunks: AsyncIterable<Buffer>) {
          for await (const chunk of chunks) {
            digest.update(chunk);
            size += chunk.length;
            yield chunk;
          }
        },
        createWriteStream(temporary, { flags: 'wx', mode: 0o444 }),
      );
      const actual = digest.digest('hex');
      if (actual !== sha256) {
        throw new AirlockError('CONFLICT', `bytes for ${sha256} hash to ${actual}; not stored`, {
          context: { expected: sha256, actual },
        });
      }
      chmodSync(temporary, 0o444);
      renameSync(temporary, target);
      return { size, stored: true };
    } finally {
      rmSync(temporary, { force: true });
    }
  };

  return {
    dir,
    objectPath,
    has: (sha256) => existsSync(objectPath(sha256)),
    put,
    putBytes: (sha256, bytes, knownMissing = false) => {
      const target = objectPath(sha256);
      if (!knownMissing && existsSync(target)) return { size: bytes.length, stored: false };
      ensureFolder(dirname(target));
      writeObject(target, bytes);
      return { size: bytes.length, stored: true };
    },
    putFiles: (tasks, present, threads) => {
      // The objects' root is checked here, where a file in its way gets a clear error.
      ensureFolder(join(dir, 'sha256'));
      return hashFileBatch(tasks, { threads, store: { dir, present } });
    },
    putFile: (sha256, path) => put(sha256, () => createReadStream(path, { highWaterMark: 1 << 20 })),
    open: (sha256) => {
      const path = objectPath(sha256);
      if (!existsSync(path))
        throw new AirlockError('NOT_FOUND', `object ${sha256} is not in the cache (${dir})`);
      return createReadStream(path, { highWaterMark: 1 << 20 });
    },
    size: (sha256) => statSync(objectPath(sha256)).size,
    list: () => {
      const root = join(dir, 'sha256');
      if (!existsSync(root)) return [];
      const objects: string[] = [];
      for (const prefix of prefixFolders(root)) {
        for (const rest of readdirSync(join(root, prefix))) {
          if (!rest.endsWith('.tmp') && isSha256(prefix + rest)) objects.push(prefix + rest);
        }
      }
      return objects.sort();
    },
    leftovers: (before) => {
      const root = join(dir, 'sha256');
      if (!existsSync(root)) return [];
      const found: { path: string; size: number }[] = [];
      for (const prefix of prefixFolders(root)) {
        for (const name of readdirSync(join(root, prefix))) {
          if (!name.endsWith('.tmp')) continue;
          const path = join(root, prefix, name);
          const stats = statSync(path, { throwIfNoEntry: false });
          if (stats && stats.mtime < before) found.push({ path, size: stats.size });
        }
      }
      return found.sort((a, b) => (a.path < b.path ? -1 : 1));
    },
    remove: (sha256) => rmSync(objectPath(sha256), { force: true }),
  };
}

/** The cache's prefix folders (`00` … `ff`); anything else there (a stray `.DS_Store`) is not the cache's. */
function prefixFolders(root: string): string[] {
  return readdirSync(root, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && /^[0-9a-f]{2}$/.test(entry.name))
    .map((entry) => entry.name);
}
