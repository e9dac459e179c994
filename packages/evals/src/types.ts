// The data the engine passes around: suites and cases in, results, metrics and decisions out.
// Plain JSON-able shapes, so results can be streamed to disk, stored and compared across runs.

import type { PromptMessage } from '@airlock/registry';

/** Assertion types; each may be negated with a `not-` prefix (`not-contains`, `not-regex`, …). */
export const assertionTypes = [
  'contains',
  'icontains',
  'equals',
  'starts-with',
  'regex',
  'is-json',
  'json-schema',
  'max-words',
  'max-chars',
  'latency-ms',
  'cost-usd',
  'javascript',
  'llm-rubric',
] as const;

export type AssertionType = (typeof assertionTypes)[number];

export interface Assertion {
  type: AssertionType;
  /** `not-<type>`: passes exactly when the plain assertion fails. */
  negate: boolean;
  /** Text, number, pattern, schema, module path or rubric, by type (variables already rendered). */
  value?: unknown;
  /** Weight in the case's score (default 1). */
  weight: number;
  /** How the assertion reads in reports; defaults to its type and value. */
  label?: string;
  /** `javascript`: the exported function's name (default `default`). */
  exportName?: string;
}

/** Where something came from, for `file:line:col` messages and report links. */
export interface SourceLocation {
  file: string;
  line: number;
  column: number;
}

export interface EvalCase {
  id: string;
  vars: Record<string, unknown>;
  tags: string[];
  /** The case's weight in the pass rate (default 1). */
  weight: number;
  /** When set, the case passes if its weighted assertion score reaches this, even with a failed check. */
  threshold?: number;
  assert: Assertion[];
  source?: SourceLocation;
}

/** Sampling parameters sent with every request, and recorded with every result. */
export interface ModelParameters {
  temperature?: number;
  seed?: number;
  maxTokens?: number;
  topP?: number;
  responseFormat?: 'text' | 'json_object';
}

export interface Suite {
  name: string;
  /** As the user named it. */
  file: string;
  /** SHA-256 of the suite's canonical content (cases and assertions), the same for YAML and JSONL. */
  sha256: string;
  /** The default model for the suite (`provider/model-snapshot`). */
  model?: string;
  /** The prompt the cases render; without one, a case's `input` variable is the user message. */
  prompt?: PromptMessage[];
  parameters: ModelParameters;
  /** Data files the cases came from; each is checked against its pin before anything runs. */
  datasets: { path: string; absolutePath: string }[];
  cases: EvalCase[];
}

/** One request to a model. */
export interface CompletionRequest {
  model: string;
  messages: PromptMessage[];
  parameters: ModelParameters;
}

export interface TokenUsage {
  inputTokens: number;
  outputTokens: number;
  cachedInputTokens: number;
}

export interface Completion {
  output: string;
  /** The provider's own count (`usage`); absent when the provider did not report it. */
  usage?: TokenUsage;
  finishReason?: string;
  latencyMs: number;
  /** The model the provider says answered. */
  servedModel?: string;
}

export interface CheckResult {
  /** The type as written, `not-` included. */
  type: string;
  label: string;
  pass: boolean;
  /** 0–1; 1 or 0 except for graded checks (llm-rubric). */
  score: number;
  weight: number;
  /** Why it passed or failed, in words a reviewer can act on. */
  reason: string;
}

export type CaseStatus = 'pass' | 'fail' | 'error';

/** The outcome of one case (one repetition of it). */
export interface CaseResult {
  caseId: string;
  /** 0-based repetition index (`--repeat N`). */
  repeat: number;
  tags: string[];
  weight: number;
  status: CaseStatus;
  /** Weighted assertion score, 0–1. */
  score: number;
  checks: CheckResult[];
  output?: string;
  /** Provider error, timeout or unusable answer: an error never counts as a pass. */
  error?: string;
  latencyMs?: number;
  usage?: TokenUsage;
  /** The provider reported no usage: tokens were counted here (exact for OpenAI encodings). */
  usageEstimated?: boolean;
  costUsd?: number;
  model: string;
  parameters: ModelParameters;
  /** Served from the response cache (no provider call). */
  cached: boolean;
  /** Provider calls made, retries included. */
  attempts: number;
  source?: SourceLocation;
}

export interface LatencySummary {
  p50: number;
  p95: number;
  p99: number;
  mean: number;
  max: number;
}

export interface SliceMetrics {
  cases: number;
  passRate: number;
}

/** A case's outcome over its repetitions: what paired comparisons work on. */
export interface CaseOutcome {
  caseId: string;
  /** Passes ÷ repetitions. */
  passFraction: number;
  weight: number;
  tags: string[];
  errors: number;
}

export interface RunMetrics {
  /** Distinct cases. */
  cases: number;
  repeats: number;
  /** Case results (cases × repeats). */
  results: number;
  passed: number;
  failed: number;
  errors: number;
  /** Weighted mean of per-case pass fractions; errors count as failures. */
  passRate: number;
  /** Seed 001's check-level rate: checks passed ÷ checks run (errored cases contribute none). */
  checkPassRate: number;
  checksPassed: number;
  checksTotal: number;
  /** With `--repeat N`: the (weighted) share of cases that passed all N times (pass^N). */
  passAllRepeats: number;
  slices: Record<string, SliceMetrics>;
  /** Over results that reached the provider or the cache (errors excluded). */
  latencyMs?: LatencySummary;
  tokens: { input: number; output: number; cachedInput: number };
  /** Absent when the model has no price (then a cost gate cannot run). */
  cost?: { totalUsd: number; perCallUsd: number; per1kRequestsUsd: number };
  cachedResults: number;
}

/** What a run was: its inputs, when, and what it measured. Stored, reported and compared. */
export interface EvalRun {
  id: string;
  feature?: string;
  /** The release id the run backs, when known. */
  release?: string;
  suite: { name: string; file: string; sha256: string; cases: number };
  /** Content hashes of the data files the cases came from. */
  datasets: { path: string; sha256: string }[];
  model: string;
  /** `name@version` when the prompt came from the registry. */
  prompt?: string;
  parameters: ModelParameters;
  provider: string;
  options: { concurrency: number; repeat: number; tags: string[] };
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  /** Stopped early (Ctrl-C): the metrics cover the results that finished. */
  interrupted: boolean;
  metrics: RunMetrics;
  /** The JSONL file with every case result, when the run wrote one. */
  resultsFile?: string;
  /** The gate's decision when the run was gated (stored with it, so reports can be rebuilt). */
  gate?: import('./gate.ts').GateResult;
}

/** A case's outcome as stored with a run: enough to pair it with another run and say why it failed. */
export interface StoredOutcome extends CaseOutcome {
  /** The first failed check's reason or the error, when the case did not always pass. */
  detail?: string;
}
