// A worker thread of a file batch (see file-batch.ts): one share of the work, then its outcome.
import { parentPort, workerData } from 'node:worker_threads';
import { type BatchInput, runShare } from './file-batch-work.ts';

parentPort?.postMessage(runShare(workerData as BatchInput));
