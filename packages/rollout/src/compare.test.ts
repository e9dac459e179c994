import { AirlockError } from '@airlock/core';
import { describe, expect, it } from 'vitest';
import {
  binomialUpperTail,
  compareLatency,
  compareMeans,
  compareProportions,
  erfc,
  type Histogram,
  histogramQuantile,
  logGamma,
  meanBelow,
  minimumSamplesForRate,
  normalCdf,
  normalQuantile,
  regularizedIncompleteBeta,
  studentTCdf,
} from './compare.ts';

/** Small seeded PRNG (mulberry32), so the calibration tests are reproducible. */
function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Standard normal draws by Box–Muller. */
function normalSampler(random: () => number): () => number {
  return () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}

/**
 * Checks a simulated false-positive rate against the nominal 5%, allowing 3 Monte Carlo standard errors
 * (√(0.05·0.95/comparisons)) either side, so the bound reflects the simulation's own noise.
 */
function expectNominalFalsePositiveRate(falsePositives: number, comparisons: number): void {
  const slack = 3 * Math.sqrt((0.05 * 0.95) / comparisons);
  expect(falsePositives / comparisons).toBeGreaterThan(0.05 - slack);
  expect(falsePositives / comparisons).toBeLessThan(0.05 + slack);
}

function expectRelative(actual: number, expected: number, tolerance: number): void {
  expect(Math.abs(actual - expected) / Math.abs(expected)).toBeLessThan(tolerance);
}

/** Runs `action` and returns the AirlockError it throws (fails the test if it throws something else or nothing). */
function invalidInputError(action: () => unknown): AirlockError {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(AirlockError);
    expect((error as AirlockError).code).toBe('INVALID_INPUT');
    return error as AirlockError;
  }
  throw new Error('expected an INVALID_INPUT error, nothing was thrown');
}

describe('special functions', () => {
  it('logGamma matches factorials and Γ(1/2) = √π', () => {
    expectRelative(logGamma(0.5), Math.log(Math.sqrt(Math.PI)), 1e-14);
    expectRelative(logGamma(10), Math.log(362880), 1e-14); // ln 9!
    expect(logGamma(1)).toBeCloseTo(0, 14);
    expect(logGamma(2)).toBeCloseTo(0, 14);
    // ln 99! = Σ ln k, summed directly.
    let lnFactorial = 0;
    for (let k = 2; k <= 99; k++) lnFactorial += Math.log(k);
    expectRelative(logGamma(100), lnFactorial, 1e-13);
    // Γ(x + 1) = x Γ(x) across the reflection point and for tiny x.
    for (const x of [0.001, 0.3, 0.49, 0.51, 3.7])
      expect(logGamma(x + 1) - logGamma(x)).toBeCloseTo(Math.log(x), 12);
  });

  it('normalCdf matches tabulated values, including deep tails (relative accuracy)', () => {
    expect(normalCdf(0)).toBe(0.5);
    expectRelative(normalCdf(-1.96), 0.024997895148220435, 1e-13);
    expectRelative(normalCdf(-5), 2.866515718791939e-7, 1e-13);
    expectRelative(normalCdf(-10), 7.619853024160527e-24, 1e-13);
    expectRelative(normalCdf(-20), 2.7536241186062337e-89, 1e-12);
    for (const x of [0.1, 0.7, 1.2, 1.7, 2.5, 4]) expect(normalCdf(x) + normalCdf(-x)).toBeCloseTo(1, 15);
    // erfc on both sides of the series / continued-fraction switch at z² = 1.5.
    expectRelative(erfc(1.2247), 0.08327581479808639, 1e-13);
    expectRelative(erfc(1.2248), 0.08325063757190905, 1e-13);
  });

  it('normalQuantile matches tabulated quantiles and inverts normalCdf', () => {
    expect(normalQuantile(0.975)).toBeCloseTo(1.959963984540054, 12);
    expect(normalQuantile(0.95)).toBeCloseTo(1.6448536269514722, 12);
    expect(normalQuantile(0.8)).toBeCloseTo(0.8416212335729143, 12);
    expect(normalQuantile(1e-10)).toBeCloseTo(-6.361340902404056, 10);
    for (const p of [1e-8, 0.01, 0.2, 0.5, 0.9, 0.999])
      expectRelative(normalCdf(normalQuantile(p)), p, 1e-12);
  });

  it('regularizedIncompleteBeta matches its closed forms', () => {
    for (const x of [0.01, 0.2, 0.5, 0.77, 0.999]) {
      expectRelative(regularizedIncompleteBeta(x, 3.5, 1), x ** 3.5, 1e-13); // I_x(a, 1) = x^a
      expectRelative(regularizedIncompleteBeta(x, 1, 2.5), 1 - (1 - x) ** 2.5, 1e-13); // I_x(1, b) = 1 − (1−x)^b
      // I_x(1/2, 1/2) = (2/π) asin √x (the arcsine distribution)
      expectRelative(regularizedIncompleteBeta(x, 0.5, 0.5), (2 / Math.PI) * Math.asin(Math.sqrt(x)), 1e-13);
      // Symmetry I_x(a, b) = 1 − I_{1−x}(b, a)
      expect(regularizedIncompleteBeta(x, 10, 20) + regularizedIncompleteBeta(1 - x, 20, 10)).toBeCloseTo(
        1,
        13,
      );
    }
    expect(regularizedIncompleteBeta(0.5, 7, 7)).toBeCloseTo(0.5, 14);
    expect(regularizedIncompleteBeta(0, 2, 3)).toBe(0);
    expect(regularizedIncompleteBeta(1, 2, 3)).toBe(1);
  });

  it('studentTCdf matches t tables and the closed forms for 1 and 2 degrees of freedom', () => {
    // Critical values from t tables: t_{0.975,10}, t_{0.95,5}, t_{0.995,1}, t_{0.95,18}.
    expect(studentTCdf(2.228138851986274, 10)).toBeCloseTo(0.975, 12);
    expect(studentTCdf(2.0150483733330233, 5)).toBeCloseTo(0.95, 12);
    expect(studentTCdf(63.656741162871526, 1)).toBeCloseTo(0.995, 12);
    expect(studentTCdf(-1.7340636066175388, 18)).toBeCloseTo(0.05, 12);
    for (const t of [-30, -2, -0.5, 0, 0.3, 4]) {
      // df = 1 is the Cauchy distribution: F(t) = 1/2 + atan(t)/π.
      expect(studentTCdf(t, 1)).toBeCloseTo(0.5 + Math.atan(t) / Math.PI, 13);
      // df = 2: F(t) = 1/2 + t / (2√(2 + t²)).
      expect(studentTCdf(t, 2)).toBeCloseTo(0.5 + t / (2 * Math.sqrt(2 + t * t)), 13);
    }
    // Deep tail, df = 2: F(−1000) = 1 / (s (s + 1000)), s = √(2 + 1000²) (the form above without cancellation).
    const s = Math.sqrt(2 + 1000 * 1000);
    expectRelative(studentTCdf(-1000, 2), 1 / (s * (s + 1000)), 1e-12);
    // Large df approaches the normal; the difference at t = −3 is O(1/df).
    expect(Math.abs(studentTCdf(-3, 1e6) - normalCdf(-3))).toBeLessThan(1e-7);
    expect(studentTCdf(-3, 1e6)).toBeGreaterThan(normalCdf(-3));
  });
});

