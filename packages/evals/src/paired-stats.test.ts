import { describe, expect, it } from 'vitest';
import {
  comparePaired,
  normalCdf,
  normalQuantile,
  type PairedCase,
  type PairedComparison,
  regressionVerdict,
} from './paired-stats.ts';

/** `count` cases going from `baseline` to `candidate` (fractions), weight 1. */
function cases(
  ...groups: [count: number, baseline: number, candidate: number, weight?: number][]
): PairedCase[] {
  const out: PairedCase[] = [];
  for (const [count, baseline, candidate, weight = 1] of groups) {
    for (let i = 0; i < count; i++) out.push({ caseId: `case-${out.length}`, baseline, candidate, weight });
  }
  return out;
}

function expectFinite(comparison: PairedComparison): void {
  for (const value of [
    comparison.baselineRate,
    comparison.candidateRate,
    comparison.difference,
    comparison.standardError,
    comparison.pValue,
    comparison.minimumDetectableDrop,
    ...comparison.interval,
  ]) {
    expect(Number.isFinite(value)).toBe(true);
  }
}

describe('normal helpers', () => {
  it('matches tabulated quantiles and round-trips', () => {
    expect(normalQuantile(0.975)).toBeCloseTo(1.959964, 5);
    expect(normalQuantile(0.95)).toBeCloseTo(1.644854, 5);
    expect(normalQuantile(0.8)).toBeCloseTo(0.841621, 5);
    expect(normalQuantile(0.001)).toBeCloseTo(-3.090232, 5);
    for (const p of [0.01, 0.2, 0.5, 0.9, 0.999]) expect(normalCdf(normalQuantile(p))).toBeCloseTo(p, 6);
  });
});

