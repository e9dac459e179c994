import { existsSync, readFileSync } from 'node:fs';
import { AirlockError, writeFileAtomic } from '@airlock/core';
import { z } from 'zod';
import type { Baseline } from './gate.ts';
import type { CaseOutcome, EvalRun } from './types.ts';

const sliceSchema = z.strictObject({ cases: z.number().int().min(0), pass_rate: z.number().min(0).max(1) });

/** `model_baseline.json` (seed 002): the metrics a candidate must not fall below, and the per-case outcomes they came from. */
export const baselineFileSchema = z.strictObject({
  schema: z.literal('airlock.model-baseline/v1'),
  run_id: z.string().optional(),
  feature: z.string().optional(),
  suite: z.strictObject({ name: z.string(), sha256: z.string() }).optional(),
  model: z.string().optional(),
  prompt: z.string().optional(),
  created_at: z.string(),
  metrics: z.strictObject({
    pass_rate: z.number().min(0).max(1),
    check_pass_rate: z.number().min(0).max(1).optional(),
    p95_latency_ms: z.number().min(0).optional(),
    cost_per_call_usd: z.number().min(0).optional(),
    cost_per_1k_usd: z.number().min(0).optional(),
    slices: z.record(z.string(), sliceSchema).default({}),
  }),
  /** case id → pass fraction; weights and tags ride along when they are not the defaults. */
  cases: z
    .record(
      z.string(),
      z.union([
        z.number().min(0).max(1),
        z.strictObject({
          pass: z.number().min(0).max(1),
          weight: z.number().positive().optional(),
          tags: z.array(z.string()).optional(),
        }),
      ]),
    )
    .default({}),
});

export type BaselineFile = z.output<typeof baselineFileSchema>;

/** The file `airlock eval baseline set <run>` writes. */
export function baselineFileFromRun(run: EvalRun, outcomes: readonly CaseOutcome[]): BaselineFile {
  const cases: BaselineFile['cases'] = {};
  for (const outcome of [...outcomes].sort((a, b) => a.caseId.localeCompare(b.caseId))) {
    cases[outcome.caseId] =
      outcome.weight === 1 && outcome.tags.length === 0
        ? outcome.passFraction
        : {
            pass: outcome.passFraction,
            ...(outcome.weight === 1 ? {} : { weight: outcome.weight }),
            ...(outcome.tags.length === 0 ? {} : { tags: outcome.tags }),
          };
  }
  const slices: BaselineFile['metrics']['slices'] = {};
  for (const [tag, slice] of Object.entries(run.metrics.slices))
    slices[tag] = { cases: slice.cases, pass_rate: slice.passRate };
  return {
    schema: 'airlock.model-baseline/v1',
    run_id: run.id,
    ...(run.feature === undefined ? {} : { feature: run.feature }),
    suite: { name: run.suite.name, sha256: run.suite.sha256 },
    model: run.model,
    ...(run.prompt === undefined ? {} : { prompt: run.prompt }),
    created_at: new Date().toISOString(),
    metrics: {
      pass_rate: run.metrics.passRate,
      check_pass_rate: run.metrics.checkPassRate,
      ...(run.metrics.latencyMs ? { p95_latency_ms: run.metrics.latencyMs.p95 } : {}),
      ...(run.metrics.cost
        ? {
            cost_per_call_usd: run.metrics.cost.perCallUsd,
            cost_per_1k_usd: run.metrics.cost.per1kRequestsUsd,
          }
        : {}),
      slices,
    },
    cases,
  };
}

export function writeBaselineFile(path: string, file: BaselineFile): void {
  writeFileAtomic(path, `${JSON.stringify(file, null, 2)}\n`);
}

/** Reads a baseline file; a malformed one names the field and why. */
export function readBaselineFile(path: string, display = path): Baseline {
  if (!existsSync(path)) throw new AirlockError('NOT_FOUND', `${display}: no such baseline file`);
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new AirlockError('INVALID_INPUT', `${display}: not JSON: ${(error as Error).message}`);
  }
  const parsed = baselineFileSchema.safeParse(json);
  if (!parsed.success) {
    const problems = parsed.error.issues.map(
      (issue) => `${display}: ${issue.path.join('.') || '(root)'}: ${issue.message}`,
    );
    throw new AirlockError('INVALID_INPUT', problems.join('\n'));
  }
  const file = parsed.data;
  const slices: Baseline['metrics']['slices'] = {};
  for (const [tag, slice] of Object.entries(file.metrics.slices))
    slices[tag] = { cases: slice.cases, passRate: slice.pass_rate };
  return {
    source: display,
    ...(file.run_id === undefined ? {} : { runId: file.run_id }),
    ...(file.suite ? { suiteSha256: file.suite.sha256 } : {}),
    ...(file.model === undefined ? {} : { model: file.model }),
    ...(file.prompt === undefined ? {} : { prompt: file.prompt }),
    metrics: {
      passRate: file.metrics.pass_rate,
      ...(file.metrics.p95_latency_ms === undefined ? {} : { p95LatencyMs: file.metrics.p95_latency_ms }),
      ...(file.metrics.cost_per_call_usd === undefined
        ? {}
        : { costPerCallUsd: file.metrics.cost_per_call_usd }),
      ...(file.metrics.cost_per_1k_usd === undefined ? {} : { costPer1kUsd: file.metrics.cost_per_1k_usd }),
      slices,
    },
    outcomes: Object.entries(file.cases).map(([caseId, value]) =>
      typeof value === 'number'
        ? { caseId, passFraction: value, weight: 1, tags: [] }
        : { caseId, passFraction: value.pass, weight: value.weight ?? 1, tags: value.tags ?? [] },
    ),
  };
}