describe('compareProportions', () => {
  it("reproduces Fisher's tea-tasting example", () => {
    // 2×2 table [[3, 1], [1, 3]]: margins 4 and 4, 4 events in all. X ~ Hypergeometric(N = 8, K = 4, n = 4):
    //   P(X ≥ 3) = (C(4,3)·C(4,1) + C(4,4)·C(4,0)) / C(8,4) = (16 + 1) / 70 = 17/70.
    const result = compareProportions({ events: 3, total: 4 }, { events: 1, total: 4 });
    expect(result.pValue).toBeCloseTo(17 / 70, 14);
    expect(result.effect).toBeCloseTo(0.5, 14);
    expect(result.test).toBe('two-proportion (exact, one-sided)');
  });

  it('sums the hypergeometric tail by hand: 4/10 vs 1/10, and the complement for 1/10 vs 4/10', () => {
    // 5 events among 20 requests, 10 of them canary. C(20,5) = 15504.
    //   P(X ≥ 4) = (C(5,4)·C(15,6) + C(5,5)·C(15,5)) / C(20,5) — or, counting canary slots,
    //            = (C(10,4)·C(10,1) + C(10,5)·C(10,0)) / C(20,5) = (210·10 + 252) / 15504 = 2352 / 15504.
    const worse = compareProportions({ events: 4, total: 10 }, { events: 1, total: 10 });
    expect(worse.pValue).toBeCloseTo(2352 / 15504, 14);
    expect(worse.effect).toBeCloseTo(0.3, 14);
    // Reversed: P(X ≥ 1) = 1 − P(X = 0) = 1 − C(10,0)·C(10,5) / C(20,5) = 1 − 252/15504.
    const better = compareProportions({ events: 1, total: 10 }, { events: 4, total: 10 });
    expect(better.pValue).toBeCloseTo(1 - 252 / 15504, 14);
    expect(better.effect).toBeCloseTo(-0.3, 14);
  });

  it('flags 5/100 errors against 0/100 with the exact Fisher p-value', () => {
    // All 5 events fell in the canary: P(X ≥ 5) = P(X = 5) = C(100,5)·C(100,0) / C(200,5)
    //   = (100·99·98·97·96) / (200·199·198·197·196) = 75,287,520 / 2,535,650,040 = 0.0296916…
    const result = compareProportions({ events: 5, total: 100 }, { events: 0, total: 100 });
    expect(result.pValue).toBeCloseTo(75_287_520 / 2_535_650_040, 14);
    expect(result.pValue).toBeLessThan(0.05);
    expect(result.effect).toBeCloseTo(0.05, 14);
  });

  it('gives p = 1 when the canary has no errors, including 0/100 vs 0/100', () => {
    expect(compareProportions({ events: 0, total: 100 }, { events: 7, total: 100 }).pValue).toBe(1);
    expect(compareProportions({ events: 0, total: 5000 }, { events: 0, total: 12 }).pValue).toBe(1);
    const bothZero = compareProportions({ events: 0, total: 100 }, { events: 0, total: 100 });
    expect(bothZero).toEqual({ test: 'two-proportion (exact, one-sided)', pValue: 1, effect: 0 });
  });

  it('gives p = 1 when the baseline has no requests that could be errors', () => {
    // Every baseline request failed: the canary cannot be worse.
    expect(compareProportions({ events: 3, total: 10 }, { events: 10, total: 10 }).pValue).toBe(1);
  });

  it('stays exact at production volumes and agrees with the continuity-corrected z-test there', () => {
    // 10,300 vs 10,000 errors in a million requests each. Pooled p̂ = 0.01015,
    // SE = √(p̂(1 − p̂)·2/10⁶) = 1.41716e-4; z = (0.0003 − 10⁻⁶) / SE = 2.1098 → 1 − Φ(z) = 0.017459.
    // (scipy.stats.hypergeom.sf gives the exact 0.0174581.)
    const result = compareProportions(
      { events: 10_300, total: 1_000_000 },
      { events: 10_000, total: 1_000_000 },
    );
    expect(result.pValue).toBeCloseTo(0.01745805947409193, 7);
    expect(result.effect).toBeCloseTo(0.0003, 12);
    // Far tail at volume: relative accuracy, no underflow to 0.
    const far = compareProportions(
      { events: 105_000, total: 10_000_000 },
      { events: 100_000, total: 10_000_000 },
    );
    expectRelative(far.pValue, 6.377802073020196e-29, 1e-5);
  });

  it('keeps the false-positive rate at or below 5% on simulated null canaries (n = 500, 2% errors)', () => {
    const random = mulberry32(20240607);
    const draw = (n: number, rate: number): number => {
      let events = 0;
      for (let i = 0; i < n; i++) if (random() < rate) events++;
      return events;
    };
    let falsePositives = 0;
    const comparisons = 2000;
    for (let i = 0; i < comparisons; i++) {
      const canary = { events: draw(500, 0.02), total: 500 };
      const baseline = { events: draw(500, 0.02), total: 500 };
      if (compareProportions(canary, baseline).pValue < 0.05) falsePositives++;
    }
    // Fisher's exact test is conservative with ~20 events in all: it lands below the nominal 5%
    // (3.2% over 40,000 comparisons, not run here), never above it beyond simulation noise.
    expect(falsePositives / comparisons).toBeLessThanOrEqual(0.06);
    expect(falsePositives / comparisons).toBeGreaterThan(0.01);
  });

  it('rejects impossible counts and empty arms with INVALID_INPUT', () => {
    expect(
      invalidInputError(() => compareProportions({ events: -1, total: 10 }, { events: 0, total: 10 }))
        .message,
    ).toBe('canary: events must be a whole number ≥ 0, got -1');
    expect(
      invalidInputError(() => compareProportions({ events: 1, total: 10 }, { events: 11, total: 10 }))
        .message,
    ).toBe('baseline: events (11) exceed total (10)');
    expect(
      invalidInputError(() => compareProportions({ events: 0.5, total: 10 }, { events: 1, total: 10 }))
        .message,
    ).toBe('canary: events must be a whole number ≥ 0, got 0.5');
    const empty = invalidInputError(() =>
      compareProportions({ events: 0, total: 0 }, { events: 1, total: 10 }),
    );
    expect(empty.message).toBe(
      'canary: total is 0, nothing to compare (check sample sizes before comparing)',
    );
    expect(empty.context).toEqual({ arm: 'canary', events: 0, total: 0 });
    invalidInputError(() => compareProportions({ events: 1, total: 10 }, { events: 0, total: Number.NaN }));
  });
});