describe('comparePaired', () => {
  it('reproduces a hand-computed McNemar example', () => {
    // 10 cases: 3 regressed (1 → 0), 1 improved (0 → 1), 5 passed twice, 1 failed twice.
    //   baseline passes 3 + 5 = 8 → 0.8; candidate passes 1 + 5 = 6 → 0.6; difference -0.2.
    //   Discordant pairs: b = 3 regressed, c = 1 improved, k = 4.
    //   Standard error (McNemar, Wald): sqrt((b + c) - (b - c)² / n) / n = sqrt(4 - 0.4) / 10 = 0.189737.
    //   Exact one-sided p: P(X ≥ 3), X ~ Binomial(4, 1/2) = (C(4,3) + C(4,4)) / 2⁴ = 5 / 16 = 0.3125.
    const comparison = comparePaired(cases([3, 1, 0], [1, 0, 1], [5, 1, 1], [1, 0, 0]));
    expect(comparison.pairs).toBe(10);
    expect(comparison.baselineRate).toBeCloseTo(0.8, 12);
    expect(comparison.candidateRate).toBeCloseTo(0.6, 12);
    expect(comparison.difference).toBeCloseTo(-0.2, 12);
    expect(comparison.standardError).toBeCloseTo(Math.sqrt(3.6) / 10, 10);
    expect(comparison.pValue).toBeCloseTo(5 / 16, 12);
    expect([comparison.regressed, comparison.improved, comparison.unchanged]).toEqual([3, 1, 6]);
    expect(comparison.method).toContain('exact McNemar');
    // p > 0.025, so the two-sided 95% interval contains 0; it brackets the estimate.
    const [low, high] = comparison.interval;
    expect(low).toBeLessThan(-0.2);
    expect(high).toBeGreaterThan(0);
    expect(low).toBeGreaterThan(-1);
  });

  it('hand-computed: identical runs give a Wilson-like interval, p = 1 and no NaN', () => {
    // No discordant pairs. Tango's restricted fit for a true difference delta > 0 puts all of it on
    // improvements (q = 0), so V(delta) = delta(1 - delta) / n and the score equation
    // delta² n = z² delta (1 - delta) gives delta = z² / (n + z²) = 3.841459 / 13.841459 = 0.277533 (n = 10).
    const comparison = comparePaired(cases([7, 1, 1], [3, 0, 0]));
    expectFinite(comparison);
    expect(comparison.difference).toBe(0);
    expect(comparison.pValue).toBe(1);
    const z = 1.959964;
    expect(comparison.interval[0]).toBeCloseTo(-(z * z) / (10 + z * z), 5);
    expect(comparison.interval[1]).toBeCloseTo((z * z) / (10 + z * z), 5);
    expect(comparison.interval[1] - comparison.interval[0]).toBeGreaterThan(0);
    for (const policy of ['point', 'significant'] as const) {
      expect(regressionVerdict(comparison, 0.02, policy).blocks).toBe(false);
      expect(regressionVerdict(comparison, 0, policy).blocks).toBe(false);
    }
  });

  it('does not produce NaN for an empty comparison or a total collapse', () => {
    const empty = comparePaired([]);
    expectFinite(empty);
    expect(empty.pValue).toBe(1);
    expect(regressionVerdict(empty, 0.02, 'point').blocks).toBe(false);

    // Every one of 10 cases went 1 → 0: one-sided exact p = 2⁻¹⁰.
    const collapse = comparePaired(cases([10, 1, 0]));
    expectFinite(collapse);
    expect(collapse.difference).toBe(-1);
    expect(collapse.pValue).toBeCloseTo(2 ** -10, 15);
    expect(collapse.interval[0]).toBe(-1);
    // Upper bound: Tango's restricted fit at delta = -0.445 is 72% regressions and 28% improvements,
    // under which 10 regressions out of 10 has probability 0.7225¹⁰ ≈ 0.04.
    expect(collapse.interval[1]).toBeCloseTo(-0.445, 2);
    expect(regressionVerdict(collapse, 0.02, 'significant').blocks).toBe(true);
  });

  it('gives a p-value above 1/2 for an improvement', () => {
    const comparison = comparePaired(cases([1, 1, 0], [5, 0, 1], [14, 1, 1]));
    expect(comparison.difference).toBeCloseTo(0.2, 12);
    // 1 regressed of 6 discordant: P(X ≥ 1), X ~ Binomial(6, 1/2) = 1 - 1/64.
    expect(comparison.pValue).toBeCloseTo(63 / 64, 12);
    expect(regressionVerdict(comparison, 0.02, 'point').blocks).toBe(false);
  });

  it('respects weights', () => {
    // A (weight 3) 1 → 0, B (weight 1) 0 → 1: difference (3·(-1) + 1·1) / 4 = -0.5, baseline 3/4,
    // candidate 1/4. Sign-flip test: S = -3 + 1 = -2 out of {±3 ± 1} = {4, 2, -2, -4}: P(S* ≤ -2) = 1/2.
    const weighted = comparePaired([
      { caseId: 'a', baseline: 1, candidate: 0, weight: 3 },
      { caseId: 'b', baseline: 0, candidate: 1, weight: 1 },
    ]);
    expect(weighted.baselineRate).toBeCloseTo(0.75, 12);
    expect(weighted.candidateRate).toBeCloseTo(0.25, 12);
    expect(weighted.difference).toBeCloseTo(-0.5, 12);
    expect(weighted.pValue).toBeCloseTo(0.5, 12);
    expect(weighted.method).toContain('case weights');

    const swapped = comparePaired([
      { caseId: 'a', baseline: 1, candidate: 0, weight: 1 },
      { caseId: 'b', baseline: 0, candidate: 1, weight: 3 },
    ]);
    expect(swapped.difference).toBeCloseTo(0.5, 12);

    // A heavy regressed case moves the rate as much as that many copies of it would.
    const heavy = comparePaired(cases([1, 1, 0, 5], [15, 1, 1]));
    const copies = comparePaired(cases([5, 1, 0], [15, 1, 1]));
    expect(heavy.difference).toBeCloseTo(copies.difference, 12);
    expect(heavy.difference).toBeCloseTo(-0.25, 12);
    // …but is one piece of evidence, not five: its p-value is larger.
    expect(heavy.pValue).toBeGreaterThan(copies.pValue);
    expect(heavy.pValue).toBeCloseTo(0.5, 12);
  });

  it('uses the exact sign-flip test on --repeat fractions', () => {
    // Differences -1/3, -1/3, +1/3, -2/3 (mean -0.25). In thirds: S = -3 from ±1 ±1 ±1 ±2 (16 sign
    // patterns): with -2, the rest sum to -3 (1 way) or -1 (3 ways) → S* ∈ {-5, -3}: 4 patterns;
    // with +2, S* ≥ -1. P(S* ≤ -3) = 4 / 16 = 0.25.
    const comparison = comparePaired([
      { caseId: 'a', baseline: 1, candidate: 2 / 3, weight: 1 },
      { caseId: 'b', baseline: 2 / 3, candidate: 1 / 3, weight: 1 },
      { caseId: 'c', baseline: 1 / 3, candidate: 2 / 3, weight: 1 },
      { caseId: 'd', baseline: 1, candidate: 1 / 3, weight: 1 },
    ]);
    expect(comparison.difference).toBeCloseTo(-0.25, 12);
    expect(comparison.pValue).toBeCloseTo(0.25, 12);
    expect(comparison.method).toContain('exact sign-flip');
    expectFinite(comparison);
  });

  it('falls back to a normal approximation for weights off any small lattice', () => {
    // 20 regressed of weight π, 10 improved of weight 1: S = -20π + 10, sign-flip variance
    // Σ (w d)² = 20π² + 10 = 207.39, p ≈ Φ((10 - 62.832) / 14.401) = Φ(-3.6686) ≈ 0.000122.
    const comparison = comparePaired(cases([20, 1, 0, Math.PI], [10, 0, 1], [70, 1, 1]));
    expect(comparison.method).toContain('normal approximation');
    const z = (10 - 20 * Math.PI) / Math.sqrt(20 * Math.PI ** 2 + 10);
    expect(comparison.pValue).toBeCloseTo(normalCdf(z), 12);
    expect(comparison.pValue).toBeCloseTo(0.000122, 6);
  });

  it('uses the exact test for equal weights of any size', () => {
    // P(X ≥ 20), X ~ Binomial(30, 1/2) = 0.0493686.
    const exact = comparePaired(cases([20, 1, 0], [10, 0, 1], [70, 1, 1]));
    expect(exact.pValue).toBeCloseTo(0.0493686, 6);
    for (const weight of [100, Math.PI, 0.1]) {
      const scaled = comparePaired(cases([20, 1, 0, weight], [10, 0, 1, weight], [70, 1, 1, weight]));
      expect(scaled.pValue).toBeCloseTo(exact.pValue, 12);
      expect(scaled.difference).toBeCloseTo(exact.difference, 12);
      expect(scaled.interval[0]).toBeCloseTo(exact.interval[0], 9);
    }
  });

  it('rejects fractions outside [0, 1] and negative weights', () => {
    expect(() => comparePaired(cases([1, 1.5, 1]))).toThrow(RangeError);
    expect(() => comparePaired(cases([1, 1, 1, -1]))).toThrow(RangeError);
    expect(() => comparePaired(cases([1, 1, 1]), { confidence: 1 })).toThrow(RangeError);
  });
});

