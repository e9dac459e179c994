import { AirlockError, digestOf, formatSourceIssue, type SourceIssue } from '@airlock/core';
import { costPerRequest, countTokens, type PriceEntry } from '@airlock/cost';
import { type PromptMessage, parseModelId, renderMessages } from '@airlock/registry';
import { type AssertionServices, caseVerdict, runChecks } from './assertions.ts';
import { requestKey } from './cassette.ts';
import { createJavascriptChecks } from './javascript-checks.ts';
import { isProviderError, type Provider, ProviderError } from './provider.ts';
import { createRubricCheck } from './rubric.ts';
import type {
  CaseResult,
  Completion,
  CompletionRequest,
  EvalCase,
  ModelParameters,
  Suite,
  TokenUsage,
} from './types.ts';

/** Answers kept between runs, keyed by (model, rendered messages, parameters). */
export interface ResponseCache {
  get(key: string): Completion | undefined;
  set(key: string, completion: Completion): void;
}

export interface RetryOptions {
  /** Calls per request, the first included (default 4). */
  attempts?: number;
  /** Backoff base: attempt n waits a random time up to base·2ⁿ (full jitter). Default 500 ms. */
  baseDelayMs?: number;
  /** No wait is longer, `retry-after` included (default 30 s). */
  maxDelayMs?: number;
}

export interface RunSuiteOptions {
  provider: Provider;
  /** `provider/model-snapshot`; floating ids are refused. Default: the suite's model. */
  model?: string;
  /** Overrides the suite's prompt (e.g. a registry prompt version). */
  prompt?: PromptMessage[];
  /** Merged over the suite's parameters. */
  parameters?: ModelParameters;
  /** Calls in flight at once (default 8). */
  concurrency?: number;
  /** Runs of each case, to measure non-determinism (default 1). Bypasses the response cache. */
  repeat?: number;
  retry?: RetryOptions;
  cache?: ResponseCache;
  /** Only cases with at least one of these tags. */
  tags?: readonly string[];
  /** Prices for the model, for cost per call (measured usage, else an estimate). */
  price?: PriceEntry;
  /** The model that grades `llm-rubric` checks (default: the model under test, same provider). */
  judge?: { provider: Provider; model: string };
  javascriptTimeoutMs?: number;
  /** Stops the run: no new calls start, calls in flight are cancelled, finished results are kept. */
  signal?: AbortSignal;
  /** For tests: the random source of the jitter, and how to wait. */
  random?: () => number;
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
}

const defaultSleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });

/** The cases a run covers, after the tag filter. */
export function selectCases(suite: Suite, tags?: readonly string[]): EvalCase[] {
  if (!tags || tags.length === 0) return suite.cases;
  return suite.cases.filter((item) => item.tags.some((tag) => tags.includes(tag)));
}

/** The messages for a case: the prompt rendered with its variables, or its `input` as the user message. */
export function caseMessages(item: EvalCase, prompt: PromptMessage[] | undefined): PromptMessage[] {
  if (prompt) return renderMessages(prompt, item.vars, `case "${item.id}"`);
  const input = item.vars.input;
  if (input === undefined || input === null) {
    throw new AirlockError(
      'INVALID_INPUT',
      `case "${item.id}" has no prompt to render and no input variable; give the suite a prompt (or --prompt), or the case an input`,
    );
  }
  return [{ role: 'user', content: typeof input === 'string' ? input : JSON.stringify(input) }];
}

/** Full-jitter exponential backoff, never shorter than the server's `retry-after`. */
export function backoffDelay(
  attempt: number,
  error: ProviderError,
  retry: Required<RetryOptions>,
  random: () => number,
): number {
  const ceiling = Math.min(retry.maxDelayMs, retry.baseDelayMs * 2 ** attempt);
  const jittered = random() * ceiling;
  return Math.min(retry.maxDelayMs, Math.max(jittered, error.retryAfterMs ?? 0));
}

interface CallOutcome {
  completion?: Completion;
  error?: ProviderError;
  attempts: number;
}

function estimateUsage(request: CompletionRequest, output: string): TokenUsage {
  const name = parseModelId(request.model).name;
  const prompt = request.messages.map((message) => message.content).join('\n');
  return {
    inputTokens: countTokens(prompt, name).tokens + 3 * request.messages.length,
    outputTokens: countTokens(output, name).tokens,
    cachedInputTokens: 0,
  };
}