const latencyBounds = [5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, Number.POSITIVE_INFINITY];

describe('compareLatency', () => {
  it('reproduces a Mann-Whitney U computed by hand with ties', () => {
    // Canary: one value in (10, 20], one in (20, 30]. Baseline: one in each of the three buckets.
    // Pooled ranks: bucket 1 holds 1 value (rank 1), bucket 2 holds 2 (ranks 2, 3 → midrank 2.5),
    // bucket 3 holds 2 (ranks 4, 5 → 4.5). Canary rank sum R = 2.5 + 4.5 = 7, U = R − n₁(n₁ + 1)/2 = 7 − 3 = 4.
    // Null mean n₁n₂/2 = 3. Ties t = 1, 2, 2: Σ(t³ − t) = 12; N = 5.
    //   Var = n₁n₂/12 · (N + 1 − Σ(t³ − t)/(N(N − 1))) = 6/12 · (6 − 12/20) = 2.7.
    //   z = (4 − 3 − 0.5) / √2.7 = 0.304290; p = 1 − Φ(0.304290) = 0.380453 (scipy's mannwhitneyu agrees).
    const bounds = [10, 20, 30];
    const result = compareLatency({ bounds, counts: [0, 1, 1] }, { bounds, counts: [1, 1, 1] });
    expect(result.statistic).toBe(4);
    expect(result.pValue).toBeCloseTo(1 - normalCdf(0.5 / Math.sqrt(2.7)), 13);
    expect(result.pValue).toBeCloseTo(0.38045336353755704, 12);
    // Medians: canary rank 1 of 2 → end of bucket (10, 20] = 20; baseline rank 1.5 of 3 → middle of (10, 20] = 15.
    expect(result.effect).toBeCloseTo(5, 12);
    expect(result.test).toBe('Mann-Whitney U (one-sided)');
  });

  it('flags a shifted latency histogram and estimates the shift from the medians', () => {
    // 100 requests per arm; the canary's mass sits about one bucket higher.
    // scipy.stats.mannwhitneyu on the expanded bucket indices (greater, continuity): U = 5995, p = 0.0063698.
    const bounds = latencyBounds.slice(0, 8);
    const baseline: Histogram = { bounds, counts: [3, 10, 25, 30, 20, 8, 3, 1] };
    const canary: Histogram = { bounds, counts: [1, 6, 18, 28, 26, 14, 5, 2] };
    const result = compareLatency(canary, baseline);
    expect(result.statistic).toBe(5995);
    expect(result.pValue).toBeCloseTo(0.0063698313449102465, 10);
    // Baseline median: rank 50, 38 below bucket (25, 50] of 30 → 25 + 25·12/30 = 35.
    // Canary median: rank 50, 25 below bucket (25, 50] of 28 → 25 + 25·25/28 = 47.3214…
    expect(result.effect).toBeCloseTo(25 + (25 * 25) / 28 - 35, 12);
  });

  it('gives p ≥ 0.5 for identical histograms and near 1 when the canary is faster', () => {
    const counts = [40, 120, 300, 250, 150, 80, 40, 15, 4, 1, 0, 0];
    const same = compareLatency({ bounds: latencyBounds, counts }, { bounds: latencyBounds, counts });
    expect(same.pValue).toBeGreaterThanOrEqual(0.5);
    expect(same.pValue).toBeLessThan(0.52);
    expect(same.effect).toBe(0);
    const faster = compareLatency(
      { bounds: latencyBounds, counts: [120, 300, 250, 150, 80, 40, 40, 15, 4, 1, 0, 0] },
      { bounds: latencyBounds, counts },
    );
    expect(faster.pValue).toBeGreaterThan(0.999);
    expect(faster.effect).toBeLessThan(0);
  });

  it('gives p = 1 when everything lands in one bucket (no information)', () => {
    const result = compareLatency(
      { bounds: latencyBounds, counts: [0, 0, 0, 9, 0, 0, 0, 0, 0, 0, 0, 0] },
      { bounds: latencyBounds, counts: [0, 0, 0, 50, 0, 0, 0, 0, 0, 0, 0, 0] },
    );
    expect(result.pValue).toBe(1);
    expect(result.effect).toBe(0);
  });

  it('flags a canary whose requests time out into the Infinity bucket', () => {
    const baseline = { bounds: latencyBounds, counts: [0, 0, 50, 50, 0, 0, 0, 0, 0, 0, 0, 0] };
    const canary = { bounds: latencyBounds, counts: [0, 0, 20, 20, 0, 0, 0, 0, 0, 0, 0, 60] };
    const result = compareLatency(canary, baseline);
    expect(result.pValue).toBeLessThan(1e-10);
    // The canary's median is past the last finite bound, reported as that bound: 10000 − 25.
    expect(result.effect).toBe(10000 - 25);
  });

  it('keeps the false-positive rate near 5% on simulated null canaries (log-normal latencies, n = 200)', () => {
    const random = mulberry32(7);
    const normal = normalSampler(random);
    const sample = (n: number): Histogram => {
      const counts = latencyBounds.map(() => 0);
      for (let i = 0; i < n; i++) {
        const latency = Math.exp(Math.log(120) + 0.9 * normal());
        const bucket = latencyBounds.findIndex((bound) => latency <= bound);
        counts[bucket] = (counts[bucket] ?? 0) + 1;
      }
      return { bounds: latencyBounds, counts };
    };
    let falsePositives = 0;
    const comparisons = 2000;
    for (let i = 0; i < comparisons; i++)
      if (compareLatency(sample(200), sample(200)).pValue < 0.05) falsePositives++;
    // 40,000 comparisons (not run here) give 5.05%: the binned normal approximation is well calibrated.
    expectNominalFalsePositiveRate(falsePositives, comparisons);
  });

  it('rejects malformed or mismatched histograms and empty arms with INVALID_INPUT', () => {
    const good = { bounds: [10, 20], counts: [1, 1] };
    expect(invalidInputError(() => compareLatency({ bounds: [10, 20], counts: [1] }, good)).message).toBe(
      'canary: 2 bucket bounds but 1 counts',
    );
    expect(invalidInputError(() => compareLatency(good, { bounds: [10, 10], counts: [1, 1] })).message).toBe(
      'baseline: bucket bounds must increase, but bound 1 (10) ≤ 10',
    );
    expect(invalidInputError(() => compareLatency({ bounds: [20, 10], counts: [1, 1] }, good)).message).toBe(
      'canary: bucket bounds must increase, but bound 1 (10) ≤ 20',
    );
    expect(invalidInputError(() => compareLatency({ bounds: [10, 30], counts: [1, 1] }, good)).message).toBe(
      'canary and baseline histograms have different bucket bounds',
    );
    expect(invalidInputError(() => compareLatency({ bounds: [10, 20], counts: [1, -1] }, good)).message).toBe(
      'canary: counts[1] must be a whole number ≥ 0, got -1',
    );
    expect(invalidInputError(() => compareLatency(good, { bounds: [10, 20], counts: [0, 0] })).message).toBe(
      'baseline histogram is empty: nothing to compare',
    );
    expect(
      invalidInputError(() => compareLatency({ bounds: [Number.POSITIVE_INFINITY], counts: [1] }, good))
        .message,
    ).toBe(
      'canary: bucket bound 0 is Infinity; bounds must be finite numbers, except a last Infinity after a finite one',
    );
    invalidInputError(() => compareLatency({ bounds: [10, Number.NaN], counts: [1, 1] }, good));
    invalidInputError(() => compareLatency({ bounds: [], counts: [] }, good));
  });
});

