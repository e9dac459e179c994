import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { createReadStream, createWriteStream, renameSync, rmSync, type WriteStream } from 'node:fs';
import { newId } from '@airlock/core';
import { createMetricsAccumulator } from './metrics.ts';
import { type RunSuiteOptions, runSuite, selectCases } from './runner.ts';
import type { CaseResult, EvalRun, StoredOutcome, Suite } from './types.ts';

export interface ExecuteRunOptions extends RunSuiteOptions {
  /** Every case result is streamed here as JSON Lines (written under a temporary name, then renamed). */
  resultsFile?: string;
  feature?: string;
  release?: string;
  /** `name@version` of a registry prompt, for the record. */
  promptRef?: string;
  /** Called after each result (progress bars). */
  onResult?: (result: CaseResult, progress: { done: number; total: number }) => void;
  now?: () => Date;
  /** The run's id (default: a new one), e.g. to name its results file before it starts. */
  runId?: string;
}

export interface ExecutedRun {
  run: EvalRun;
  outcomes: StoredOutcome[];
}

async function fileSha256(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Waits when the disk is slower than the provider, so memory stays flat. */
async function writeText(stream: WriteStream, text: string): Promise<void> {
  if (!stream.write(text)) await once(stream, 'drain');
}

// Result lines are written in batches of about this many characters, not one write per result:
// at 20 ms per answer each result would otherwise be its own write on the threadpool. Nothing is
// lost by waiting: the file only takes its final name once the run has ended.
const batchCharacters = 64 << 10;

function failureDetail(result: CaseResult): string | undefined {
  if (result.status === 'error') return result.error;
  if (result.status === 'pass') return undefined;
  const failed = result.checks.filter((check) => !check.pass);
  return (
    failed.map((check) => `${check.label}: ${check.reason}`).join('; ') || `score ${result.score.toFixed(2)}`
  );
}

/**
 * Runs a suite to the end (or until stopped), streaming results to disk and keeping only
 * per-case tallies in memory. A stopped run keeps what finished and says it was interrupted.
 */
export async function executeRun(suite: Suite, options: ExecuteRunOptions): Promise<ExecutedRun> {
  const now = options.now ?? (() => new Date());
  const started = now();
  const startedAt = performance.now();
  const datasets = await Promise.all(
    suite.datasets.map(async (dataset) => ({
      path: dataset.path,
      sha256: await fileSha256(dataset.absolutePath),
    })),
  );
  const accumulator = createMetricsAccumulator();
  const details = new Map<string, string>();
  const selected = selectCases(suite, options.tags).length;
  const total = selected * Math.max(1, options.repeat ?? 1);
  const partial = options.resultsFile ? `${options.resultsFile}.partial` : undefined;
  const stream = partial ? createWriteStream(partial, { encoding: 'utf8' }) : undefined;
  let done = 0;
  let batch = '';
  try {
    for await (const result of runSuite(suite, options)) {
      done += 1;
      accumulator.add(result);
      const detail = failureDetail(result);
      if (detail !== undefined && !details.has(result.caseId)) details.set(result.caseId, detail);
      if (stream) {
        batch += `${JSON.stringify(result)}\n`;
        if (batch.length >= batchCharacters) {
          await writeText(stream, batch);
          batch = '';
        }
      }
      options.onResult?.(result, { done, total });
    }
    if (stream && batch !== '') await writeText(stream, batch);
  } catch (error) {
    if (stream) {
      stream.destroy();
      rmSync(partial as string, { force: true });
    }
    throw error;
  }
  if (stream && partial && options.resultsFile) {
    stream.end();
    await once(stream, 'finish');
    renameSync(partial, options.resultsFile);
  }
  const metrics = accumulator.metrics();
  const outcomes: StoredOutcome[] = accumulator.outcomes().map((outcome) => {
    const detail = details.get(outcome.caseId);
    return detail === undefined ? outcome : { ...outcome, detail };
  });
  const run: EvalRun = {
    id: options.runId ?? newId('run', started),
    ...(options.feature === undefined ? {} : { feature: options.feature }),
    ...(options.release === undefined ? {} : { release: options.release }),
    suite: {
      name: suite.name,
      file: suite.file,
      sha256: suite.sha256,
      cases: selected,
    },
    datasets,
    model: (options.model ?? suite.model) as string,
    ...(options.promptRef === undefined ? {} : { prompt: options.promptRef }),
    parameters: { ...suite.parameters, ...options.parameters },
    provider: options.provider.description,
    options: {
      concurrency: options.concurrency ?? 8,
      repeat: Math.max(1, options.repeat ?? 1),
      tags: [...(options.tags ?? [])],
    },
    startedAt: started.toISOString(),
    finishedAt: now().toISOString(),
    durationMs: Math.round(performance.now() - startedAt),
    interrupted: done < total,
    metrics,
    ...(options.resultsFile ? { resultsFile: options.resultsFile } : {}),
  };
  return { run, outcomes };
}
