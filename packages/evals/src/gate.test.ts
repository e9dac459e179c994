import { describe, expect, it } from 'vitest';
import { baselineFromRun, decideGate, defaultGatePolicy } from './gate.ts';
import { createMetricsAccumulator } from './metrics.ts';
import type { CaseResult, EvalRun } from './types.ts';

/** A seeded generator, so "flaky" is the same flakiness on every run of this test. */
function mulberry32(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function result(caseId: string, status: CaseResult['status'], extra: Partial<CaseResult> = {}): CaseResult {
  return {
    caseId,
    repeat: 0,
    tags: [],
    weight: 1,
    status,
    score: status === 'pass' ? 1 : 0,
    checks:
      status === 'error'
        ? []
        : [
            {
              type: 'contains',
              label: 'contains x',
              pass: status === 'pass',
              score: status === 'pass' ? 1 : 0,
              weight: 1,
              reason: '',
            },
          ],
    latencyMs: 100,
    costUsd: 0.001,
    model: 'openai/gpt-4o-2024-11-20',
    parameters: {},
    cached: false,
    attempts: 1,
    ...extra,
  };
}

/** A run over cases with the given true pass probabilities, sampled once. */
function simulate(
  probabilities: readonly number[],
  random: () => number,
  extra: (index: number) => Partial<CaseResult> = () => ({}),
) {
  const accumulator = createMetricsAccumulator();
  probabilities.forEach((p, index) => {
    accumulator.add(result(`case-${index}`, random() < p ? 'pass' : 'fail', extra(index)));
  });
  const run: EvalRun = {
    id: `run_${Math.floor(random() * 1e9)}`,
    suite: { name: 's', file: 's.yaml', sha256: 'a'.repeat(64), cases: probabilities.length },
    datasets: [],
    model: 'openai/gpt-4o-2024-11-20',
    parameters: {},
    provider: 'test',
    options: { concurrency: 8, repeat: 1, tags: [] },
    startedAt: '2026-11-22T00:00:00.000Z',
    finishedAt: '2026-11-22T00:00:01.000Z',
    durationMs: 1000,
    interrupted: false,
    metrics: accumulator.metrics(),
  };
  return { run, outcomes: accumulator.outcomes() };
}

describe('the gate', () => {
  it('passes at the threshold and blocks under it (seed 001: 0.85)', () => {
    const ok = simulate([...Array(85).fill(1), ...Array(15).fill(0)], mulberry32(1));
    expect(ok.run.metrics.passRate).toBeCloseTo(0.85);
    expect(decideGate(ok.run, ok.outcomes).decision).toBe('pass');
    const low = simulate([...Array(84).fill(1), ...Array(16).fill(0)], mulberry32(1));
    const gate = decideGate(low.run, low.outcomes);
    expect(gate.decision).toBe('blocked');
    expect(gate.checks.find((check) => check.id === 'threshold')?.summary).toBe(
      'pass rate 84.0% (threshold 85.0%)',
    );
  });

  it('blocks on any provider error by default, even when the pass rate is fine', () => {
    const accumulator = createMetricsAccumulator();
    for (let index = 0; index < 99; index++) accumulator.add(result(`c${index}`, 'pass'));
    accumulator.add(result('c99', 'error', { error: 'server: HTTP 500' }));
    const run = { ...simulate([1], mulberry32(2)).run, metrics: accumulator.metrics() };
    const gate = decideGate(run, accumulator.outcomes());
    expect(run.metrics.passRate).toBeCloseTo(0.99);
    expect(gate.decision).toBe('blocked');
    expect(gate.checks.find((check) => check.id === 'errors')?.status).toBe('fail');
  });

  it('blocks a real 10-point drop against a baseline run', () => {
    const random = mulberry32(3);
    const truth = Array.from({ length: 200 }, (_, index) => (index < 190 ? 1 : 0));
    const base = simulate(truth, random);
    // The candidate breaks 20 cases that used to pass: a 10-point drop.
    const candidate = simulate(
      truth.map((p, index) => (index < 20 ? 0 : p)),
      random,
    );
    const gate = decideGate(
      candidate.run,
      candidate.outcomes,
      { ...defaultGatePolicy, threshold: 0 },
      baselineFromRun(base.run, base.outcomes),
    );
    expect(gate.decision).toBe('blocked');
    const regression = gate.checks.find((check) => check.id === 'regression');
    expect(regression?.status).toBe('fail');
    expect(regression?.summary).toMatch(/fell 10\.0 points/);
    expect(gate.comparison?.regressed).toBe(20);
  });

  it('passes an identical rerun of a flaky suite under the paired policy, which the point policy may block', () => {
    // 150 stable cases and 50 flaky ones (p = 0.7): two runs of the same release differ by noise.
    const truth = Array.from({ length: 200 }, (_, index) => (index < 150 ? 1 : 0.7));
    let pointBlocks = 0;
    let pairedBlocks = 0;
    const random = mulberry32(4);
    for (let trial = 0; trial < 40; trial++) {
      const base = simulate(truth, random);
      const rerun = simulate(truth, random);
      const baseline = baselineFromRun(base.run, base.outcomes);
      const policy = { ...defaultGatePolicy, threshold: 0 };
      if (
        decideGate(rerun.run, rerun.outcomes, { ...policy, regressionPolicy: 'point' }, baseline).decision ===
        'blocked'
      )
        pointBlocks++;
      if (decideGate(rerun.run, rerun.outcomes, policy, baseline).decision === 'blocked') pairedBlocks++;
    }
    expect(pairedBlocks).toBeLessThanOrEqual(2);
    expect(pointBlocks).toBeGreaterThan(pairedBlocks);
  });

  it('says when a suite is too small to detect a drop of the limit', () => {
    const base = simulate(Array(20).fill(1), mulberry32(5));
    const same = simulate(Array(20).fill(1), mulberry32(6));
    const gate = decideGate(
      same.run,
      same.outcomes,
      defaultGatePolicy,
      baselineFromRun(base.run, base.outcomes),
    );
    expect(gate.decision).toBe('pass');
    expect(gate.underpowered).toBe(true);
    const regression = gate.checks.find((check) => check.id === 'regression');
    // No drop at all: nothing the suite failed to judge, so no warning — but the summary says so.
    expect(regression?.status).toBe('pass');
    expect(regression?.summary).toMatch(/reliably detects only drops of about/);

    // A drop beyond the limit that this suite cannot call significant: a warning, not a block.
    const dropped = simulate([...Array(18).fill(1), 0, 0], mulberry32(6));
    const small = decideGate(
      dropped.run,
      dropped.outcomes,
      defaultGatePolicy,
      baselineFromRun(base.run, base.outcomes),
    );
    expect(small.decision).toBe('pass');
    expect(small.checks.find((check) => check.id === 'regression')?.status).toBe('warn');
  });

  it('blocks p95 latency +15% and cost +10% over the baseline, and a cost budget', () => {
    const base = simulate(Array(50).fill(1), mulberry32(7));
    const slower = simulate(Array(50).fill(1), mulberry32(8), () => ({ latencyMs: 120, costUsd: 0.00112 }));
    const gate = decideGate(
      slower.run,
      slower.outcomes,
      { ...defaultGatePolicy, costPerCallUsdMax: 0.001, p95LatencyNoiseMs: 0 },
      baselineFromRun(base.run, base.outcomes),
    );
    const status = Object.fromEntries(gate.checks.map((check) => [check.id, check.status]));
    expect(status).toMatchObject({
      'p95-latency': 'fail',
      cost: 'fail',
      'budget:cost': 'fail',
      regression: 'pass',
    });
    expect(gate.checks.find((check) => check.id === 'cost')?.summary).toBe(
      'cost per 1k requests $1.0000 → $1.1200 (+12.0%, limit +10%)',
    );
  });

  it('never blocks a p95 increase inside the noise floor, whatever its percent', () => {
    const base = simulate(Array(50).fill(1), mulberry32(7));
    const slower = simulate(Array(50).fill(1), mulberry32(8), () => ({ latencyMs: 120 }));
    const basePolicy = { ...defaultGatePolicy, p95LatencyNoiseMs: 50 };
    const baseline = baselineFromRun(base.run, base.outcomes);
    const within = decideGate(slower.run, slower.outcomes, basePolicy, baseline);
    const latency = within.checks.find((check) => check.id === 'p95-latency');
    expect(latency?.status).toBe('pass');
    expect(latency?.summary).toMatch(/within the 50 ms noise floor/);
    const strict = decideGate(slower.run, slower.outcomes, { ...basePolicy, p95LatencyNoiseMs: 5 }, baseline);
    expect(strict.checks.find((check) => check.id === 'p95-latency')?.status).toBe('fail');
  });

  it('blocks a slice that drops while the whole suite stays within its limit', () => {
    const tags = (index: number) => ({ tags: index < 40 ? ['locale:fr'] : ['locale:en'] });
    const truth = Array(400).fill(1);
    const base = simulate(truth, mulberry32(9), tags);
    const candidate = simulate(
      truth.map((p, index) => (index < 8 ? 0 : p)),
      mulberry32(10),
      tags,
    );
    const gate = decideGate(
      candidate.run,
      candidate.outcomes,
      defaultGatePolicy,
      baselineFromRun(base.run, base.outcomes),
    );
    expect(gate.checks.find((check) => check.id === 'regression')?.status).not.toBe('fail');
    const slice = gate.checks.find((check) => check.id === 'slice:locale:fr');
    expect(slice?.status).toBe('fail');
    // The English slice did not move, and with 360 cases it could have shown a drop: a pass.
    expect(gate.checks.find((check) => check.id === 'slice:locale:en')?.status).toBe('pass');
    expect(slice?.summary).toMatch(/^locale:fr: pass rate 100\.0% → 80\.0% over 40 cases/);
  });

  it('weighs pass^N like the pass rate, so it never exceeds it', () => {
    const accumulator = createMetricsAccumulator();
    const weights = { heavy: 3, a: 1, b: 1, c: 1 };
    for (const repeat of [0, 1, 2]) {
      accumulator.add(result('heavy', 'fail', { weight: 3, repeat }));
      accumulator.add(result('a', 'pass', { repeat }));
      accumulator.add(result('b', repeat === 2 ? 'fail' : 'pass', { repeat }));
      accumulator.add(result('c', 'fail', { repeat }));
    }
    const metrics = accumulator.metrics();
    expect(Object.keys(weights)).toHaveLength(metrics.cases);
    // (1 + 2/3) / 6 weighted; only "a" passed every time: 1 / 6.
    expect(metrics.passRate).toBeCloseTo(5 / 18);
    expect(metrics.passAllRepeats).toBeCloseTo(1 / 6);
  });
});