describe('compareMeans', () => {
  it('gives p = 0.05 exactly at the tabulated critical value (equal n and sd: df = 18)', () => {
    // n = 10 each, sd = 5 each: SE = √(25/10 + 25/10) = √5; Welch df = (2.5 + 2.5)² / (2·2.5²/9) = 18.
    // A mean difference of −t_{0.95,18}·√5 = −1.7340636·2.2360680 = −3.8774815 sits on the 5% line.
    const difference = -1.7340636066175388 * Math.sqrt(5);
    const result = compareMeans({ n: 10, mean: 80 + difference, sd: 5 }, { n: 10, mean: 80, sd: 5 });
    expect(result.statistic).toBeCloseTo(-1.7340636066175388, 12);
    expect(result.pValue).toBeCloseTo(0.05, 12);
    expect(result.effect).toBeCloseTo(difference, 12);
    expect(result.test).toBe('Welch t (one-sided)');
  });

  it('matches a textbook Welch computation with unequal n and sd', () => {
    // Canary n = 10, mean 20, sd 4; baseline n = 15, mean 23, sd 6.
    //   s²/n: 16/10 = 1.6 and 36/15 = 2.4; SE = √4 = 2; t = (20 − 23)/2 = −1.5.
    //   df = 4² / (1.6²/9 + 2.4²/14) = 16 / (0.284444 + 0.411429) = 22.99270.
    //   p = P(T₂₂.₉₉ ≤ −1.5) = 0.0736108 (scipy.stats.ttest_ind_from_stats, equal_var=False, 'less').
    const result = compareMeans({ n: 10, mean: 20, sd: 4 }, { n: 15, mean: 23, sd: 6 });
    expect(result.statistic).toBeCloseTo(-1.5, 14);
    expect(result.pValue).toBeCloseTo(0.07361082101335338, 11);
    expect(result.effect).toBe(-3);
  });

  it('uses the t distribution, not a normal, for small n (df = 2 closed form)', () => {
    // Canary sd 0 → df is the baseline's n − 1 = 2. SE = √(0 + 3/3) = 1, t = (10 − 12)/1 = −2.
    //   F₂(−2) = 1/2 − 2/(2√(2 + 4)) = 1/2 − 1/√6 = 0.0917517, versus Φ(−2) = 0.0227501.
    const result = compareMeans({ n: 5, mean: 10, sd: 0 }, { n: 3, mean: 12, sd: Math.sqrt(3) });
    expect(result.pValue).toBeCloseTo(0.5 - 1 / Math.sqrt(6), 13);
  });

  it('gives p > 0.5 when the canary scores higher, and handles zero spread in both arms', () => {
    expect(compareMeans({ n: 30, mean: 0.9, sd: 0.1 }, { n: 30, mean: 0.8, sd: 0.1 }).pValue).toBeGreaterThan(
      0.99,
    );
    expect(compareMeans({ n: 5, mean: 0.7, sd: 0 }, { n: 5, mean: 0.8, sd: 0 })).toEqual({
      test: 'Welch t (one-sided)',
      pValue: 0,
      effect: 0.7 - 0.8,
    });
    expect(compareMeans({ n: 5, mean: 0.8, sd: 0 }, { n: 5, mean: 0.8, sd: 0 }).pValue).toBe(1);
  });

  it('keeps the false-positive rate near 5% with small, unequal samples (n = 4 vs 12, sd 1 vs 3)', () => {
    const random = mulberry32(99);
    const normal = normalSampler(random);
    const summary = (n: number, sd: number) => {
      const values = Array.from({ length: n }, () => 50 + sd * normal());
      const mean = values.reduce((total, value) => total + value, 0) / n;
      const variance = values.reduce((total, value) => total + (value - mean) ** 2, 0) / (n - 1);
      return { n, mean, sd: Math.sqrt(variance) };
    };
    let falsePositives = 0;
    const comparisons = 4000;
    for (let i = 0; i < comparisons; i++)
      if (compareMeans(summary(4, 1), summary(12, 3)).pValue < 0.05) falsePositives++;
    expectNominalFalsePositiveRate(falsePositives, comparisons);
  });

  it('rejects too few samples and impossible summaries with INVALID_INPUT', () => {
    const good = { n: 10, mean: 1, sd: 1 };
    expect(invalidInputError(() => compareMeans({ n: 1, mean: 1, sd: 0 }, good)).message).toBe(
      'canary: n must be a whole number ≥ 2 for a t-test, got 1',
    );
    expect(invalidInputError(() => compareMeans(good, { n: 10, mean: 1, sd: -1 })).message).toBe(
      'baseline: sd must be a finite number ≥ 0, got -1',
    );
    expect(invalidInputError(() => compareMeans(good, { n: 10, mean: Number.NaN, sd: 1 })).message).toBe(
      'baseline: mean must be a finite number, got NaN',
    );
    invalidInputError(() => compareMeans({ n: 2.5, mean: 1, sd: 1 }, good));
  });
});