describe('regressionVerdict', () => {
  it('blocks a real 10-point drop on 200 cases under both policies', () => {
    // 22 regressed, 2 improved: exact p = P(X ≥ 22), X ~ Binomial(24, 1/2) = (276 + 24 + 1) / 2²⁴.
    const comparison = comparePaired(cases([22, 1, 0], [2, 0, 1], [170, 1, 1], [6, 0, 0]));
    expect(comparison.difference).toBeCloseTo(-0.1, 12);
    expect(comparison.pValue).toBeCloseTo(301 / 2 ** 24, 15);
    expect(comparison.interval[1]).toBeLessThan(0);
    for (const policy of ['point', 'significant'] as const) {
      const verdict = regressionVerdict(comparison, 0.02, policy);
      expect(verdict.blocks).toBe(true);
      expect(verdict.explanation).toContain('10.0 points');
      expect(verdict.explanation).toContain('p < 0.001');
      expect(verdict.explanation).toContain('95% CI');
    }
  });

  it('lets `point` block a small flaky suite that `significant` treats as noise', () => {
    // 20 cases, 4 flaky ones moved: 3 down, 1 up → -10 points, exact p = 5/16.
    const comparison = comparePaired(cases([3, 1, 0], [1, 0, 1], [14, 1, 1], [2, 0, 0]));
    expect(comparison.difference).toBeCloseTo(-0.1, 12);
    expect(comparison.pValue).toBeCloseTo(5 / 16, 12);
    const point = regressionVerdict(comparison, 0.02, 'point');
    const significant = regressionVerdict(comparison, 0.02, 'significant');
    expect(point.blocks).toBe(true);
    expect(significant.blocks).toBe(false);
    expect(significant.explanation).toContain('not significant');
    expect(point.explanation).toContain('p = 0.313');
  });

  it('passes a drop within the limit under both policies', () => {
    const comparison = comparePaired(cases([1, 1, 0], [99, 1, 1]));
    expect(regressionVerdict(comparison, 0.02, 'point').blocks).toBe(false);
    expect(regressionVerdict(comparison, 0.02, 'significant').blocks).toBe(false);
  });

  it('flags a tiny suite as underpowered even when the runs are identical', () => {
    // No discordance: the conservative detectable drop is about (z₀.₉₅ + z₀.₈)² / n ≈ 6.2 / 20 ≈ 0.3
    // (a little less with the exact formula).
    const comparison = comparePaired(cases([18, 1, 1], [2, 0, 0]));
    expect(comparison.minimumDetectableDrop).toBeGreaterThan(0.2);
    expect(comparison.minimumDetectableDrop).toBeLessThan(0.35);
    const verdict = regressionVerdict(comparison, 0.02, 'significant');
    expect(verdict.underpowered).toBe(true);
    expect(verdict.blocks).toBe(false);
    expect(verdict.explanation).toContain('detects only drops');
  });

  it('does not flag a large suite with a few percent of flaky cases', () => {
    // 2,000 cases, 100 of them (5%) flaky: 25 regressed and 25 improved this time.
    const suite = cases([25, 1, 0], [25, 0, 1], [25, 1, 1], [25, 0, 0], [1900, 1, 1]);
    const comparison = comparePaired(suite);
    expect(comparison.minimumDetectableDrop).toBeLessThan(0.02);
    expect(regressionVerdict(comparison, 0.05, 'significant').underpowered).toBe(false);
    expect(regressionVerdict(comparison, 0.02, 'significant').underpowered).toBe(false);
    // More power asked for → a larger detectable drop.
    const demanding = comparePaired(suite, { power: 0.95 });
    expect(demanding.minimumDetectableDrop).toBeGreaterThan(comparison.minimumDetectableDrop);
  });
});
