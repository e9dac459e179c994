import { costGate } from '@airlock/cost';
import {
  comparePaired,
  type PairedCase,
  type PairedComparison,
  type RegressionPolicy,
  regressionVerdict,
} from './paired-stats.ts';
import type { CaseOutcome, EvalRun, RunMetrics, SliceMetrics } from './types.ts';

/** Every limit the gate applies; the defaults are the seeds' numbers. */
export interface GatePolicy {
  /** Minimum pass rate (seed 001: 0.85). */
  threshold: number;
  /** Largest pass-rate drop against the baseline, as a fraction (seed 003: 0.02). */
  maxPassRateDrop: number;
  /** Largest p95 latency increase, percent (seed 003: 15). */
  maxP95LatencyIncreasePct: number;
  /**
   * A p95 increase of at most this many milliseconds is never a regression, whatever its percent:
   * at tens of milliseconds (a local server, a cache) the percent is timer noise. Default 50.
   */
  p95LatencyNoiseMs: number;
  /** Largest cost-per-call increase, percent (seed 003: 10). */
  maxCostIncreasePct: number;
  /** Largest pass-rate drop within one tag's slice (e.g. `locale:fr`). */
  maxSliceDrop: number;
  /** Provider errors and timeouts allowed (default 0: an error is never a pass). */
  maxErrors: number;
  /** `significant`: only a drop beyond the limit that is also statistically significant blocks. */
  regressionPolicy: RegressionPolicy;
  confidence: number;
  /** Budgets (seed 004): absolute limits that need no baseline. */
  costPerCallUsdMax?: number;
  p95LatencyMsMax?: number;
}

export const defaultGatePolicy: GatePolicy = {
  threshold: 0.85,
  maxPassRateDrop: 0.02,
  maxP95LatencyIncreasePct: 15,
  p95LatencyNoiseMs: 50,
  maxCostIncreasePct: 10,
  maxSliceDrop: 0.05,
  maxErrors: 0,
  regressionPolicy: 'significant',
  confidence: 0.95,
};

/** What a candidate is compared with: a stored run, or a `model_baseline.json`. */
export interface Baseline {
  /** `run <id>` or the baseline file, for reports. */
  source: string;
  runId?: string;
  suiteSha256?: string;
  model?: string;
  prompt?: string;
  metrics: {
    passRate: number;
    p95LatencyMs?: number;
    costPerCallUsd?: number;
    costPer1kUsd?: number;
    slices: Record<string, SliceMetrics>;
  };
  /** Per-case pass fractions; empty when the baseline only has totals (then no pairing). */
  outcomes: Pick<CaseOutcome, 'caseId' | 'passFraction' | 'weight' | 'tags'>[];
}

export function baselineFromRun(run: EvalRun, outcomes: readonly CaseOutcome[]): Baseline {
  return {
    source: `run ${run.id}`,
    runId: run.id,
    suiteSha256: run.suite.sha256,
    model: run.model,
    ...(run.prompt === undefined ? {} : { prompt: run.prompt }),
    metrics: {
      passRate: run.metrics.passRate,
      ...(run.metrics.latencyMs ? { p95LatencyMs: run.metrics.latencyMs.p95 } : {}),
      ...(run.metrics.cost
        ? { costPerCallUsd: run.metrics.cost.perCallUsd, costPer1kUsd: run.metrics.cost.per1kRequestsUsd }
        : {}),
      slices: run.metrics.slices,
    },
    outcomes: outcomes.map(({ caseId, passFraction, weight, tags }) => ({
      caseId,
      passFraction,
      weight,
      tags,
    })),
  };
}

export type GateCheckStatus = 'pass' | 'fail' | 'warn' | 'skipped';

export interface GateCheck {
  /** `threshold`, `errors`, `regression`, `p95-latency`, `cost`, `slice:locale:fr`, `budget:cost`, … */
  id: string;
  status: GateCheckStatus;
  /** One sentence with the numbers, for the decision's reasons. */
  summary: string;
  baseline?: number;
  candidate?: number;
  limit?: number;
}

export interface GateResult {
  decision: 'pass' | 'blocked';
  policy: GatePolicy;
  checks: GateCheck[];
  /** The paired pass-rate comparison, when there was a baseline with per-case outcomes. */
  comparison?: PairedComparison;
  /** The suite is too small to detect a drop of the limit's size. */
  underpowered: boolean;
  baseline?: { source: string; runId?: string };
}

const pct = (value: number) => `${(value * 100).toFixed(1)}%`;
const pts = (value: number) => `${(value * 100).toFixed(1)} points`;

