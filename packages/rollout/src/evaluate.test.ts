import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { aggregatePredictions } from './aggregate.ts';
import { evaluate } from './evaluate.ts';
import type { RolloutMetrics } from './metrics.ts';
import { loadRolloutPolicy, rolloutPolicySchema } from './policy.ts';
import type { Prediction } from './predictions.ts';

const policy = loadRolloutPolicy(join(import.meta.dirname, '../test/fixtures/policy-search-v1.yaml'));
const start = Date.parse('2026-11-22T10:00:00Z');

/** A small seeded generator (mulberry32), so every fixture is the same on every run. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Traffic {
  release: string;
  requests: number;
  errorRate: number;
  /** Median latency (ms); latencies are log-normal around it. */
  latencyMs: number;
  groundedness: number;
  faithfulness?: number;
  cost: number;
  negativeRate: number;
  /** Groundedness lost in locale:fr only. */
  frPenalty?: number;
  /** Confidence per minute offset from the start. */
  confidence?: (minute: number) => number;
  smokeFailures?: number;
}

const healthy = (release: string, requests = 4000): Traffic => ({
  release,
  requests,
  errorRate: 0.002,
  latencyMs: 900,
  groundedness: 0.9,
  cost: 0.006,
  negativeRate: 0.02,
  confidence: () => 0.8,
});

function predictions(traffic: Traffic, seed: number): Prediction[] {
  const next = random(seed);
  const gaussian = () => Math.sqrt(-2 * Math.log(next() || 1e-12)) * Math.cos(2 * Math.PI * next());
  const out: Prediction[] = [];
  for (let i = 0; i < traffic.requests; i++) {
    const at = new Date(start + (i / traffic.requests) * 40 * 60_000);
    const locale = i % 2 === 0 ? 'locale:en' : 'locale:fr';
    const minute = Math.floor((at.getTime() - start) / 60_000);
    const penalty = locale === 'locale:fr' ? (traffic.frPenalty ?? 0) : 0;
    const clamp = (value: number) => Math.min(1, Math.max(0, value));
    out.push({
      feature: 'search',
      release: traffic.release,
      model: 'openai/gpt-4o-2024-11-20',
      requestId: `${traffic.release}-${i}`,
      at: at.toISOString(),
      latencyMs: traffic.latencyMs * Math.exp(0.5 * gaussian()),
      status: next() < traffic.errorRate ? 'error' : 'ok',
      costUsd: traffic.cost * (0.9 + 0.2 * next()),
      scores: {
        groundedness: clamp(traffic.groundedness - penalty + 0.05 * gaussian()),
        ...(traffic.faithfulness === undefined
          ? {}
          : { faithfulness: clamp(traffic.faithfulness + 0.05 * gaussian()) }),
        ...(traffic.confidence ? { confidence: clamp(traffic.confidence(minute) + 0.05 * gaussian()) } : {}),
      },
      ...(i % 10 === 0 ? { feedback: next() < traffic.negativeRate ? 'negative' : 'positive' } : {}),
      tags: [locale],
      kind: 'live',
    });
  }
  for (let run = 0; run < (traffic.smokeFailures ?? 0); run++) {
    out.push({
      feature: 'search',
      release: traffic.release,
      model: 'openai/gpt-4o-2024-11-20',
      requestId: `${traffic.release}-smoke-${run}`,
      at: new Date(start + 41 * 60_000 + run).toISOString(),
      latencyMs: 100,
      status: 'error',
      scores: {},
      tags: [],
      kind: 'smoke',
    });
  }
  return out.sort((a, b) => a.at.localeCompare(b.at));
}

function window(
  canary: Partial<Traffic>,
  options: { minutes?: number; baseline?: Partial<Traffic> } = {},
): RolloutMetrics {
  const all = [
    ...predictions({ ...healthy('v2'), ...canary }, 1),
    ...predictions({ ...healthy('v1', 8000), ...options.baseline }, 2),
  ].sort((a, b) => a.at.localeCompare(b.at));
  return aggregatePredictions(all, {
    feature: 'search',
    release: 'v2',
    from: new Date(start),
    to: new Date(start + (options.minutes ?? 45) * 60_000),
    stageStartedAt: new Date(start),
  });
}

