import { AirlockError } from '@airlock/core';
import {
  binomialUpperTail,
  compareLatency,
  compareMeans,
  compareProportions,
  type Histogram,
  meanBelow,
  type TestResult,
} from './compare.ts';
import type { ArmMetrics, LatencyHistogram, RolloutMetrics, ScoreSummary } from './metrics.ts';
import { emergencyPolicy, type RolloutPolicy, type RolloutStage } from './policy.ts';

export type CheckStatus = 'pass' | 'breach' | 'inconclusive';

/** One SLO or trigger, judged on the window. */
export interface CheckResult {
  /** The policy key (`error_rate_max`, `eval_groundedness_drift_max`) or `trigger:<name>`. */
  check: string;
  status: CheckStatus;
  /** The canary's value, in the limit's unit. */
  observed?: number;
  limit: number;
  /** The baseline's value, when there is one. */
  baseline?: number;
  /** Canary requests (or scored samples) behind `observed`. */
  samples: number;
  /** The test behind a breach or a comparison with the baseline. */
  test?: TestResult;
  reason: string;
}

export type Decision = 'promote' | 'hold' | 'rollback';

export interface Evaluation {
  decision: Decision;
  /** 1-based, as people count stages. */
  stage: { number: number; trafficPct: number; durationMin?: number };
  /** Where promote goes; null at the last stage (the rollout is complete). */
  next: { number: number; trafficPct: number } | null;
  elapsedMin?: number;
  emergency: boolean;
  autoRollback: boolean;
  checks: CheckResult[];
  /** The lines behind the decision, one per breached or inconclusive check (or why it promotes). */
  reasons: string[];
}

export interface EvaluateInput {
  policy: RolloutPolicy;
  /** 1-based stage number. */
  stage: number;
  metrics: RolloutMetrics;
  /** Seed 004's emergency path: 50% at once, rollback on the first breach (point estimates). */
  emergency?: boolean;
}

const format = (value: number, unit: string) =>
  unit === '%'
    ? `${(value * 100).toFixed(2)}%`
    : unit === '$'
      ? `$${value.toFixed(5)}`
      : `${Math.round(value)} ms`;

/** A p-value for people: two significant digits, or "< 0.0001". */
const pText = (p: number) => (p < 0.0001 ? 'p < 0.0001' : `p = ${p.toPrecision(2)}`);

function asHistogram(histogram: LatencyHistogram): Histogram {
  return { bounds: [...histogram.bounds, Number.POSITIVE_INFINITY], counts: histogram.counts };
}

/** Values above `limit` in a histogram, interpolating inside the bucket that holds it. */
function countAbove(histogram: LatencyHistogram, limit: number): number {
  let above = 0;
  histogram.counts.forEach((count, index) => {
    const lower = index === 0 ? 0 : (histogram.bounds[index - 1] as number);
    const upper = histogram.bounds[index] ?? Number.POSITIVE_INFINITY;
    if (lower >= limit) above += count;
    else if (upper > limit)
      above += Number.isFinite(upper) ? (count * (upper - limit)) / (upper - lower) : count;
  });
  return Math.round(above);
}

interface Judge {
  policy: RolloutPolicy;
  minSamples: number;
  minScored: number;
  emergency: boolean;
}

/**
 * The verdict on a value past its limit: a breach when the test says it is not noise (or at once
 * on the emergency path), else inconclusive — hold and gather more data.
 */
function pastLimit(
  judge: Judge,
  base: Omit<CheckResult, 'status' | 'reason'>,
  what: string,
  test: TestResult,
): CheckResult {
  if (judge.emergency || test.pValue < judge.policy.alpha) {
    const why = judge.emergency ? 'emergency path: first breach' : `${pText(test.pValue)}, ${test.test}`;
    return { ...base, test, status: 'breach', reason: `${what} (${why})` };
  }
  return {
    ...base,
    test,
    status: 'inconclusive',
    reason: `${what}, not yet significant (${pText(test.pValue)}, ${test.test}): more samples needed`,
  };
}

function tooFew(base: Omit<CheckResult, 'status' | 'reason'>, needed: number, what: string): CheckResult {
  return {
    ...base,
    status: 'inconclusive',
    reason: `${what}: ${base.samples} of ${needed} samples needed; no data is not a pass`,
  };
}