function pairCases(
  baseline: Baseline['outcomes'],
  candidate: readonly CaseOutcome[],
  tag?: string,
): PairedCase[] {
  const before = new Map(baseline.map((outcome) => [outcome.caseId, outcome]));
  const pairs: PairedCase[] = [];
  for (const outcome of candidate) {
    if (tag !== undefined && !outcome.tags.includes(tag)) continue;
    const previous = before.get(outcome.caseId);
    if (!previous) continue;
    pairs.push({
      caseId: outcome.caseId,
      baseline: previous.passFraction,
      candidate: outcome.passFraction,
      weight: outcome.weight,
    });
  }
  return pairs;
}

function increaseCheck(
  id: string,
  what: string,
  baseline: number | undefined,
  candidate: number | undefined,
  limitPct: number,
  unit: (value: number) => string,
  /** An absolute increase up to this is noise, never a failure. */
  noise = 0,
): GateCheck {
  if (baseline === undefined || candidate === undefined) {
    return { id, status: 'skipped', summary: `${what}: not measured in both runs` };
  }
  const change =
    baseline === 0
      ? candidate === 0
        ? 0
        : Number.POSITIVE_INFINITY
      : ((candidate - baseline) / baseline) * 100;
  const withinNoise = candidate - baseline <= noise;
  const status = change > limitPct && !withinNoise ? 'fail' : 'pass';
  return {
    id,
    status,
    summary: `${what} ${unit(baseline)} → ${unit(candidate)} (${change >= 0 ? '+' : ''}${change.toFixed(1)}%, limit +${limitPct}%${
      change > limitPct && withinNoise ? `; within the ${unit(noise)} noise floor` : ''
    })`,
    baseline,
    candidate,
    limit: limitPct,
  };
}

/**
 * The gate's decision: every check with its numbers, blocked when any check fails. Provider
 * errors, an interrupted run and a pass rate under the threshold need no baseline; regression
 * checks compare the same cases in both runs.
 */