/**
 * Runs a suite and yields each case result as it finishes (in completion order). Every case's
 * messages are rendered before the first call, so a suite that cannot run costs nothing. A
 * provider that rejects the key or cannot be reached at all stops the run with an error; any
 * other failed call is that case's error, never a pass.
 */
export async function* runSuite(suite: Suite, options: RunSuiteOptions): AsyncGenerator<CaseResult> {
  const modelId = options.model ?? suite.model;
  if (!modelId) {
    throw new AirlockError('INVALID_INPUT', `${suite.file}: no model; give the suite a model, or --model`);
  }
  const model = parseModelId(modelId);
  if (!model.pinned) {
    throw new AirlockError(
      'INVALID_INPUT',
      `model ${modelId} is not pinned to a snapshot; an eval of a floating id cannot be compared with the next one (use e.g. openai/gpt-4o-2024-11-20)`,
    );
  }
  const parameters: ModelParameters = { ...suite.parameters, ...options.parameters };
  const prompt = options.prompt ?? suite.prompt;
  const cases = selectCases(suite, options.tags);
  if (cases.length === 0) {
    throw new AirlockError(
      'INVALID_INPUT',
      `${suite.file}: no case has any of the tags ${options.tags?.join(', ')}`,
    );
  }
  const issues: SourceIssue[] = [];
  const requests = new Map<string, CompletionRequest>();
  for (const item of cases) {
    try {
      requests.set(item.id, { model: modelId, messages: caseMessages(item, prompt), parameters });
    } catch (error) {
      if (!(error instanceof AirlockError)) throw error;
      issues.push({ ...(item.source ?? { file: suite.file, line: 1, column: 1 }), message: error.message });
    }
  }
  if (issues.length > 0) {
    throw new AirlockError('INVALID_INPUT', issues.map(formatSourceIssue).join('\n'), { issues });
  }

  const repeat = Math.max(1, options.repeat ?? 1);
  const concurrency = Math.max(1, options.concurrency ?? 8);
  const retry: Required<RetryOptions> = {
    attempts: options.retry?.attempts ?? 4,
    baseDelayMs: options.retry?.baseDelayMs ?? 500,
    maxDelayMs: options.retry?.maxDelayMs ?? 30_000,
  };
  const random = options.random ?? Math.random;
  const sleep = options.sleep ?? defaultSleep;
  const cache = repeat === 1 ? options.cache : undefined;
  const stop = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, stop.signal]) : stop.signal;

  // A provider is unreachable (rather than flaky) when the first calls all fail to connect.
  const unreachableAfter = Math.min(3, cases.length * repeat);
  let successes = 0;
  let connectionFailures = 0;
  let fatal: AirlockError | undefined;

  const call = async (provider: Provider, request: CompletionRequest): Promise<CallOutcome> => {
    let attempts = 0;
    for (;;) {
      attempts += 1;
      try {
        const completion = await provider.complete(request, { signal });
        successes += 1;
        return { completion, attempts };
      } catch (caught) {
        const error = isProviderError(caught)
          ? caught
          : new ProviderError('request', caught instanceof Error ? caught.message : String(caught));
        if (signal.aborted) return { error: new ProviderError('aborted', 'stopped'), attempts };
        if (!error.retryable || attempts >= retry.attempts) {
          if (error.kind === 'connection') connectionFailures += 1;
          return { error, attempts };
        }
        await sleep(backoffDelay(attempts - 1, error, retry, random), signal);
        if (signal.aborted) return { error: new ProviderError('aborted', 'stopped'), attempts };
      }
    }
  };

  const javascript = createJavascriptChecks({
    ...(options.javascriptTimeoutMs === undefined ? {} : { timeoutMs: options.javascriptTimeoutMs }),
  });
  const judge = options.judge ?? { provider: options.provider, model: modelId };
  const services: AssertionServices = {
    javascript: (assertion, input) => javascript.run(assertion, input),
    rubric: createRubricCheck(async (request) => {
      const outcome = await call(judge.provider, { ...request, model: judge.model });
      if (outcome.error) throw outcome.error;
      return outcome.completion as Completion;
    }),
  };

  const runCase = async (item: EvalCase, index: number): Promise<CaseResult | undefined> => {
    const request = requests.get(item.id) as CompletionRequest;
    const base = {
      caseId: item.id,
      repeat: index,
      tags: item.tags,
      weight: item.weight,
      model: modelId,
      parameters,
      ...(item.source ? { source: item.source } : {}),
    };
    // The endpoint is part of the key: a local server's answers never stand in for OpenAI's.
    const key = cache
      ? digestOf({ endpoint: options.provider.description, request: requestKey(request) })
      : '';
    const hit = cache?.get(key);
    const outcome: CallOutcome = hit
      ? { completion: hit, attempts: 0 }
      : await call(options.provider, request);
    if (outcome.error?.kind === 'aborted') return undefined;
    if (outcome.error) {
      if (outcome.error.kind === 'unauthorized') {
        fatal ??= new AirlockError(
          'UNAUTHORIZED',
          `the provider refused the API key (${outcome.error.message}); check the key's environment variable`,
        );
        stop.abort();
      } else if (
        outcome.error.kind === 'connection' &&
        successes === 0 &&
        connectionFailures >= unreachableAfter
      ) {
        fatal ??= new AirlockError(
          'UPSTREAM_FAILED',
          `the provider is unreachable (${options.provider.description}): ${outcome.error.message}`,
        );
        stop.abort();
      }
      return {
        ...base,
        status: 'error',
        score: 0,
        checks: [],
        error: `${outcome.error.kind}: ${outcome.error.message}${outcome.attempts > 1 ? ` (${outcome.attempts} attempts)` : ''}`,
        cached: false,
        attempts: outcome.attempts,
      };
    }
    const completion = outcome.completion as Completion;
    if (cache && !hit) cache.set(key, completion);
    const usage = completion.usage ?? estimateUsage(request, completion.output);
    const costUsd = options.price
      ? costPerRequest(options.price, {
          inputTokens: usage.inputTokens,
          outputTokens: usage.outputTokens,
          cachedInputTokens: usage.cachedInputTokens,
        }).total
      : undefined;
    const checks = await runChecks(
      item.assert,
      {
        output: completion.output,
        vars: item.vars,
        latencyMs: completion.latencyMs,
        ...(costUsd === undefined ? {} : { costUsd }),
      },
      services,
    );
    const verdict = caseVerdict(checks, item.threshold);
    return {
      ...base,
      status: verdict.pass ? 'pass' : 'fail',
      score: verdict.score,
      checks,
      output: completion.output,
      latencyMs: completion.latencyMs,
      usage,
      ...(completion.usage ? {} : { usageEstimated: true }),
      ...(costUsd === undefined ? {} : { costUsd }),
      cached: hit !== undefined,
      attempts: outcome.attempts,
    };
  };

  // Workers take the next (case, repetition) and hand results to the generator through a queue.
  const total = cases.length * repeat;
  let next = 0;
  const ready: CaseResult[] = [];
  let wake: (() => void) | undefined;
  let running = 0;
  let failure: unknown;
  const notify = () => {
    wake?.();
    wake = undefined;
  };
  // Backpressure: a worker whose result the consumer has not taken yet (say, it is waiting for
  // the disk) waits before starting another call, so results never pile up in memory.
  const spaceWaiters: (() => void)[] = [];
  const releaseSpace = (all = false) => {
    while (spaceWaiters.length > 0 && (all || ready.length < concurrency)) spaceWaiters.shift()?.();
  };
  signal.addEventListener('abort', () => releaseSpace(true), { once: true });
  const worker = async () => {
    try {
      while (!signal.aborted && next < total) {
        const index = next++;
        const result = await runCase(
          cases[index % cases.length] as EvalCase,
          Math.floor(index / cases.length),
        );
        if (result && !fatal) {
          ready.push(result);
          notify();
          if (ready.length >= concurrency && !signal.aborted) {
            await new Promise<void>((resolve) => spaceWaiters.push(resolve));
          }
        }
      }
    } catch (error) {
      failure ??= error;
      stop.abort();
    } finally {
      running -= 1;
      notify();
    }
  };
  running = Math.min(concurrency, total);
  const workers = Array.from({ length: running }, worker);
  try {
    for (;;) {
      while (ready.length > 0) {
        const result = ready.shift() as CaseResult;
        releaseSpace();
        yield result;
      }
      if (running === 0) break;
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
    }
    await Promise.all(workers);
    if (failure) throw failure;
    if (fatal) throw fatal;
  } finally {
    stop.abort();
    await javascript.close();
  }
}