describe('histogramQuantile', () => {
  it('interpolates within the bucket, starting the first bucket at 0', () => {
    const histogram = { bounds: [10, 20, 30], counts: [10, 10, 0] };
    expect(histogramQuantile(histogram, 0.25)).toBe(5); // rank 5 of 10 in (0, 10]
    expect(histogramQuantile(histogram, 0.5)).toBe(10); // rank 10: the end of the first bucket
    expect(histogramQuantile(histogram, 0.75)).toBe(15); // rank 15: half-way through (10, 20]
    expect(histogramQuantile(histogram, 0)).toBe(0);
    expect(histogramQuantile(histogram, 1)).toBe(20); // the empty (20, 30] bucket is never reached
  });

  it('skips empty buckets and gives p95 / p99 of a latency histogram', () => {
    // 1000 requests: 900 in (25, 50], 80 in (100, 250], 20 in (250, 500].
    const histogram = { bounds: latencyBounds, counts: [0, 0, 0, 900, 0, 80, 20, 0, 0, 0, 0, 0] };
    expect(histogramQuantile(histogram, 0)).toBe(25);
    expect(histogramQuantile(histogram, 0.5)).toBeCloseTo(25 + (25 * 500) / 900, 12);
    expect(histogramQuantile(histogram, 0.95)).toBeCloseTo(100 + (150 * 50) / 80, 12); // rank 950: 50 into 80
    expect(histogramQuantile(histogram, 0.99)).toBeCloseTo(250 + (250 * 10) / 20, 12); // rank 990: 10 into 20
  });

  it('reports quantiles in the Infinity bucket as the last finite bound', () => {
    expect(histogramQuantile({ bounds: [100, Number.POSITIVE_INFINITY], counts: [1, 9] }, 0.5)).toBe(100);
    expect(histogramQuantile({ bounds: [100, Number.POSITIVE_INFINITY], counts: [1, 9] }, 0.05)).toBe(50);
  });

  it('treats a first bucket with a bound ≤ 0 as a point', () => {
    expect(histogramQuantile({ bounds: [0, 10], counts: [4, 4] }, 0.25)).toBe(0);
    expect(histogramQuantile({ bounds: [0, 10], counts: [4, 4] }, 0.75)).toBe(5);
  });

  it('is undefined for an empty histogram and rejects bad quantiles and histograms', () => {
    expect(histogramQuantile({ bounds: [10, 20], counts: [0, 0] }, 0.5)).toBeUndefined();
    expect(
      invalidInputError(() => histogramQuantile({ bounds: [10, 20], counts: [1, 0] }, 1.5)).message,
    ).toBe('quantile must be between 0 and 1, got 1.5');
    invalidInputError(() => histogramQuantile({ bounds: [10, 20], counts: [1, 0] }, Number.NaN));
    expect(
      invalidInputError(() => histogramQuantile({ bounds: [10, 20, 30], counts: [1, 0] }, 0.5)).message,
    ).toBe('histogram: 3 bucket bounds but 2 counts');
  });
});

