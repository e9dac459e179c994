import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { AirlockError } from '@airlock/core';
import {
  type BatchInput,
  controlBlock,
  type FileTask,
  type RestoreTask,
  runShare,
  type ShareOutcome,
  workerStarted,
} from './file-batch-work.ts';
import type { FileIdentity } from './file-identity.ts';
import { changedWhileHashing, objectResized } from './hashing.ts';

export type { FileTask, RestoreTask };

/** Threads a batch uses unless told otherwise: one per CPU, at most 4. */
export const defaultThreads = (): number => Math.min(4, availableParallelism());

// Below these many files a batch stays on the calling thread: a worker takes 50 ms or more to
// load, and starting it slows this thread down. Measured on 2 CPUs with 20 KB files, a second
// thread broke even at about 1,000 files written (hash and store, or restore) and 4,000 hashed.
const parallelFrom = { writing: 1000, hashing: 4000 };

export interface BatchResult<T> {
  /** Each task's result, in task order. */
  results: T[];
  /** Tasks each thread did (the calling thread first): how the work was shared. */
  perThread: number[];
  /** Workers that could not start or died (their work was done on the calling thread). */
  failedWorkers: number;
}

export interface HashBatchOptions {
  /** Threads reading at once, the calling one included (1: no workers). */
  threads: number;
  /** Store each file's bytes in this cache folder too, unless `present` holds the object. */
  store?: { dir: string; present: ReadonlySet<string> };
}

/**
 * Reads each small file once and hashes it; with `store`, also writes its bytes into the cache.
 * A file that changed while read stops the batch (CONFLICT, naming it); so does a read or write
 * error, named with its file. Results: each file's SHA-256.
 */
export async function hashFileBatch(
  tasks: readonly FileTask[],
  options: HashBatchOptions,
): Promise<BatchResult<string>> {
  const input: BatchWork = {
    kind: 'hash',
    tasks,
    ...(options.store ? { store: options.store } : {}),
  };
  const threads =
    tasks.length >= (options.store ? parallelFrom.writing : parallelFrom.hashing) ? options.threads : 1;
  try {
    return await runBatch<string>(input, threads);
  } catch (error) {
    if (error instanceof ChangedFile) throw changedWhileHashing(error.path);
    throw error;
  }
}

/**
 * Copies small cache objects over workspace files (each replaced atomically, folders created;
 * the caller has re-hashed the objects). Results: each written file's identity, for the stat cache.
 */
export async function restoreFileBatch(
  tasks: readonly RestoreTask[],
  options: { threads: number },
): Promise<BatchResult<FileIdentity>> {
  const threads = tasks.length >= parallelFrom.writing ? options.threads : 1;
  return runBatch<FileIdentity>({ kind: 'restore', tasks }, threads);
}

/** A batch's work, before it has a control block. */
type BatchWork = BatchInput extends infer Input
  ? Input extends unknown
    ? Omit<Input, 'control' | 'worker'>
    : never
  : never;

class ChangedFile extends Error {
  readonly path: string;
  constructor(path: string) {
    super(path);
    this.path = path;
  }
}

/**
 * Runs a batch on this thread and `threads - 1` workers, which claim tasks a chunk at a time
 * from a shared counter (a slow disk on one thread does not hold the others; writing many new
 * files is mostly waiting on the kernel, which several threads overlap).
 */
async function runBatch<T>(work: BatchWork, threads: number): Promise<BatchResult<T>> {
  const workers = Math.max(0, threads - 1);
  const input = { ...work, control: controlBlock(workers) } as BatchInput;
  const started = Array.from({ length: workers }, (_, worker) => startWorker({ ...input, worker }));
  // This thread takes its share meanwhile; a worker that never started leaves it all the work.
  const own = runShare(input);
  // Every task is claimed now: a worker that has not reached its first claim never will (on a
  // small batch, this thread can be done before a worker has even loaded), so it is not waited for.
  started.forEach((worker, index) => {
    if (!workerStarted(input.control, index)) void worker.thread.terminate();
  });
  const all = [own, ...(await Promise.all(started.map((worker) => worker.outcome)))];
  const perThread = all.map((outcome) => (outcome?.results.length ?? 0) / 2);
  const results = new Array<T | undefined>(input.tasks.length);
  for (const outcome of all) {
    for (let at = 0; at < (outcome?.results.length ?? 0); at += 2) {
      results[outcome?.results[at] as number] = outcome?.results[at + 1] as T;
    }
  }
  const changed = all.find((outcome) => outcome?.changed)?.changed;
  if (changed) throw new ChangedFile(changed);
  const resized = all.find((outcome) => outcome?.resized)?.resized;
  if (resized) throw objectResized(resized.object, resized.size, resized.holds);
  const failure = all.find((outcome) => outcome?.error)?.error;
  if (failure) throw batchError(failure, input);
  const failedWorkers = started.filter((worker) => worker.failed()).length;
  // Tasks a worker had claimed when it died (not an I/O error: those are reported): done here.
  const left = input.tasks.flatMap((_, index) => (results[index] === undefined ? [index] : []));
  if (left.length > 0) {
    const rest = { ...work, tasks: left.map((index) => input.tasks[index]) } as BatchWork;
    const redone = await runBatch<T>(rest, 1);
    left.forEach((index, at) => {
      results[index] = redone.results[at];
    });
    perThread[0] = (perThread[0] ?? 0) + left.length;
  }
  return { results: results as T[], perThread, failedWorkers };
}

function startWorker(input: BatchInput) {
  let outcome: ShareOutcome | undefined;
  let failed = false;
  const thread = new Worker(new URL('./file-batch-worker.ts', import.meta.url), { workerData: input });
  thread.once('message', (message: ShareOutcome) => {
    outcome = message;
  });
  // A worker that could not start or died: whatever it claimed and did not report is redone.
  thread.on('error', () => {
    failed = true;
  });
  return {
    thread,
    failed: () => failed,
    outcome: new Promise<ShareOutcome | undefined>((resolve) => thread.once('exit', () => resolve(outcome))),
  };
}

function batchError(failure: NonNullable<ShareOutcome['error']>, input: BatchInput): AirlockError {
  const context = { path: failure.file, ...(failure.code ? { code: failure.code } : {}) };
  // The error crossed a thread as data: its stack comes along, for AIRLOCK_DEBUG=1.
  const cause = Object.assign(new Error(failure.message), failure.stack ? { stack: failure.stack } : {});
  if (failure.while === 'storing') {
    const dir = input.kind === 'hash' ? input.store?.dir : undefined;
    return new AirlockError(
      'PRECONDITION_FAILED',
      `could not store ${failure.file} in the cache ${dir ?? ''}: ${failure.message}`,
      { context, cause },
    );
  }
  if (failure.while === 'writing') {
    return new AirlockError('PRECONDITION_FAILED', `could not write ${failure.file}: ${failure.message}`, {
      context,
      cause,
    });
  }
  if (input.kind === 'restore') {
    return new AirlockError(
      'NOT_FOUND',
      `cache object ${failure.file} could not be read: ${failure.message}${failure.code === 'ENOENT' ? '; run airlock dataset pull' : ''}`,
      { context, cause },
    );
  }
  if (failure.code === 'ENOENT') {
    return new AirlockError(
      'CONFLICT',
      `${failure.file} was removed while it was being hashed; pin it again`,
      { context, cause },
    );
  }
  return new AirlockError('INVALID_INPUT', `${failure.file} could not be read: ${failure.message}`, {
    context,
    cause,
  });
}
