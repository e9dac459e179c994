import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { AssertionInput, RawVerdict } from './assertions.ts';
import type { Assertion } from './types.ts';

// The worker imports the user's module and calls its function. It is plain JavaScript in a
// string so it runs the same from source, from tests and from a bundle.
const workerSource = `
const { parentPort } = require('node:worker_threads');
const modules = new Map();
parentPort.on('message', async (task) => {
  try {
    let loaded = modules.get(task.url);
    if (!loaded) { loaded = import(task.url); modules.set(task.url, loaded); }
    const mod = await loaded;
    const fn = mod[task.exportName] ?? (task.exportName === 'default' ? mod.default?.default : undefined);
    if (typeof fn !== 'function') {
      parentPort.postMessage({ id: task.id, error: 'exports no function named ' + task.exportName });
      return;
    }
    const result = await fn(task.output, task.context);
    parentPort.postMessage({ id: task.id, result: JSON.parse(JSON.stringify(result ?? null)) });
  } catch (error) {
    parentPort.postMessage({ id: task.id, error: String(error && error.stack ? error.message : error) });
  }
});
`;

interface Pending {
  resolve: (verdict: RawVerdict) => void;
  timer: NodeJS.Timeout;
}

interface Slot {
  worker: Worker;
  busy: boolean;
  pending?: (Pending & { id: number }) | undefined;
}

export interface JavascriptChecks {
  run(assertion: Assertion, input: AssertionInput): Promise<RawVerdict>;
  close(): Promise<void>;
}

/** What a check function returned, as a verdict: boolean, a 0–1 score (pass at ≥ 0.5), or `{ pass, score?, reason? }`. */
export function verdictFromResult(result: unknown): RawVerdict {
  if (typeof result === 'boolean') return { pass: result, reason: `function returned ${result}` };
  if (typeof result === 'number' && result >= 0 && result <= 1) {
    return { pass: result >= 0.5, score: result, reason: `function scored ${result}` };
  }
  if (
    result !== null &&
    typeof result === 'object' &&
    typeof (result as { pass?: unknown }).pass === 'boolean'
  ) {
    const { pass, score, reason } = result as { pass: boolean; score?: unknown; reason?: unknown };
    return {
      pass,
      ...(typeof score === 'number' ? { score: Math.min(1, Math.max(0, score)) } : {}),
      reason: typeof reason === 'string' ? reason : `function returned pass: ${pass}`,
    };
  }
  return {
    pass: false,
    indeterminate: true,
    reason: `function returned ${JSON.stringify(result)}; expected a boolean, a score from 0 to 1, or { pass, score?, reason? }`,
  };
}

/**
 * Runs `javascript` checks in worker threads, each call with a time limit: a function that never
 * returns fails its own check, its worker is terminated and replaced, and the run goes on.
 */
export function createJavascriptChecks(
  options: { timeoutMs?: number; workers?: number } = {},
): JavascriptChecks {
  const timeoutMs = options.timeoutMs ?? 5_000;
  const size = Math.max(1, options.workers ?? 2);
  const slots: Slot[] = [];
  const queue: { start: (slot: Slot) => void }[] = [];
  let nextId = 0;

  const spawn = (): Slot => {
    const slot: Slot = { worker: new Worker(workerSource, { eval: true }), busy: false };
    slot.worker.unref();
    slot.worker.on('message', (message: { id: number; result?: unknown; error?: string }) => {
      const pending = slot.pending;
      if (!pending || pending.id !== message.id) return;
      clearTimeout(pending.timer);
      slot.pending = undefined;
      pending.resolve(
        message.error !== undefined
          ? { pass: false, indeterminate: true, reason: `the check threw: ${message.error}` }
          : verdictFromResult(message.result),
      );
      release(slot);
    });
    slot.worker.on('error', (error) => {
      const pending = slot.pending;
      if (pending) {
        clearTimeout(pending.timer);
        slot.pending = undefined;
        pending.resolve({ pass: false, indeterminate: true, reason: `the check crashed: ${error.message}` });
      }
      replace(slot);
    });
    return slot;
  };

  const replace = (slot: Slot) => {
    void slot.worker.terminate();
    const index = slots.indexOf(slot);
    if (index >= 0) slots.splice(index, 1);
    dispatch();
  };

  const release = (slot: Slot) => {
    slot.busy = false;
    dispatch();
  };

  const dispatch = () => {
    while (queue.length > 0) {
      let slot = slots.find((candidate) => !candidate.busy);
      if (!slot && slots.length < size) {
        slot = spawn();
        slots.push(slot);
      }
      if (!slot) return;
      slot.busy = true;
      queue.shift()?.start(slot);
    }
  };

  return {
    run(assertion, input) {
      return new Promise<RawVerdict>((resolve) => {
        queue.push({
          start: (slot) => {
            const id = nextId++;
            const timer = setTimeout(() => {
              slot.pending = undefined;
              resolve({
                pass: false,
                indeterminate: true,
                reason: `the check did not return within ${timeoutMs} ms (an endless loop?); it was stopped`,
              });
              replace(slot);
            }, timeoutMs);
            slot.pending = { id, resolve, timer };
            slot.worker.postMessage({
              id,
              url: pathToFileURL(String(assertion.value)).href,
              exportName: assertion.exportName ?? 'default',
              output: input.output,
              context: {
                vars: input.vars,
                ...(input.latencyMs === undefined ? {} : { latencyMs: input.latencyMs }),
                ...(input.costUsd === undefined ? {} : { costUsd: input.costUsd }),
              },
            });
          },
        });
        dispatch();
      });
    },
    async close() {
      await Promise.all(slots.splice(0).map((slot) => slot.worker.terminate()));
    },
  };
}