/** Probability that `compareProportions` flags a canary at rate `canaryRate` (n per arm), summed exactly. */
function exactPower(n: number, baselineRate: number, canaryRate: number, alpha: number): number {
  const pmf = (k: number, rate: number): number =>
    Math.exp(
      logGamma(n + 1) -
        logGamma(k + 1) -
        logGamma(n - k + 1) +
        k * Math.log(rate) +
        (n - k) * Math.log(1 - rate),
    );
  const likely = (rate: number): number[] =>
    Array.from({ length: n + 1 }, (_, k) => k).filter((k) => pmf(k, rate) > 1e-13);
  let power = 0;
  for (const canaryEvents of likely(canaryRate))
    for (const baselineEvents of likely(baselineRate)) {
      const { pValue } = compareProportions(
        { events: canaryEvents, total: n },
        { events: baselineEvents, total: n },
      );
      if (pValue < alpha) power += pmf(canaryEvents, canaryRate) * pmf(baselineEvents, baselineRate);
    }
  return power;
}

describe('minimumSamplesForRate', () => {
  it('matches the two-proportion sample-size formula with continuity correction (5% → 10%)', () => {
    // p₁ = 0.05, p₂ = 0.10, p̄ = 0.075, Δ = 0.05; z₀.₉₅ = 1.644854, z₀.₈ = 0.841621.
    //   n₀ = (1.644854·√(2·0.075·0.925) + 0.841621·√(0.05·0.95 + 0.10·0.90))² / 0.05²
    //      = (1.644854·0.372492 + 0.841621·0.370810)² / 0.0025 = 0.924777² / 0.0025 = 342.08
    //   n  = n₀/4 · (1 + √(1 + 4/(n₀Δ)))² = 85.521 · (1 + 1.110793)² = 381.03 → 382 per arm.
    expect(minimumSamplesForRate(0.05, 0.05)).toBe(382);
    // 2% → 4%: n₀ = 898.5, corrected 996.005 → 997.
    expect(minimumSamplesForRate(0.02, 0.02)).toBe(997);
  });

  it('delivers the promised power with the exact test, where the uncorrected formula falls short', () => {
    // At the uncorrected n₀ = 899 (2% → 4%) Fisher's test has power 0.772; at the returned 997 it has 0.812.
    expect(exactPower(899, 0.02, 0.04, 0.05)).toBeLessThan(0.8);
    expect(exactPower(minimumSamplesForRate(0.02, 0.02), 0.02, 0.04, 0.05)).toBeGreaterThanOrEqual(0.8);
  });

  it('asks for more samples for smaller effects, noisier rates, stricter alpha and more power', () => {
    const increases = [0.1, 0.05, 0.02, 0.01, 0.005, 0.001];
    const sizes = increases.map((increase) => minimumSamplesForRate(0.01, increase));
    for (let i = 1; i < sizes.length; i++)
      expect(sizes[i]).toBeGreaterThan(sizes[i - 1] ?? Number.POSITIVE_INFINITY);
    expect(minimumSamplesForRate(0.2, 0.01)).toBeGreaterThan(minimumSamplesForRate(0.01, 0.01));
    expect(minimumSamplesForRate(0.01, 0.01, 0.01)).toBeGreaterThan(minimumSamplesForRate(0.01, 0.01, 0.05));
    expect(minimumSamplesForRate(0.01, 0.01, 0.05, 0.95)).toBeGreaterThan(minimumSamplesForRate(0.01, 0.01));
    // A zero baseline rate is allowed (error rates often are 0).
    expect(minimumSamplesForRate(0, 0.02)).toBeGreaterThan(0);
  });

  it('rejects rates and levels outside their ranges with INVALID_INPUT', () => {
    expect(invalidInputError(() => minimumSamplesForRate(1, 0.01)).message).toBe(
      'baseline rate must be in [0, 1), got 1',
    );
    invalidInputError(() => minimumSamplesForRate(0.5, 0));
    invalidInputError(() => minimumSamplesForRate(0.5, 0.6));
    invalidInputError(() => minimumSamplesForRate(0.01, 0.01, 0));
    invalidInputError(() => minimumSamplesForRate(0.01, 0.01, 0.05, 1));
    invalidInputError(() => minimumSamplesForRate(Number.NaN, 0.01));
  });
});