/** A rate (errors, negative feedback) against its limit, with the baseline's rate for comparison. */
function rateCheck(
  judge: Judge,
  check: string,
  limit: number,
  canary: { events: number; total: number } | undefined,
  baseline: { events: number; total: number } | undefined,
  label: string,
): CheckResult {
  const samples = canary?.total ?? 0;
  const base = { check, limit, samples };
  if (canary === undefined || samples === 0) return tooFew(base, judge.minSamples, label);
  const observed = canary.events / canary.total;
  if (samples < judge.minSamples) {
    // Too few to pass, but not too few to fail: 25 errors in 50 requests is not noise.
    const pValue = binomialUpperTail(canary.events, canary.total, limit);
    if (observed > limit && pValue < judge.policy.alpha) {
      const test = { test: 'exact binomial against the limit (one-sided)', pValue, effect: observed - limit };
      return {
        ...base,
        observed,
        test,
        status: 'breach',
        reason: `${label} ${format(observed, '%')} (${canary.events}/${canary.total}) > ${format(limit, '%')} (${pText(pValue)} on only ${samples} samples)`,
      };
    }
    return { ...tooFew(base, judge.minSamples, label), observed };
  }
  const comparison =
    baseline !== undefined && baseline.total > 0 ? compareProportions(canary, baseline) : undefined;
  const withBaseline = {
    ...base,
    observed,
    ...(baseline !== undefined && baseline.total > 0 ? { baseline: baseline.events / baseline.total } : {}),
    ...(comparison === undefined ? {} : { test: comparison }),
  };
  const what = `${label} ${format(observed, '%')} (${canary.events}/${canary.total}) > ${format(limit, '%')}`;
  if (observed <= limit) {
    return {
      ...withBaseline,
      status: 'pass',
      reason: `${label} ${format(observed, '%')} ≤ ${format(limit, '%')}`,
    };
  }
  const test: TestResult = {
    test: 'exact binomial against the limit (one-sided)',
    pValue: binomialUpperTail(canary.events, canary.total, limit),
    effect: observed - limit,
  };
  return pastLimit(judge, withBaseline, what, test);
}

/** A latency quantile against its limit; the Mann–Whitney comparison with the baseline is reported. */
function latencyCheck(
  judge: Judge,
  check: string,
  quantile: 0.5 | 0.95 | 0.99,
  limit: number,
  canary: ArmMetrics,
  baseline: ArmMetrics | null,
): CheckResult {
  const label = `p${Math.round(quantile * 100)} latency`;
  const samples = canary.latencyMs === undefined ? 0 : canary.requests;
  const base = { check, limit, samples };
  if (canary.latencyMs === undefined || samples < judge.minSamples)
    return tooFew(base, judge.minSamples, label);
  const key = quantile === 0.5 ? 'p50' : quantile === 0.95 ? 'p95' : 'p99';
  const observed = canary.latencyMs[key];
  const comparison =
    baseline?.latencyMs === undefined
      ? undefined
      : compareLatency(asHistogram(canary.latencyMs.histogram), asHistogram(baseline.latencyMs.histogram));
  const withBaseline = {
    ...base,
    observed,
    ...(baseline?.latencyMs === undefined ? {} : { baseline: baseline.latencyMs[key] }),
    ...(comparison === undefined ? {} : { test: comparison }),
  };
  if (observed <= limit) {
    return {
      ...withBaseline,
      status: 'pass',
      reason: `${label} ${format(observed, 'ms')} ≤ ${format(limit, 'ms')}`,
    };
  }
  // If the true quantile were at the limit, at most (1 − q) of requests would be slower than it.
  const above = countAbove(canary.latencyMs.histogram, limit);
  const test: TestResult = {
    test: `exact binomial on requests slower than the limit (at most ${Math.round((1 - quantile) * 100)}% allowed; one-sided)`,
    pValue: binomialUpperTail(above, samples, 1 - quantile),
    effect: observed - limit,
  };
  return pastLimit(judge, withBaseline, `${label} ${format(observed, 'ms')} > ${format(limit, 'ms')}`, test);
}

