import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { AirlockError, ensureDirectory, sha256Hex, writeFileAtomic } from '@airlock/core';
import { withFileLock } from '@airlock/db';
import { checkStateKey } from './state.ts';
import type { StateKey, StateStore } from './state-store.ts';

export interface FileStateStoreOptions {
  /** The folder holding `<namespace>/<environment>/deploy_state.json`. */
  root: string;
  /** How long a write waits for another writer's lock before CONFLICT (default 10 s). */
  lockTimeoutMs?: number;
}

const stateFileName = 'deploy_state.json';
// The names writeFileAtomic gives its temporary files: `.<target>.<12 hex>.tmp`.
const leftoverPattern = /^\.deploy_state\.json\.[0-9a-f]{12}\.tmp$/;

/**
 * Deploy state in local files, one per key: `<root>/<namespace>/<environment>/deploy_state.json`.
 * A write takes an exclusive lock beside the file (`deploy_state.json.lock`, released by the kernel
 * if the writer dies), checks that the file still hashes to the version the caller read, and
 * replaces it by rename; reads take no lock, since a rename shows them the old file or the new.
 * Every process writing one root must see the same locks: a local disk, not a network share.
 */
export function createFileStateStore(options: FileStateStoreOptions): StateStore {
  const root = resolve(options.root);
  const lockOptions = options.lockTimeoutMs === undefined ? {} : { timeoutMs: options.lockTimeoutMs };
  // Names are checked before they become folders: "..", "/" or NUL must never reach a path.
  const fileOf = (key: StateKey) => {
    const { namespace, environment } = checkStateKey(key);
    return join(root, namespace, environment, stateFileName);
  };

  return {
    locate: fileOf,

    async read(key) {
      const path = fileOf(key);
      let handle: Awaited<ReturnType<typeof open>>;
      try {
        handle = await open(path, 'r');
      } catch (error) {
        if (isMissing(error)) return undefined;
        throw error;
      }
      try {
        // One open file for bytes and mtime: a rename in between cannot pair one file's bytes
        // with another's time.
        const [bytes, stats] = await Promise.all([handle.readFile(), handle.stat()]);
        return { text: bytes.toString('utf8'), version: sha256Hex(bytes), modifiedAt: stats.mtime };
      } finally {
        await handle.close();
      }
    },

    async write(key, text, expectedVersion) {
      const path = fileOf(key);
      const folder = dirname(path);
      ensureDirectory(folder, 'the deploy state folder');
      const lockPath = `${path}.lock`;
      try {
        return withFileLock(
          lockPath,
          () => {
            removeLeftovers(folder);
            const current = readVersion(path);
            if (current !== expectedVersion) {
              throw new AirlockError(
                'CONFLICT',
                `${path} changed since it was read (another writer); read it again`,
                { context: { location: path } },
              );
            }
            writeFileAtomic(path, text);
            return sha256Hex(text);
          },
          lockOptions,
        );
      } catch (error) {
        // The lock's own timeout names the lock file; callers look for the state's location.
        if (
          error instanceof AirlockError &&
          error.code === 'CONFLICT' &&
          error.context.location === undefined
        ) {
          throw new AirlockError('CONFLICT', error.message, {
            context: { location: path, lock: lockPath },
            cause: error,
          });
        }
        throw error;
      }
    },
  };
}

function readVersion(path: string): string | undefined {
  try {
    return sha256Hex(readFileSync(path));
  } catch (error) {
    if (isMissing(error)) return undefined;
    throw error;
  }
}

/**
 * Temporary files of this target that a writer killed mid-write left behind. Only the lock holder
 * writes them, so while we hold the lock, any that exist belong to a writer that is gone.
 */
function removeLeftovers(folder: string): void {
  for (const name of readdirSync(folder)) {
    if (leftoverPattern.test(name)) rmSync(join(folder, name), { force: true });
  }
}

function isMissing(error: unknown): boolean {
  return error instanceof Error && (error as NodeJS.ErrnoException).code === 'ENOENT';
}
