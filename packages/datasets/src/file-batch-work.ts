// The part of a file batch that runs on every thread, the main one and the workers: claim a
// chunk of files, read each once, hash it, check it did not change meanwhile, store its bytes.
// Only node built-ins here (and the two small modules below), so a worker starts quickly.
import { hash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { type FileIdentity, identityOf, sameIdentity } from './file-identity.ts';
import { objectPathIn, writeObject } from './object-files.ts';

/** A small file to read, with the identity it had when the caller stat'ed it. */
export interface FileTask {
  path: string;
  identity: FileIdentity;
}

/** What every thread of one batch shares (a worker gets a copy, except the control block). */
export interface BatchInput {
  tasks: readonly FileTask[];
  /** When set, each file's bytes are stored in this cache folder unless `present` has the object. */
  store?: { dir: string; present: Iterable<string> };
  /** Int32 [next task to claim, stop flag]: shared by every thread of the batch. */
  control: SharedArrayBuffer;
}

/** What one thread did: `hashes` holds task index, sha256 pairs, flattened. */
export interface ShareOutcome {
  hashes: (number | string)[];
  /** A file that changed while it was read (the batch stops). */
  changed?: string;
  /** An error that stopped the batch, as plain data (it crosses threads). */
  error?: { message: string; code?: string; file: string; while: 'reading' | 'storing' };
}

const NEXT = 0;
const STOP = 1;
// Files claimed at a time: few enough that threads finish together, enough to keep the
// shared counter out of the way.
const CHUNK = 16;

export function runShare(input: BatchInput): ShareOutcome {
  const control = new Int32Array(input.control);
  const present = new Set(input.store?.present ?? []);
  const hashes: (number | string)[] = [];
  const stop = (outcome: Omit<ShareOutcome, 'hashes'>): ShareOutcome => {
    Atomics.store(control, STOP, 1);
    return { hashes, ...outcome };
  };
  let file = '';
  let phase: 'reading' | 'storing' = 'reading';
  try {
    for (;;) {
      if (Atomics.load(control, STOP) !== 0) return { hashes };
      const start = Atomics.add(control, NEXT, CHUNK);
      if (start >= input.tasks.length) return { hashes };
      const end = Math.min(start + CHUNK, input.tasks.length);
      for (let index = start; index < end; index++) {
        const { path, identity } = input.tasks[index] as FileTask;
        file = path;
        phase = 'reading';
        const bytes = readFileSync(path);
        const sha256 = hash('sha256', bytes, 'hex');
        // Size, mtime and inode the same after the read as before it: the bytes are the file's.
        if (
          bytes.length !== identity.size ||
          !sameIdentity(identity, identityOf(statSync(path, { bigint: true })))
        ) {
          return stop({ changed: path });
        }
        if (input.store && !present.has(sha256)) {
          phase = 'storing';
          writeObject(objectPathIn(input.store.dir, sha256), bytes);
          // Two files with the same bytes: stored once (per thread; across threads, the same bytes twice).
          present.add(sha256);
        }
        hashes.push(index, sha256);
      }
    }
  } catch (caught) {
    const error = caught as NodeJS.ErrnoException;
    return stop({
      error: { message: error.message, ...(error.code ? { code: error.code } : {}), file, while: phase },
    });
  }
}