/** Drop of a score against the baseline (`eval_<score>_drift_max`), Welch's t-test on the means. */
function driftCheck(
  judge: Judge,
  check: string,
  limit: number,
  canary: ScoreSummary | undefined,
  baseline: ScoreSummary | undefined,
  label: string,
): CheckResult {
  const samples = canary?.n ?? 0;
  const base = { check, limit, samples };
  if (canary === undefined || samples < judge.minScored)
    return tooFew(base, judge.minScored, `${label} scores`);
  if (baseline === undefined || baseline.n < judge.minScored) {
    return {
      ...base,
      observed: canary.mean,
      status: 'inconclusive',
      reason: `${label}: the baseline has ${baseline?.n ?? 0} of ${judge.minScored} scored samples needed to compare against`,
    };
  }
  const drop = baseline.mean - canary.mean;
  // `observed` is the drop itself; both means are in the reason.
  const withBaseline = { ...base, observed: drop };
  if (drop <= limit) {
    return {
      ...withBaseline,
      status: 'pass',
      reason: `${label} drift ${drop.toFixed(3)} (${canary.mean.toFixed(3)} vs ${baseline.mean.toFixed(3)}) ≤ ${limit}`,
    };
  }
  const welch = compareMeans(canary, baseline);
  // The question is whether the drop exceeds the limit, not whether there is any drop.
  const test = compareMeans(canary, { ...baseline, mean: baseline.mean - limit });
  return pastLimit(
    judge,
    { ...withBaseline, test: { ...test, effect: welch.effect } },
    `${label} dropped ${drop.toFixed(3)} (${canary.mean.toFixed(3)} vs baseline ${baseline.mean.toFixed(3)}) > ${limit}`,
    test,
  );
}

/** A score's mean against an absolute floor (`eval_<score>_min`, seed 000's faithfulness trigger). */
function floorCheck(
  judge: Judge,
  check: string,
  limit: number,
  canary: ScoreSummary | undefined,
  label: string,
): CheckResult {
  const samples = canary?.n ?? 0;
  const base = { check, limit, samples };
  if (canary === undefined || samples < judge.minScored)
    return tooFew(base, judge.minScored, `${label} scores`);
  const withObserved = { ...base, observed: canary.mean };
  if (canary.mean >= limit) {
    return { ...withObserved, status: 'pass', reason: `${label} ${canary.mean.toFixed(3)} ≥ ${limit}` };
  }
  return pastLimit(
    judge,
    withObserved,
    `${label} ${canary.mean.toFixed(3)} < ${limit}`,
    meanBelow(canary, limit),
  );
}

/** Per-locale drops of the fairness score against the same locale in the baseline; the worst one counts. */
function fairnessChecks(
  judge: Judge,
  limit: number,
  canary: ArmMetrics,
  baseline: ArmMetrics | null,
): CheckResult[] {
  const score = judge.policy.fairness_score;
  const locales = Object.keys(canary.slices).filter((tag) => tag.startsWith('locale:'));
  if (locales.length === 0) {
    return [
      {
        check: 'fairness_locale_delta_max',
        limit,
        samples: 0,
        status: 'inconclusive',
        reason: `fairness: no locale:* slices with ${score} scores in the window`,
      },
    ];
  }
  return locales
    .sort()
    .map((locale) =>
      driftCheck(
        judge,
        `fairness_locale_delta_max[${locale}]`,
        limit,
        canary.slices[locale]?.scores[score],
        baseline?.slices[locale]?.scores[score],
        `${score} in ${locale}`,
      ),
    );
}

/** Seed 003: the canary's minute means of `confidence` too far below the baseline for N minutes in a row. */
function confidenceTrigger(
  judge: Judge,
  canary: ArmMetrics,
  baseline: ArmMetrics | null,
): CheckResult | undefined {
  const { confidence_sigma: sigma, confidence_minutes: minutes } = judge.policy.triggers;
  const reference = baseline?.scores.confidence;
  if (canary.confidenceByMinute.length === 0 || reference === undefined || reference.n < 2) return undefined;
  let run = 0;
  let longest = 0;
  for (const minute of canary.confidenceByMinute) {
    const standardError = reference.sd / Math.sqrt(Math.max(1, minute.n));
    const low = minute.n > 0 && (minute.mean - reference.mean) / (standardError || Number.EPSILON) < -sigma;
    run = low ? run + 1 : 0;
    longest = Math.max(longest, run);
  }
  const base = {
    check: 'trigger:confidence',
    limit: minutes,
    samples: canary.confidenceByMinute.length,
    observed: longest,
    baseline: reference.mean,
  };
  return longest >= minutes
    ? {
        ...base,
        status: 'breach',
        reason: `mean confidence more than ${sigma}σ below the baseline (${reference.mean.toFixed(3)}) for ${longest} consecutive minutes (limit ${minutes})`,
      }
    : {
        ...base,
        status: 'pass',
        reason: `confidence below the baseline by ${sigma}σ for at most ${longest} consecutive minute(s) (limit ${minutes})`,
      };
}

