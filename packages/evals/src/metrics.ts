import type { CaseOutcome, CaseResult, LatencySummary, RunMetrics } from './types.ts';

/** Linear-interpolated quantile of sorted values (numpy's default), q in [0, 1]. */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const position = (sorted.length - 1) * q;
  const low = Math.floor(position);
  const high = Math.ceil(position);
  const lowValue = sorted[low] as number;
  return lowValue + ((sorted[high] as number) - lowValue) * (position - low);
}

export function summarizeLatency(values: readonly number[]): LatencySummary | undefined {
  if (values.length === 0) return undefined;
  const sorted = Float64Array.from(values).sort();
  const list = Array.from(sorted);
  return {
    p50: quantile(list, 0.5),
    p95: quantile(list, 0.95),
    p99: quantile(list, 0.99),
    mean: list.reduce((sum, value) => sum + value, 0) / list.length,
    max: list[list.length - 1] as number,
  };
}

interface CaseTally {
  runs: number;
  passes: number;
  errors: number;
  weight: number;
  tags: string[];
}

/** Weighted mean of pass fractions over a set of cases. */
function weightedPassRate(tallies: Iterable<CaseTally>): { cases: number; passRate: number } {
  let weight = 0;
  let passed = 0;
  let cases = 0;
  for (const tally of tallies) {
    cases += 1;
    weight += tally.weight;
    passed += tally.weight * (tally.passes / tally.runs);
  }
  return { cases, passRate: weight === 0 ? 0 : passed / weight };
}

export interface MetricsAccumulator {
  add(result: CaseResult): void;
  metrics(): RunMetrics;
  /** Per case, over its repetitions: what a paired comparison with another run uses. */
  outcomes(): CaseOutcome[];
}

/**
 * Metrics computed as results stream in. It keeps one small tally per case and one number per
 * latency, never the results themselves, so memory grows by bytes per case, not by outputs.
 */
export function createMetricsAccumulator(): MetricsAccumulator {
  const tallies = new Map<string, CaseTally>();
  const latencies: number[] = [];
  let results = 0;
  let passed = 0;
  let failed = 0;
  let errors = 0;
  let checksPassed = 0;
  let checksTotal = 0;
  let cached = 0;
  const tokens = { input: 0, output: 0, cachedInput: 0 };
  let costTotal = 0;
  let costCalls = 0;
  let unpricedCalls = 0;

  return {
    add(result) {
      results += 1;
      let tally = tallies.get(result.caseId);
      if (!tally) {
        tally = { runs: 0, passes: 0, errors: 0, weight: result.weight, tags: result.tags };
        tallies.set(result.caseId, tally);
      }
      tally.runs += 1;
      if (result.status === 'pass') {
        passed += 1;
        tally.passes += 1;
      } else if (result.status === 'fail') failed += 1;
      else {
        errors += 1;
        tally.errors += 1;
      }
      for (const check of result.checks) {
        checksTotal += 1;
        if (check.pass) checksPassed += 1;
      }
      if (result.cached) cached += 1;
      if (result.status !== 'error') {
        if (result.latencyMs !== undefined) latencies.push(result.latencyMs);
        if (result.usage) {
          tokens.input += result.usage.inputTokens;
          tokens.output += result.usage.outputTokens;
          tokens.cachedInput += result.usage.cachedInputTokens;
        }
        if (result.costUsd === undefined) unpricedCalls += 1;
        else {
          costTotal += result.costUsd;
          costCalls += 1;
        }
      }
    },
    metrics() {
      const overall = weightedPassRate(tallies.values());
      const slices: RunMetrics['slices'] = {};
      const tags = new Set<string>();
      for (const tally of tallies.values()) for (const tag of tally.tags) tags.add(tag);
      for (const tag of [...tags].sort()) {
        slices[tag] = weightedPassRate([...tallies.values()].filter((tally) => tally.tags.includes(tag)));
      }
      const repeats = Math.max(0, ...[...tallies.values()].map((tally) => tally.runs));
      // Weighted like the pass rate, so pass^N can never exceed it.
      let allWeight = 0;
      let allRepeats = 0;
      for (const tally of tallies.values()) {
        allWeight += tally.weight;
        if (tally.passes === tally.runs) allRepeats += tally.weight;
      }
      const latencyMs = summarizeLatency(latencies);
      const perCall = costCalls === 0 ? 0 : costTotal / costCalls;
      return {
        cases: tallies.size,
        repeats,
        results,
        passed,
        failed,
        errors,
        passRate: overall.passRate,
        checkPassRate: checksTotal === 0 ? 0 : checksPassed / checksTotal,
        checksPassed,
        checksTotal,
        passAllRepeats: allWeight === 0 ? 0 : allRepeats / allWeight,
        slices,
        ...(latencyMs ? { latencyMs } : {}),
        tokens: { ...tokens },
        ...(costCalls > 0 && unpricedCalls === 0
          ? { cost: { totalUsd: costTotal, perCallUsd: perCall, per1kRequestsUsd: perCall * 1000 } }
          : {}),
        cachedResults: cached,
      };
    },
    outcomes() {
      return [...tallies.entries()].map(([caseId, tally]) => ({
        caseId,
        passFraction: tally.passes / tally.runs,
        weight: tally.weight,
        tags: tally.tags,
        errors: tally.errors,
      }));
    },
  };
}