describe('evaluate on seed 004 policy', () => {
  it('loads the seed file as written, with the built-in triggers on', () => {
    expect(policy.canary_stages.map((stage) => stage.traffic_pct)).toEqual([1, 10, 50, 100]);
    expect(policy.on_rollback_notify).toEqual([
      { slack: '#ai-platform-incidents' },
      { pager: 'ai-feature-on-call' },
    ]);
    expect(policy.triggers).toMatchObject({
      error_rate_max: 0.01,
      p99_latency_ms_max: 5000,
      smoke_consecutive_failures_max: 3,
    });
  });

  it('promotes healthy metrics past the minimum duration, and holds before it', () => {
    const result = evaluate({ policy, stage: 1, metrics: window({}) });
    expect(result.checks.filter((check) => check.status !== 'pass')).toEqual([]);
    expect(result.decision).toBe('promote');
    expect(result.next).toEqual({ number: 2, trafficPct: 10 });
    const early = evaluate({
      policy,
      stage: 1,
      metrics: {
        ...window({}),
        window: { from: new Date(start).toISOString(), to: new Date(start + 20 * 60_000).toISOString() },
      },
    });
    expect(early.decision).toBe('hold');
    expect(early.reasons).toEqual(['minimum duration not reached: 20 of 30 min']);
  });

  it('an empty window holds: no data is inconclusive, never a pass', () => {
    const empty = aggregatePredictions([], {
      feature: 'search',
      release: 'v2',
      from: new Date(start),
      to: new Date(start + 45 * 60_000),
      stageStartedAt: new Date(start),
    });
    const result = evaluate({ policy, stage: 1, metrics: empty });
    expect(result.decision).toBe('hold');
    expect(result.checks.every((check) => check.status === 'inconclusive')).toBe(true);
    expect(result.reasons).toEqual(['no canary requests in the window: inconclusive, never a pass']);
    const few = evaluate({ policy, stage: 1, metrics: window({ requests: 50 }) });
    expect(few.decision).toBe('hold');
    expect(few.reasons).toContain(
      'error_rate_max: error rate: 50 of 200 samples needed; no data is not a pass',
    );
  });

  const breaches: [string, Partial<Traffic>, number, string, RegExp][] = [
    ['error rate', { errorRate: 0.06 }, 1, 'error_rate_max', /error rate \d+\.\d+% \(\d+\/4000\) > 1\.00%/],
    ['p95 latency', { latencyMs: 3000 }, 1, 'p95_latency_ms_max', /p95 latency \d+ ms > 4500 ms/],
    [
      'groundedness drift',
      { groundedness: 0.82 },
      1,
      'eval_groundedness_drift_max',
      /groundedness dropped 0\.0[78]\d/,
    ],
    ['cost per call', { cost: 0.02 }, 1, 'cost_per_call_usd_max', /cost per call \$0\.0[12]\d+ > \$0\.01400/],
    [
      'negative feedback',
      { negativeRate: 0.3 },
      1,
      'feedback_negative_rate_max',
      /negative feedback \d+\.\d+% .* > 5\.00%/,
    ],
    [
      'fairness (locale:fr)',
      { frPenalty: 0.1 },
      2,
      'fairness_locale_delta_max[locale:fr]',
      /groundedness in locale:fr dropped 0\.\d+/,
    ],
  ];
  for (const [name, canary, stage, check, reason] of breaches) {
    it(`rolls back on ${name}, with that reason`, () => {
      const result = evaluate({ policy, stage, metrics: window(canary) });
      expect(result.decision).toBe('rollback');
      const breached = result.checks.filter((entry) => entry.status === 'breach').map((entry) => entry.check);
      expect(breached).toContain(check);
      expect(result.reasons.find((line) => line.startsWith(`${check}:`))).toMatch(reason);
    });
  }

  const triggers: [string, Partial<Traffic>, string, RegExp][] = [
    ['p99 over 5 s (seed 000)', { latencyMs: 2200 }, 'trigger:p99_latency', /p99 latency \d+ ms > 5000 ms/],
    [
      'faithfulness below threshold (seed 000)',
      { faithfulness: 0.7 },
      'trigger:faithfulness',
      /faithfulness 0\.[67]\d+ < 0\.85 \(p < 0\.0001, one-sample t/,
    ],
    [
      'more than 3 failed smoke tests in a row (seed 000)',
      { smokeFailures: 4 },
      'trigger:smoke',
      /4 consecutive failed smoke tests \(more than 3\)/,
    ],
    [
      'confidence 2σ below the baseline for 5 minutes (seed 003)',
      { confidence: (minute) => (minute >= 10 && minute < 16 ? 0.6 : 0.8) },
      'trigger:confidence',
      /for 6 consecutive minutes \(limit 5\)/,
    ],
  ];
  for (const [name, canary, check, reason] of triggers) {
    it(`rolls back on the built-in trigger: ${name}`, () => {
      const result = evaluate({ policy, stage: 3, metrics: window(canary) });
      expect(result.decision).toBe('rollback');
      expect(result.reasons.find((line) => line.startsWith(`${check}:`))).toMatch(reason);
    });
  }

  it('a short confidence dip does not trigger', () => {
    const result = evaluate({
      policy,
      stage: 3,
      metrics: window({ confidence: (minute) => (minute === 10 ? 0.6 : 0.8) }),
    });
    expect(result.checks.find((check) => check.check === 'trigger:confidence')?.status).toBe('pass');
  });

  it('a rate just above the limit on little data holds instead of rolling back; the emergency path rolls back', () => {
    // 9 errors in 600 (1.5%) against 1%: P(X ≥ 9 | n = 600, p = 0.01) ≈ 0.15, not evidence yet.
    const base = window({ errorRate: 0, requests: 600 });
    const metrics = { ...base, canary: { ...base.canary, errors: 9 } };
    const result = evaluate({ policy, stage: 1, metrics });
    const check = result.checks.find((entry) => entry.check === 'error_rate_max');
    expect(check?.status).toBe('inconclusive');
    expect(result.decision).toBe('hold');
    const emergency = evaluate({ policy, stage: 1, metrics, emergency: true });
    expect(emergency.decision).toBe('rollback');
    expect(emergency.stage.trafficPct).toBe(50);
  });

  it('too few samples never passes, but a disastrous canary on few samples still rolls back', () => {
    const base = window({ errorRate: 0, requests: 50 });
    const disastrous = { ...base, canary: { ...base.canary, errors: 25 } };
    const result = evaluate({ policy, stage: 1, metrics: disastrous });
    expect(result.decision).toBe('rollback');
    expect(result.reasons.find((line) => line.startsWith('trigger:error_rate:'))).toMatch(
      /error rate 50\.00% \(25\/50\) > 1\.00% \(p < 0\.0001 on only 50 samples\)/,
    );
    // One error in 50 is 2% but proves nothing yet: hold, and say the minimum time too.
    const early = {
      ...base,
      canary: { ...base.canary, errors: 1 },
      window: { ...base.window, to: new Date(start + 10 * 60_000).toISOString() },
    };
    const held = evaluate({ policy, stage: 1, metrics: early });
    expect(held.decision).toBe('hold');
    expect(held.reasons).toContain('minimum duration not reached: 10 of 30 min');
    expect(held.checks.find((check) => check.check === 'error_rate_max')?.observed).toBe(0.02);
  });

  it('reports the test behind each comparison with the baseline', () => {
    const result = evaluate({ policy, stage: 1, metrics: window({ errorRate: 0.05 }) });
    const check = result.checks.find((entry) => entry.check === 'error_rate_max');
    expect(check?.test?.test).toMatch(/binomial/);
    expect(check?.baseline).toBeLessThan(0.01);
    const latency = evaluate({ policy, stage: 1, metrics: window({}) }).checks.find(
      (entry) => entry.check === 'p95_latency_ms_max',
    );
    expect(latency?.test?.test).toMatch(/Mann-Whitney/);
  });
});

describe('policy files', () => {
  it('refuses unknown SLOs, stages that do not ramp up, and a rollout that never reaches 100%', () => {
    const result = rolloutPolicySchema.safeParse({
      canary_stages: [{ traffic_pct: 10, slos: { p95_latency: 3 } }, { traffic_pct: 5 }],
    });
    expect(result.success).toBe(false);
    const messages = result.error?.issues.map((issue) => issue.message) ?? [];
    expect(messages).toContain(
      'unknown SLO "p95_latency" (expected one of: p50_latency_ms_max, p95_latency_ms_max, p99_latency_ms_max, error_rate_max, cost_per_call_usd_max, feedback_negative_rate_max, fairness_locale_delta_max, eval_<score>_drift_max, eval_<score>_min)',
    );
    expect(messages).toContain('stages must ramp up: 5% after 10%');
    expect(messages).toContain(
      'the last stage must be 100 (a rollout that never reaches everyone never ends)',
    );
  });
});