/** The built-in triggers (seed 000, seed 003), applied when the window has their data. */
function triggerChecks(judge: Judge, canary: ArmMetrics, baseline: ArmMetrics | null): CheckResult[] {
  const triggers = judge.policy.triggers;
  const checks: CheckResult[] = [];
  if (canary.requests > 0) {
    checks.push(
      rateCheck(
        judge,
        'trigger:error_rate',
        triggers.error_rate_max,
        { events: canary.errors, total: canary.requests },
        baseline === null ? undefined : { events: baseline.errors, total: baseline.requests },
        'error rate',
      ),
    );
  }
  if (canary.latencyMs !== undefined) {
    checks.push(
      latencyCheck(judge, 'trigger:p99_latency', 0.99, triggers.p99_latency_ms_max, canary, baseline),
    );
  }
  if (canary.scores.faithfulness !== undefined) {
    checks.push(
      floorCheck(
        judge,
        'trigger:faithfulness',
        triggers.faithfulness_min,
        canary.scores.faithfulness,
        'faithfulness',
      ),
    );
  }
  if (canary.smoke !== undefined) {
    const failures = canary.smoke.consecutiveFailures;
    const limit = triggers.smoke_consecutive_failures_max;
    checks.push({
      check: 'trigger:smoke',
      limit,
      samples: canary.smoke.runs,
      observed: failures,
      status: failures > limit ? 'breach' : 'pass',
      reason:
        failures > limit
          ? `${failures} consecutive failed smoke tests (more than ${limit})`
          : `${failures} consecutive failed smoke test(s) (limit ${limit})`,
    });
  }
  const confidence = confidenceTrigger(judge, canary, baseline);
  if (confidence !== undefined) checks.push(confidence);
  return checks;
}

function sloChecks(
  judge: Judge,
  stage: RolloutStage,
  canary: ArmMetrics,
  baseline: ArmMetrics | null,
): CheckResult[] {
  const checks: CheckResult[] = [];
  for (const [key, limit] of Object.entries(stage.slos ?? {})) {
    const latency = /^p(50|95|99)_latency_ms_max$/.exec(key);
    const score = /^eval_([a-z][a-z0-9_]*?)_(drift_max|min)$/.exec(key);
    if (latency) {
      checks.push(
        latencyCheck(judge, key, (Number(latency[1]) / 100) as 0.5 | 0.95 | 0.99, limit, canary, baseline),
      );
    } else if (key === 'error_rate_max') {
      const baseRate = baseline === null ? undefined : { events: baseline.errors, total: baseline.requests };
      checks.push(
        rateCheck(
          judge,
          key,
          limit,
          { events: canary.errors, total: canary.requests },
          baseRate,
          'error rate',
        ),
      );
    } else if (key === 'feedback_negative_rate_max') {
      const toRate = (arm: ArmMetrics | null) =>
        arm?.feedback === undefined
          ? undefined
          : { events: arm.feedback.negative, total: arm.feedback.total };
      checks.push(rateCheck(judge, key, limit, toRate(canary), toRate(baseline), 'negative feedback'));
    } else if (key === 'cost_per_call_usd_max') {
      const calls = canary.cost?.calls ?? 0;
      const base = { check: key, limit, samples: calls };
      if (canary.cost === undefined || calls < judge.minSamples) {
        checks.push(tooFew(base, judge.minSamples, 'cost per call'));
        continue;
      }
      // Cost per call is the token count times a price: its noise is small, the point estimate decides.
      const observed = canary.cost.totalUsd / calls;
      const baseCost =
        baseline?.cost && baseline.cost.calls > 0 ? baseline.cost.totalUsd / baseline.cost.calls : undefined;
      checks.push({
        ...base,
        observed,
        ...(baseCost === undefined ? {} : { baseline: baseCost }),
        status: observed > limit ? 'breach' : 'pass',
        reason: `cost per call ${format(observed, '$')} ${observed > limit ? '>' : '≤'} ${format(limit, '$')}`,
      });
    } else if (key === 'fairness_locale_delta_max') {
      checks.push(...fairnessChecks(judge, limit, canary, baseline));
    } else if (score) {
      const name = score[1] as string;
      checks.push(
        score[2] === 'drift_max'
          ? driftCheck(judge, key, limit, canary.scores[name], baseline?.scores[name], name)
          : floorCheck(judge, key, limit, canary.scores[name], name),
      );
    } else {
      throw new AirlockError('INVALID_INPUT', `unknown SLO ${key}`);
    }
  }
  return checks;
}

