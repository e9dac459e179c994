// The part of a file batch that runs on every thread, the calling one and the workers: claim a
// chunk of tasks, do each, report. Two kinds of batch: `hash` reads each file once, hashes it,
// checks it did not change meanwhile and (when storing) writes its bytes into the cache;
// `restore` copies cache objects (re-hashed by the caller beforehand) into the workspace.
// Only node built-ins here (and the two small modules below), so a worker starts quickly.
import { hash } from 'node:crypto';
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { type FileIdentity, identityOf, sameIdentity } from './file-identity.ts';
import { objectPathIn, writeObject, writeReplacing } from './object-files.ts';

/** A small file to read, with the identity it had when the caller stat'ed it. */
export interface FileTask {
  path: string;
  identity: FileIdentity;
}

/** A cache object of `size` bytes to copy to `target` (replacing what is there). */
export interface RestoreTask {
  object: string;
  target: string;
  size: number;
}

/** What every thread of one batch shares (a worker gets a copy, except the control block). */
export type BatchInput = {
  /**
   * Int32 [next task to claim, stop flag, then one flag per worker: it has reached its first
   * claim]: shared by every thread of the batch.
   */
  control: SharedArrayBuffer;
  /** A worker's number (the calling thread has none). */
  worker?: number;
} & (
  | {
      kind: 'hash';
      tasks: readonly FileTask[];
      /** When set, each file's bytes are stored in this cache folder unless `present` has the object. */
      store?: { dir: string; present: Iterable<string> };
    }
  | { kind: 'restore'; tasks: readonly RestoreTask[] }
);

/**
 * What one thread did: `results` holds task index, result pairs, flattened — a hash's SHA-256,
 * or the restored file's identity.
 */
export interface ShareOutcome {
  results: (number | string | FileIdentity)[];
  /** A file that changed while it was read (the batch stops). */
  changed?: string;
  /** A cache object that did not hold the size to restore (the batch stops). */
  resized?: { object: string; size: number; holds: number };
  /** An error that stopped the batch, as plain data (it crosses threads). */
  error?: {
    message: string;
    code?: string;
    stack?: string;
    file: string;
    while: 'reading' | 'storing' | 'writing';
  };
}

const NEXT = 0;
const STOP = 1;
const WORKERS = 2;
// Tasks claimed at a time: few enough that threads finish together, enough to keep the
// shared counter out of the way.
const CHUNK = 16;

/** The control block of a batch with `workers` workers. */
export const controlBlock = (workers: number) =>
  new SharedArrayBuffer((WORKERS + workers) * Int32Array.BYTES_PER_ELEMENT);

/** Whether a worker has reached its first claim. */
export const workerStarted = (control: SharedArrayBuffer, worker: number) =>
  Atomics.load(new Int32Array(control), WORKERS + worker) !== 0;

/** Thrown by a hash step: the batch stops and reports this file as changed while read. */
class Changed extends Error {}

/** Thrown by a restore step: the object does not hold the size to restore; the batch stops. */
class Resized extends Error {
  readonly resized: NonNullable<ShareOutcome['resized']>;
  constructor(resized: NonNullable<ShareOutcome['resized']>) {
    super(resized.object);
    this.resized = resized;
  }
}

export function runShare(input: BatchInput): ShareOutcome {
  const control = new Int32Array(input.control);
  const results: ShareOutcome['results'] = [];
  // What the step is doing, for the error report.
  const where = { file: '', while: 'reading' as NonNullable<ShareOutcome['error']>['while'] };
  const step = input.kind === 'hash' ? hashStep(input.store, where) : restoreStep(where);
  try {
    for (;;) {
      if (Atomics.load(control, STOP) !== 0) return { results };
      // Set before claiming: a worker whose flag is still clear once every task is claimed will
      // never get one, and can be stopped without waiting for it.
      if (input.worker !== undefined) Atomics.store(control, WORKERS + input.worker, 1);
      const start = Atomics.add(control, NEXT, CHUNK);
      if (start >= input.tasks.length) return { results };
      const end = Math.min(start + CHUNK, input.tasks.length);
      for (let index = start; index < end; index++) {
        results.push(index, step(input.tasks[index] as FileTask & RestoreTask));
      }
    }
  } catch (caught) {
    Atomics.store(control, STOP, 1);
    if (caught instanceof Changed) return { results, changed: caught.message };
    if (caught instanceof Resized) return { results, resized: caught.resized };
    const error = caught as NodeJS.ErrnoException;
    return {
      results,
      error: {
        message: error.message,
        ...(error.code ? { code: error.code } : {}),
        ...(error.stack ? { stack: error.stack } : {}),
        ...where,
      },
    };
  }
}

function hashStep(
  store: { dir: string; present: Iterable<string> } | undefined,
  where: { file: string; while: string },
) {
  const present = new Set(store?.present ?? []);
  const buffer = Buffer.allocUnsafe(readBufferSize);
  return ({ path, identity }: FileTask): string => {
    where.file = path;
    where.while = 'reading';
    const bytes = readWhole(path, buffer, identity.size);
    const sha256 = hash('sha256', bytes, 'hex');
    // Size, mtime, inode and ctime the same after the read as before it: the bytes are the file's.
    if (
      bytes.length !== identity.size ||
      !sameIdentity(identity, identityOf(statSync(path, { bigint: true })))
    ) {
      throw new Changed(path);
    }
    if (store && !present.has(sha256)) {
      where.while = 'storing';
      writeObject(objectPathIn(store.dir, sha256), bytes);
      // Two files with the same bytes: stored once (per thread; across threads, the same bytes twice).
      present.add(sha256);
    }
    return sha256;
  };
}

function restoreStep(where: { file: string; while: string }) {
  const buffer = Buffer.allocUnsafe(readBufferSize);
  return ({ object, target, size }: RestoreTask): FileIdentity => {
    where.file = object;
    where.while = 'reading';
    const bytes = readWhole(object, buffer, size);
    if (bytes.length !== size) throw new Resized({ object, size, holds: bytes.length });
    where.file = target;
    where.while = 'writing';
    writeReplacing(target, bytes);
    return identityOf(statSync(target, { bigint: true }));
  };
}

// Files in a batch are small (under 1 MiB): each thread reads them into one reused buffer, one
// byte longer so a file that grew is seen. No allocation per file, so no garbage to collect.
const readBufferSize = (1 << 20) + 1;

/**
 * A file's bytes, as a view of `buffer` valid until the next read. `expected` bytes are asked for
 * plus one (so a file that grew is seen). A read that stops short at exactly `expected` is the
 * end of the file (one read per file, the usual case); one that stops short before it is read on
 * from (network and FUSE file systems may return less than asked mid-file) until end of file.
 */
export function readWhole(path: string, buffer: Buffer, expected: number): Buffer {
  const fd = openSync(path, 'r');
  try {
    const want = Math.min(expected + 1, buffer.length);
    let length = 0;
    for (;;) {
      const asked = want - length;
      const read = readSync(fd, buffer, length, asked, null);
      length += read;
      if (read === 0 || length === want || (read < asked && length === expected)) break;
    }
    return buffer.subarray(0, length);
  } finally {
    closeSync(fd);
  }
}
