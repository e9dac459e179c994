import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { AirlockError } from '@airlock/core';
import { type BatchInput, type FileTask, runShare, type ShareOutcome } from './file-batch-work.ts';

export type { FileTask };

/** Threads a batch uses unless told otherwise: one per CPU, at most 4. */
export const defaultThreads = (): number => Math.min(4, availableParallelism());

// Below these many files a batch stays on the calling thread: a worker takes 30–50 ms to start,
// about what 256 small files cost to read and store, or 1,024 to read and hash.
const parallelFrom = { storing: 256, hashing: 1024 };

export interface BatchOptions {
  /** Threads reading at once, the calling one included (1: no workers). */
  threads: number;
  /** Store each file's bytes in this cache folder too, unless `present` holds the object. */
  store?: { dir: string; present: ReadonlySet<string> };
}

export interface FileBatchResult {
  /** Each task's SHA-256, in task order. */
  hashes: string[];
  /** Files each thread read (the calling thread first): how the work was shared. */
  perThread: number[];
}

/**
 * Reads each small file once and hashes it; with `store`, also writes its bytes into the cache.
 * Large batches are shared with worker threads (the files are claimed a chunk at a time, so a slow
 * disk on one thread does not hold the others). Writing many new files is mostly waiting on the
 * kernel, which several threads overlap. A file that changed while read stops the batch
 * (CONFLICT, naming it); so does a read or write error, named with its file.
 */
export async function hashFileBatch(
  tasks: readonly FileTask[],
  options: BatchOptions,
): Promise<FileBatchResult> {
  const input: BatchInput = {
    tasks,
    control: new SharedArrayBuffer(2 * Int32Array.BYTES_PER_ELEMENT),
    ...(options.store ? { store: options.store } : {}),
  };
  const enough = tasks.length >= (options.store ? parallelFrom.storing : parallelFrom.hashing);
  const workers = enough ? Math.max(0, options.threads - 1) : 0;
  const outcomes = Array.from({ length: workers }, () => startWorker(input));
  // This thread takes its share meanwhile; a worker that never started leaves it all the work.
  const all = [runShare(input), ...(await Promise.all(outcomes))];
  const perThread = all.map((outcome) => (outcome?.hashes.length ?? 0) / 2);
  const sha256s = new Array<string | undefined>(tasks.length);
  for (const outcome of all) {
    for (let at = 0; at < (outcome?.hashes.length ?? 0); at += 2) {
      sha256s[outcome?.hashes[at] as number] = outcome?.hashes[at + 1] as string;
    }
  }
  const changed = all.find((outcome) => outcome?.changed)?.changed;
  if (changed) {
    throw new AirlockError(
      'CONFLICT',
      `${changed} changed while it was being hashed; pin it again once it is written`,
      {
        context: { path: changed },
      },
    );
  }
  const failure = all.find((outcome) => outcome?.error)?.error;
  if (failure) throw batchError(failure, options.store?.dir);
  // Files a worker had claimed when it died (not an I/O error: those are reported): done here.
  const left = tasks.flatMap((_, index) => (sha256s[index] === undefined ? [index] : []));
  if (left.length > 0) {
    const redone = await hashFileBatch(
      left.map((index) => tasks[index] as FileTask),
      { ...options, threads: 1 },
    );
    left.forEach((index, at) => {
      sha256s[index] = redone.hashes[at];
    });
    perThread[0] = (perThread[0] ?? 0) + left.length;
  }
  return { hashes: sha256s as string[], perThread };
}

function startWorker(input: BatchInput): Promise<ShareOutcome | undefined> {
  return new Promise((resolve) => {
    let outcome: ShareOutcome | undefined;
    const worker = new Worker(new URL('./file-batch-worker.ts', import.meta.url), { workerData: input });
    worker.once('message', (message: ShareOutcome) => {
      outcome = message;
    });
    // A worker that could not start or died: whatever it claimed and did not report is redone.
    worker.on('error', () => {});
    worker.once('exit', () => resolve(outcome));
  });
}

function batchError(failure: NonNullable<ShareOutcome['error']>, cacheDir: string | undefined): AirlockError {
  const context = { path: failure.file, ...(failure.code ? { code: failure.code } : {}) };
  if (failure.while === 'storing') {
    return new AirlockError(
      'PRECONDITION_FAILED',
      `could not store ${failure.file} in the cache ${cacheDir ?? ''}: ${failure.message}`,
      { context },
    );
  }
  if (failure.code === 'ENOENT') {
    return new AirlockError(
      'CONFLICT',
      `${failure.file} was removed while it was being hashed; pin it again`,
      {
        context,
      },
    );
  }
  return new AirlockError('INVALID_INPUT', `${failure.file} could not be read: ${failure.message}`, {
    context,
  });
}