/**
 * Decides a stage: `rollback` when any SLO or built-in trigger is breached (with evidence, or at
 * once on the emergency path), else `hold` while anything is inconclusive (too few samples, no
 * data, a breach not yet significant) or the minimum duration has not passed, else `promote`.
 * No data is never a pass.
 */
export function evaluate(input: EvaluateInput): Evaluation {
  const emergency = input.emergency === true;
  const policy = emergency ? emergencyPolicy(input.policy) : input.policy;
  const stage = policy.canary_stages[input.stage - 1];
  if (!Number.isInteger(input.stage) || stage === undefined) {
    throw new AirlockError(
      'INVALID_INPUT',
      `stage ${input.stage} does not exist: the ${emergency ? 'emergency ' : ''}policy has stages 1 to ${policy.canary_stages.length}`,
    );
  }
  const minSamples = stage.min_samples ?? policy.min_samples;
  const judge: Judge = { policy, minSamples, minScored: Math.min(30, minSamples), emergency };
  const { canary, baseline } = input.metrics;
  const checks = [...sloChecks(judge, stage, canary, baseline), ...triggerChecks(judge, canary, baseline)];

  const windowEnd = Date.parse(input.metrics.window.to);
  const started =
    input.metrics.stageStartedAt === undefined ? undefined : Date.parse(input.metrics.stageStartedAt);
  const elapsedMin = started === undefined ? undefined : (windowEnd - started) / 60_000;
  const nextStage = policy.canary_stages[input.stage];
  const next =
    nextStage === undefined ? null : { number: input.stage + 1, trafficPct: nextStage.traffic_pct };

  const breaches = checks.filter((check) => check.status === 'breach');
  const open = checks.filter((check) => check.status === 'inconclusive');
  let decision: Decision;
  let reasons: string[];
  if (breaches.length > 0) {
    decision = 'rollback';
    reasons = breaches.map((check) => `${check.check}: ${check.reason}`);
  } else if (canary.requests === 0) {
    decision = 'hold';
    reasons = ['no canary requests in the window: inconclusive, never a pass'];
  } else if (
    open.length > 0 ||
    (stage.duration_min !== undefined && (elapsedMin === undefined || elapsedMin < stage.duration_min))
  ) {
    decision = 'hold';
    // Every reason to wait, so nobody fixes one and is surprised by the next.
    const waiting =
      stage.duration_min === undefined || (elapsedMin !== undefined && elapsedMin >= stage.duration_min)
        ? []
        : [
            elapsedMin === undefined
              ? `minimum duration ${stage.duration_min} min: the stage's start is unknown (stageStartedAt)`
              : `minimum duration not reached: ${Math.max(0, Math.floor(elapsedMin))} of ${stage.duration_min} min`,
          ];
    reasons = [...open.map((check) => `${check.check}: ${check.reason}`), ...waiting];
  } else {
    decision = 'promote';
    reasons = [
      next === null
        ? `every check passed at ${stage.traffic_pct}%: the rollout is complete`
        : `every check passed for ${stage.duration_min ?? 0} min at ${stage.traffic_pct}%: go to ${next.trafficPct}%`,
    ];
  }
  return {
    decision,
    stage: {
      number: input.stage,
      trafficPct: stage.traffic_pct,
      ...(stage.duration_min === undefined ? {} : { durationMin: stage.duration_min }),
    },
    next,
    ...(elapsedMin === undefined ? {} : { elapsedMin }),
    emergency,
    autoRollback: policy.auto_rollback,
    checks,
    reasons,
  };
}