describe('binomialUpperTail', () => {
  it('sums the binomial tail: P(X ≥ 3) for 10 requests at a 10% limit', () => {
    // 1 − P(X ≤ 2) = 1 − (0.9¹⁰ + 10·0.1·0.9⁹ + 45·0.01·0.9⁸) = 1 − (0.3486784401 + 0.387420489 + 0.1937102445)
    //             = 0.0701908264.
    expect(binomialUpperTail(3, 10, 0.1)).toBeCloseTo(0.0701908264, 12);
    // P(X ≥ 1) = 1 − 0.8⁵ = 0.67232.
    expect(binomialUpperTail(1, 5, 0.2)).toBeCloseTo(0.67232, 14);
    // Far tail keeps relative accuracy: 30 errors in 1000 at a 1% limit (scipy.stats.binom.sf: 2.05999e-7).
    expectRelative(binomialUpperTail(30, 1000, 0.01), 2.059988850971949e-7, 1e-10);
  });

  it('handles the edges: no events, a zero rate and a rate of 1', () => {
    expect(binomialUpperTail(0, 10, 0.3)).toBe(1);
    expect(binomialUpperTail(1, 10, 0)).toBe(0);
    expect(binomialUpperTail(10, 10, 1)).toBe(1);
    expect(binomialUpperTail(10, 10, 0.5)).toBeCloseTo(0.5 ** 10, 15);
  });

  it('rejects impossible counts and rates with INVALID_INPUT', () => {
    expect(invalidInputError(() => binomialUpperTail(11, 10, 0.1)).message).toBe(
      'binomial: events (11) exceed total (10)',
    );
    expect(invalidInputError(() => binomialUpperTail(1, 10, 1.1)).message).toBe(
      'rate must be between 0 and 1, got 1.1',
    );
    invalidInputError(() => binomialUpperTail(0, 0, 0.1));
  });
});