export function decideGate(
  run: Pick<EvalRun, 'metrics' | 'interrupted' | 'suite'>,
  outcomes: readonly CaseOutcome[],
  policy: GatePolicy = defaultGatePolicy,
  baseline?: Baseline,
): GateResult {
  const metrics: RunMetrics = run.metrics;
  const checks: GateCheck[] = [];
  if (run.interrupted) {
    checks.push({
      id: 'complete',
      status: 'fail',
      summary: `the run was stopped early: ${metrics.cases} of ${run.suite.cases} cases finished`,
    });
  }
  checks.push({
    id: 'errors',
    status: metrics.errors > policy.maxErrors ? 'fail' : 'pass',
    summary: `${metrics.errors} provider error${metrics.errors === 1 ? '' : 's'} or timeout${metrics.errors === 1 ? '' : 's'} (limit ${policy.maxErrors})`,
    candidate: metrics.errors,
    limit: policy.maxErrors,
  });
  checks.push({
    id: 'threshold',
    status: metrics.passRate + 1e-12 >= policy.threshold ? 'pass' : 'fail',
    summary: `pass rate ${pct(metrics.passRate)} (threshold ${pct(policy.threshold)})`,
    candidate: metrics.passRate,
    limit: policy.threshold,
  });
  if (policy.costPerCallUsdMax !== undefined) {
    const perCall = metrics.cost?.perCallUsd;
    checks.push(
      perCall === undefined
        ? {
            id: 'budget:cost',
            status: 'fail',
            summary: 'cost per call unknown (no price for the model), so the budget cannot be checked',
          }
        : {
            id: 'budget:cost',
            status: perCall > policy.costPerCallUsdMax ? 'fail' : 'pass',
            summary: `cost per call $${perCall.toFixed(6)} (budget $${policy.costPerCallUsdMax})`,
            candidate: perCall,
            limit: policy.costPerCallUsdMax,
          },
    );
  }
  if (policy.p95LatencyMsMax !== undefined) {
    const p95 = metrics.latencyMs?.p95;
    checks.push(
      p95 === undefined
        ? {
            id: 'budget:p95-latency',
            status: 'fail',
            summary: 'no latency measured, so the p95 budget cannot be checked',
          }
        : {
            id: 'budget:p95-latency',
            status: p95 > policy.p95LatencyMsMax ? 'fail' : 'pass',
            summary: `p95 latency ${Math.round(p95)} ms (budget ${policy.p95LatencyMsMax} ms)`,
            candidate: p95,
            limit: policy.p95LatencyMsMax,
          },
    );
  }

  let comparison: PairedComparison | undefined;
  let underpowered = false;
  if (baseline) {
    if (baseline.suiteSha256 !== undefined && baseline.suiteSha256 !== run.suite.sha256) {
      checks.push({
        id: 'same-suite',
        status: 'warn',
        summary: `the suite changed since the baseline (${baseline.source}); only cases with the same id are compared`,
      });
    }
    const pairs = pairCases(baseline.outcomes, outcomes);
    if (pairs.length > 0) {
      comparison = comparePaired(pairs, { confidence: policy.confidence });
      const verdict = regressionVerdict(comparison, policy.maxPassRateDrop, policy.regressionPolicy);
      underpowered = verdict.underpowered;
      checks.push({
        id: 'regression',
        // Underpowered is worth a warning only when there is a drop it could not judge.
        status: verdict.blocks ? 'fail' : verdict.underpowered && comparison.difference < 0 ? 'warn' : 'pass',
        summary: verdict.explanation,
        baseline: comparison.baselineRate,
        candidate: comparison.candidateRate,
        limit: policy.maxPassRateDrop,
      });
    } else {
      // Totals only (or no shared case): the point estimate is all there is.
      const drop = baseline.metrics.passRate - metrics.passRate;
      checks.push({
        id: 'regression',
        status: drop > policy.maxPassRateDrop + 1e-12 ? 'fail' : 'pass',
        summary: `pass rate ${pct(baseline.metrics.passRate)} → ${pct(metrics.passRate)} (${drop > 0 ? 'down' : 'up'} ${pts(Math.abs(drop))}, limit ${pts(policy.maxPassRateDrop)}); no shared case ids, so noise cannot be told from a real drop`,
        baseline: baseline.metrics.passRate,
        candidate: metrics.passRate,
        limit: policy.maxPassRateDrop,
      });
    }
    checks.push(
      increaseCheck(
        'p95-latency',
        'p95 latency',
        baseline.metrics.p95LatencyMs,
        metrics.latencyMs?.p95,
        policy.maxP95LatencyIncreasePct,
        (value) => `${Math.round(value)} ms`,
        policy.p95LatencyNoiseMs,
      ),
    );
    const basePerCall = baseline.metrics.costPerCallUsd;
    const candidatePerCall = metrics.cost?.perCallUsd;
    if (basePerCall === undefined || candidatePerCall === undefined) {
      checks.push({ id: 'cost', status: 'skipped', summary: 'cost per call: not priced in both runs' });
    } else {
      const gate = costGate({
        baselinePerCall: basePerCall,
        candidatePerCall,
        maxIncreasePct: policy.maxCostIncreasePct,
      });
      const change = gate.increasePct ?? 0;
      checks.push({
        id: 'cost',
        status: gate.ok ? 'pass' : 'fail',
        summary: `cost per 1k requests $${(basePerCall * 1000).toFixed(4)} → $${(candidatePerCall * 1000).toFixed(4)} (${change >= 0 ? '+' : ''}${change.toFixed(1)}%, limit +${policy.maxCostIncreasePct}%)`,
        baseline: basePerCall,
        candidate: candidatePerCall,
        limit: policy.maxCostIncreasePct,
      });
    }
    for (const tag of Object.keys(metrics.slices)) {
      const slicePairs = pairCases(baseline.outcomes, outcomes, tag);
      if (slicePairs.length === 0 || slicePairs.length === pairs.length) continue;
      const sliceComparison = comparePaired(slicePairs, { confidence: policy.confidence });
      const verdict = regressionVerdict(sliceComparison, policy.maxSliceDrop, policy.regressionPolicy);
      checks.push({
        id: `slice:${tag}`,
        status: verdict.blocks
          ? 'fail'
          : verdict.underpowered && sliceComparison.difference < 0
            ? 'warn'
            : 'pass',
        summary: `${tag}: pass rate ${pct(sliceComparison.baselineRate)} → ${pct(sliceComparison.candidateRate)} over ${slicePairs.length} cases (slice limit ${pts(policy.maxSliceDrop)})${verdict.blocks ? '' : verdict.underpowered ? '; too few cases to enforce the limit' : ''}`,
        baseline: sliceComparison.baselineRate,
        candidate: sliceComparison.candidateRate,
        limit: policy.maxSliceDrop,
      });
    }
  }
  return {
    decision: checks.some((check) => check.status === 'fail') ? 'blocked' : 'pass',
    policy,
    checks,
    ...(comparison ? { comparison } : {}),
    underpowered,
    ...(baseline
      ? { baseline: { source: baseline.source, ...(baseline.runId ? { runId: baseline.runId } : {}) } }
      : {}),
  };
}