describe('meanBelow', () => {
  it('is a one-sample t-test against the floor', () => {
    // n = 3, mean 10, sd √3: SE = √3/√3 = 1, t = (10 − 12)/1 = −2 on 2 df → p = 1/2 − 1/√6 = 0.0917517.
    const small = meanBelow({ n: 3, mean: 10, sd: Math.sqrt(3) }, 12);
    expect(small.statistic).toBeCloseTo(-2, 14);
    expect(small.pValue).toBeCloseTo(0.5 - 1 / Math.sqrt(6), 13);
    expect(small.effect).toBe(-2);
    expect(small.test).toBe('one-sample t (one-sided)');
    // n = 9, mean 0.7, sd 0.15, floor 0.8: SE = 0.05, t = −2 on 8 df → p = 0.0402581 (t tables / scipy).
    expect(meanBelow({ n: 9, mean: 0.7, sd: 0.15 }, 0.8).pValue).toBeCloseTo(0.04025811897863131, 12);
    expect(meanBelow({ n: 9, mean: 0.9, sd: 0.15 }, 0.8).pValue).toBeGreaterThan(0.95);
  });

  it('is certain when the scores do not vary, and rejects bad input', () => {
    expect(meanBelow({ n: 5, mean: 0.7, sd: 0 }, 0.8).pValue).toBe(0);
    expect(meanBelow({ n: 5, mean: 0.8, sd: 0 }, 0.8).pValue).toBe(1);
    invalidInputError(() => meanBelow({ n: 1, mean: 0.7, sd: 0.1 }, 0.8));
    expect(invalidInputError(() => meanBelow({ n: 5, mean: 0.7, sd: 0.1 }, Number.NaN)).message).toBe(
      'floor must be a finite number, got NaN',
    );
  });
});
