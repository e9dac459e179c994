// Statistical comparisons of a canary window against the baseline, for the rollout policy evaluator.
// Pure: no I/O, no state.
//
// Every p-value is one-sided, H1: the canary is WORSE than the baseline (more errors, slower, lower
// score), because the evaluator only acts on harm: a canary that is better than the baseline is
// promoted on the same grounds as one that is equal. `effect` is always canary − baseline.
//
// Sample sizes: the functions throw INVALID_INPUT for an empty arm (and n < 2 for means), because
// there is no honest p-value to return. The evaluator checks sample sizes first (against
// `minimumSamplesForRate` and the policy's minimums) and reports "too few samples" → hold, never pass.
//
// The special functions (log-gamma, erfc, regularized incomplete beta) are implemented here rather than
// taken from a dependency; they are accurate to ~1e-14 relative in the tails, where p-values live.

import { AirlockError } from '@airlock/core';

export interface TestResult {
  /** e.g. 'two-proportion (exact, one-sided)', 'Mann-Whitney U (one-sided)', 'Welch t (one-sided)' */
  test: string;
  /** The test's statistic where it has one: U for Mann-Whitney, t for Welch. The exact test has none. */
  statistic?: number;
  /** One-sided: evidence that the canary is WORSE than the baseline. */
  pValue: number;
  /** canary − baseline, in the metric's unit (rate difference, latency shift estimate, mean difference). */
  effect: number;
}

/** Events (errors, timeouts, refusals) out of a total of requests in one arm. */
export interface EventCounts {
  events: number;
  total: number;
}

/**
 * Counts per bucket; `bounds` are the buckets' inclusive upper bounds (ms for latency), strictly
 * increasing, the last one may be `Infinity`. Bucket i holds values in (bounds[i-1], bounds[i]]; the
 * first bucket starts at 0 (or is the single point bounds[0] when that is ≤ 0), as in Prometheus.
 */
export interface Histogram {
  bounds: readonly number[];
  counts: readonly number[];
}

/** Summary statistics of a score in one arm; `sd` is the sample standard deviation (n − 1 denominator). */
export interface ScoreSummary {
  n: number;
  mean: number;
  sd: number;
}

/**
 * Error rates (proportions that can be zero): is the canary's rate higher than the baseline's?
 *
 * One-sided Fisher exact test: conditional on the total number of events, the canary's events are
 * hypergeometric under "same rate", and p = P(X ≥ observed). It is exact at every sample size, with no
 * normal approximation: the tail is summed outward from the observed count by the pmf's ratio
 * recurrence and stops once the terms no longer change the sum, so the cost grows with the
 * distribution's standard deviation (a few thousand steps for millions of requests), not with the
 * counts. That also avoids a rule for when an approximation is "safe" and a jump in p where it
 * switches. Fisher's test is conservative (the false-positive rate at p < alpha is at most alpha,
 * usually below), which is the right direction for a rollback decision.
 *
 * A canary with 0 events gets p = 1; 0/n vs 0/m is fine (p = 1, effect 0).
 * Throws INVALID_INPUT for negative or non-integer counts, events > total, or total = 0.
 */
export function compareProportions(canary: EventCounts, baseline: EventCounts): TestResult {
  checkEventCounts('canary', canary);
  checkEventCounts('baseline', baseline);
  const pValue = hypergeometricUpperTail({
    observed: canary.events,
    draws: canary.total,
    successes: canary.events + baseline.events,
    population: canary.total + baseline.total,
  });
  return {
    test: 'two-proportion (exact, one-sided)',
    pValue,
    effect: canary.events / canary.total - baseline.events / baseline.total,
  };
}

/**
 * Latency distributions: is the canary slower?
 *
 * Mann-Whitney U on the binned data: every observation in a bucket is a tie with the others in that
 * bucket. U counts the (canary, baseline) pairs where the canary is in a higher bucket, plus half the
 * pairs in the same bucket; it is compared with its null mean n₁n₂/2 using the tie-corrected variance
 * n₁n₂/12 · (N + 1 − Σ(t³ − t) / (N(N − 1))) and a continuity correction of 0.5 (as R's wilcox.test).
 * When every observation sits in one bucket the histograms cannot be told apart: p = 1.
 * `statistic` is the canary's U; `effect` is the difference of the interpolated medians (ms).
 *
 * The normal approximation is fine from ~10 observations per arm; the evaluator's minimum sample
 * sizes are far above that.
 * Throws INVALID_INPUT for malformed histograms, histograms with different bounds, or an empty arm.
 */
export function compareLatency(canary: Histogram, baseline: Histogram): TestResult {
  checkHistogram('canary', canary);
  checkHistogram('baseline', baseline);
  const sameBounds =
    canary.bounds.length === baseline.bounds.length &&
    canary.bounds.every((bound, index) => bound === baseline.bounds[index]);
  if (!sameBounds)
    throw invalidInput('canary and baseline histograms have different bucket bounds', {
      canaryBounds: [...canary.bounds],
      baselineBounds: [...baseline.bounds],
    });
  const canaryTotal = sum(canary.counts);
  const baselineTotal = sum(baseline.counts);
  if (canaryTotal === 0 || baselineTotal === 0)
    throw invalidInput(
      `${canaryTotal === 0 ? 'canary' : 'baseline'} histogram is empty: nothing to compare`,
      {
        canaryTotal,
        baselineTotal,
      },
    );

  let u = 0;
  let baselineBelow = 0;
  let tieSum = 0; // Σ (t³ − t) over buckets, t = observations of both arms in the bucket
  for (let index = 0; index < canary.counts.length; index++) {
    const inCanary = canary.counts[index] ?? 0;
    const inBaseline = baseline.counts[index] ?? 0;
    u += inCanary * (baselineBelow + inBaseline / 2);
    baselineBelow += inBaseline;
    const tied = inCanary + inBaseline;
    tieSum += (tied - 1) * tied * (tied + 1);
  }
  const total = canaryTotal + baselineTotal;
  const mean = (canaryTotal * baselineTotal) / 2;
  const variance = ((canaryTotal * baselineTotal) / 12) * (total + 1 - tieSum / (total * (total - 1)));
  // Variance 0 means one bucket holds everything (U is then exactly its mean). If rounding leaves a tiny
  // positive variance instead, the continuity correction sends z to −∞, so p = 1 on both paths.
  const pValue = variance > 0 ? normalUpperTail((u - mean - 0.5) / Math.sqrt(variance)) : 1;
  return {
    test: 'Mann-Whitney U (one-sided)',
    statistic: u,
    pValue,
    effect: quantileOfNonEmpty(canary, canaryTotal, 0.5) - quantileOfNonEmpty(baseline, baselineTotal, 0.5),
  };
}

/**
 * Means of a score (groundedness, model confidence): is the canary's mean LOWER than the baseline's?
 *
 * Welch's t-test from summary statistics: t = (mean_c − mean_b) / √(sd_c²/n_c + sd_b²/n_b) with the
 * Welch–Satterthwaite degrees of freedom, p = P(T_df ≤ t) from the t distribution's CDF (regularized
 * incomplete beta), so small samples get the t distribution's heavier tails, not a normal's.
 * When both standard deviations are 0 the difference is certain: p = 0 if the canary's mean is lower,
 * otherwise 1 (`statistic` is then omitted).
 * Throws INVALID_INPUT for n < 2 (or not an integer), a negative sd, or non-finite values.
 */
export function compareMeans(canary: ScoreSummary, baseline: ScoreSummary): TestResult {
  checkScoreSummary('canary', canary);
  checkScoreSummary('baseline', baseline);
  const test = 'Welch t (one-sided)';
  const effect = canary.mean - baseline.mean;
  const canaryVariance = (canary.sd * canary.sd) / canary.n;
  const baselineVariance = (baseline.sd * baseline.sd) / baseline.n;
  const variance = canaryVariance + baselineVariance;
  if (variance === 0) return { test, pValue: effect < 0 ? 0 : 1, effect };
  const t = effect / Math.sqrt(variance);
  // Welch–Satterthwaite, written with the canary's share of the variance so tiny variances don't
  // underflow when squared.
  const share = canaryVariance / variance;
  const degreesOfFreedom =
    1 / ((share * share) / (canary.n - 1) + ((1 - share) * (1 - share)) / (baseline.n - 1));
  return { test, statistic: t, pValue: studentTCdf(t, degreesOfFreedom), effect };
}

/**
 * Quantile q (0..1) of a histogram, interpolated linearly within its bucket, as Prometheus'
 * histogram_quantile: the first bucket starts at 0, and a quantile that falls in the `Infinity` bucket
 * is reported as the largest finite bound (a lower bound of the truth: say "≥" when showing it).
 * q = 0 gives the lower edge of the first non-empty bucket, q = 1 the upper edge of the last one.
 * Undefined when the histogram is empty. Throws INVALID_INPUT for a malformed histogram or q outside [0, 1].
 */
export function histogramQuantile(histogram: Histogram, q: number): number | undefined {
  checkHistogram('histogram', histogram);
  if (!(q >= 0 && q <= 1)) throw invalidInput(`quantile must be between 0 and 1, got ${q}`, { q });
  const total = sum(histogram.counts);
  return total === 0 ? undefined : quantileOfNonEmpty(histogram, total, q);
}

/**
 * The smallest number of requests in EACH arm for `compareProportions` to flag a rate increase of
 * `detectableIncrease` over `baselineRate` (one-sided level `alpha`, default 0.05) with probability
 * `power` (default 0.8). Fewer samples than this → "too few samples", never pass.
 *
 * Rule: the standard two-proportion sample size (Fleiss)
 *   n₀ = (z₁₋α · √(2 p̄ (1 − p̄)) + z_power · √(p₁(1 − p₁) + p₂(1 − p₂)))² / Δ²,  p̄ = (p₁ + p₂)/2,
 * with the Fleiss–Tytun–Ury continuity correction n = n₀/4 · (1 + √(1 + 4/(n₀ Δ)))², rounded up.
 * The correction is there because the test is Fisher's exact test, which is conservative: at the
 * uncorrected n₀ its exact power is only ~0.73–0.78 for the rates canaries see (checked in the tests);
 * at the corrected n it is ≥ 0.8.
 * Throws INVALID_INPUT unless 0 ≤ baselineRate < 1, 0 < detectableIncrease ≤ 1 − baselineRate,
 * 0 < alpha < 0.5 and 0.5 ≤ power < 1.
 */
export function minimumSamplesForRate(
  baselineRate: number,
  detectableIncrease: number,
  alpha = 0.05,
  power = 0.8,
): number {
  if (!(baselineRate >= 0 && baselineRate < 1))
    throw invalidInput(`baseline rate must be in [0, 1), got ${baselineRate}`, { baselineRate });
  if (!(detectableIncrease > 0 && baselineRate + detectableIncrease <= 1))
    throw invalidInput(
      `detectable increase must be > 0 and at most 1 − baseline rate (${1 - baselineRate}), got ${detectableIncrease}`,
      { baselineRate, detectableIncrease },
    );
  if (!(alpha > 0 && alpha < 0.5)) throw invalidInput(`alpha must be in (0, 0.5), got ${alpha}`, { alpha });
  if (!(power >= 0.5 && power < 1)) throw invalidInput(`power must be in [0.5, 1), got ${power}`, { power });
  const p1 = baselineRate;
  const p2 = baselineRate + detectableIncrease;
  const pooled = (p1 + p2) / 2;
  const spread =
    normalQuantile(1 - alpha) * Math.sqrt(2 * pooled * (1 - pooled)) +
    normalQuantile(power) * Math.sqrt(p1 * (1 - p1) + p2 * (1 - p2));
  const uncorrected = (spread * spread) / (detectableIncrease * detectableIncrease);
  const corrected = (uncorrected / 4) * (1 + Math.sqrt(1 + 4 / (uncorrected * detectableIncrease))) ** 2;
  return Math.ceil(corrected);
}

/**
 * P(X ≥ events) for X ~ Binomial(total, rate): the exact one-sided p-value that the true rate is above
 * `rate`, for checking a canary against an absolute limit rather than against the baseline (an error rate
 * over its SLO, more than 5% of requests slower than a p95 limit). Computed as I_rate(events, total − events + 1),
 * so tiny tails keep their relative accuracy.
 * Throws INVALID_INPUT for negative or non-integer counts, events > total, total = 0, or rate outside [0, 1].
 */
export function binomialUpperTail(events: number, total: number, rate: number): number {
  checkEventCounts('binomial', { events, total });
  if (!(rate >= 0 && rate <= 1)) throw invalidInput(`rate must be between 0 and 1, got ${rate}`, { rate });
  if (events === 0) return 1;
  return regularizedIncompleteBeta(rate, events, total - events + 1);
}

/**
 * Is a score's mean below an absolute floor (`eval_<score>_min`)? One-sample t-test, one-sided:
 * t = (mean − floor) / (sd/√n), p = P(T_{n−1} ≤ t); `effect` is mean − floor. With sd = 0 the answer is
 * certain: p = 0 when the mean is below the floor, otherwise 1 (`statistic` omitted).
 * Throws INVALID_INPUT for n < 2, a negative sd, or a non-finite mean or floor.
 */
export function meanBelow(summary: ScoreSummary, floor: number): TestResult {
  checkScoreSummary('canary', summary);
  if (!Number.isFinite(floor)) throw invalidInput(`floor must be a finite number, got ${floor}`, { floor });
  const test = 'one-sample t (one-sided)';
  const effect = summary.mean - floor;
  if (summary.sd === 0) return { test, pValue: effect < 0 ? 0 : 1, effect };
  const t = effect / (summary.sd / Math.sqrt(summary.n));
  return { test, statistic: t, pValue: studentTCdf(t, summary.n - 1), effect };
}

// ---------------------------------------------------------------------------------------------------
// Special functions. Exported for their tests; the package's public surface is what index.ts exports.

/** ln Γ(x) for x > 0 (Lanczos, g = 7, n = 9; reflection below 0.5). Relative error ~1e-15. */
export function logGamma(x: number): number {
  if (!(x > 0)) throw new RangeError(`logGamma needs x > 0, got ${x}`);
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  const shifted = x - 1;
  let series = lanczosCoefficients[0];
  for (let i = 1; i < lanczosCoefficients.length; i++)
    series += (lanczosCoefficients[i] ?? 0) / (shifted + i);
  const t = shifted + lanczosG + 0.5;
  return 0.5 * Math.log(2 * Math.PI) + (shifted + 0.5) * Math.log(t) - t + Math.log(series);
}

const lanczosG = 7;
const lanczosCoefficients = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
  12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
] as const;

/** Complementary error function, with full relative accuracy far into the tail (erfc(26) ≈ 5.7e-296). */
export function erfc(x: number): number {
  if (Number.isNaN(x)) return Number.NaN;
  const z = Math.abs(x);
  const z2 = z * z;
  let upper: number;
  if (z2 < 1.5) {
    // erf(z) = P(1/2, z²): the incomplete gamma series, all terms positive.
    //   erf(z) = 2/√π · z e^(−z²) · Σₙ (z²)ⁿ / ((3/2)(5/2)…(n + 1/2))
    let term = 1;
    let total = 1;
    for (let n = 1; n < 200 && term > total * 1e-17; n++) {
      term *= z2 / (n + 0.5);
      total += term;
    }
    upper = 1 - (2 / Math.sqrt(Math.PI)) * z * Math.exp(-z2) * total;
  } else {
    // erfc(z) = Q(1/2, z²): the incomplete gamma continued fraction (modified Lentz), which converges
    // fast for z² ≥ 1.5 and keeps relative accuracy however small the result.
    let b = z2 + 0.5;
    let c = 1 / tiny;
    let d = 1 / b;
    let fraction = d;
    for (let i = 1; i < 300; i++) {
      const a = -i * (i - 0.5);
      b += 2;
      d = a * d + b;
      if (Math.abs(d) < tiny) d = tiny;
      c = b + a / c;
      if (Math.abs(c) < tiny) c = tiny;
      d = 1 / d;
      const step = d * c;
      fraction *= step;
      if (Math.abs(step - 1) < 1e-16) break;
    }
    upper = (Math.exp(-z2) * z * fraction) / Math.sqrt(Math.PI);
  }
  return x >= 0 ? upper : 2 - upper;
}

/** Standard normal CDF Φ(x), accurate in both tails. */
export function normalCdf(x: number): number {
  return 0.5 * erfc(-x / Math.SQRT2);
}

/** 1 − Φ(z) without cancellation: the one-sided p-value of a z statistic. */
function normalUpperTail(z: number): number {
  return 0.5 * erfc(z / Math.SQRT2);
}

/** Standard normal quantile (Acklam's rational approximation, refined by one Halley step). */
export function normalQuantile(p: number): number {
  if (p <= 0) return Number.NEGATIVE_INFINITY;
  if (p >= 1) return Number.POSITIVE_INFINITY;
  const [a0, a1, a2, a3, a4, a5] = [
    -39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716,
    2.506628277459239,
  ] as const;
  const [b0, b1, b2, b3, b4] = [
    -54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572,
  ] as const;
  const [c0, c1, c2, c3, c4, c5] = [
    -0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968,
    2.938163982698783,
  ] as const;
  const [d0, d1, d2, d3] = [
    0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416,
  ] as const;
  const tail = (q: number): number =>
    (((((c0 * q + c1) * q + c2) * q + c3) * q + c4) * q + c5) / ((((d0 * q + d1) * q + d2) * q + d3) * q + 1);
  const low = 0.02425;
  let x: number;
  if (p < low) x = tail(Math.sqrt(-2 * Math.log(p)));
  else if (p <= 1 - low) {
    const q = p - 0.5;
    const r = q * q;
    x =
      ((((((a0 * r + a1) * r + a2) * r + a3) * r + a4) * r + a5) * q) /
      (((((b0 * r + b1) * r + b2) * r + b3) * r + b4) * r + 1);
  } else x = -tail(Math.sqrt(-2 * Math.log(1 - p)));
  const error = normalCdf(x) - p;
  const u = error * Math.sqrt(2 * Math.PI) * Math.exp((x * x) / 2);
  return x - u / (1 + (x * u) / 2);
}

/** Regularized incomplete beta I_x(a, b) for 0 ≤ x ≤ 1, a, b > 0. */
export function regularizedIncompleteBeta(x: number, a: number, b: number): number {
  if (!(x >= 0 && x <= 1)) throw new RangeError(`incomplete beta needs 0 ≤ x ≤ 1, got ${x}`);
  return incompleteBeta(x, 1 - x, a, b);
}

/** CDF of Student's t distribution with `degreesOfFreedom` > 0 (need not be an integer). */
export function studentTCdf(t: number, degreesOfFreedom: number): number {
  if (!(degreesOfFreedom > 0)) throw new RangeError(`t distribution needs df > 0, got ${degreesOfFreedom}`);
  if (Number.isNaN(t)) return Number.NaN;
  if (t === Number.POSITIVE_INFINITY) return 1;
  if (t === Number.NEGATIVE_INFINITY) return 0;
  // P(|T| > |t|) = I_x(df/2, 1/2) with x = df/(df + t²). 1 − x is computed directly (t²/(df + t²)), not
  // by subtraction, so small |t| keeps its precision.
  const t2 = t * t;
  const tail =
    0.5 *
    incompleteBeta(
      degreesOfFreedom / (degreesOfFreedom + t2),
      t2 / (degreesOfFreedom + t2),
      degreesOfFreedom / 2,
      0.5,
    );
  return t < 0 ? tail : 1 - tail;
}

/** Guards Lentz's algorithm against division by zero. */
const tiny = 1e-300;

/** I_x(a, b) given both x and y = 1 − x (so the caller can compute the smaller one without cancellation). */
function incompleteBeta(x: number, y: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (y <= 0) return 1;
  const front = Math.exp(a * Math.log(x) + b * Math.log(y) - logGamma(a) - logGamma(b) + logGamma(a + b));
  // The continued fraction converges fast for x < (a + 1)/(a + b + 2); on the other side use the symmetry
  // I_x(a, b) = 1 − I_{1−x}(b, a). The side that is computed directly is the small tail, so tails keep
  // their relative accuracy.
  if (x < (a + 1) / (a + b + 2)) return (front * betaContinuedFraction(x, a, b)) / a;
  return 1 - (front * betaContinuedFraction(y, b, a)) / b;
}

/** The continued fraction for I_x(a, b) (Numerical Recipes' betacf, modified Lentz). */
function betaContinuedFraction(x: number, a: number, b: number): number {
  // Iterations needed grow like √max(a, b); the allowance is generous, and running out is a bug.
  const maxIterations = 1000 + 20 * Math.ceil(Math.sqrt(Math.max(a, b)));
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let fraction = d;
  for (let m = 1; m <= maxIterations; m++) {
    const m2 = 2 * m;
    // Even step.
    let coefficient = (m * (b - m) * x) / ((a + m2 - 1) * (a + m2));
    d = 1 + coefficient * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + coefficient / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    fraction *= d * c;
    // Odd step.
    coefficient = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1));
    d = 1 + coefficient * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + coefficient / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const step = d * c;
    fraction *= step;
    if (Math.abs(step - 1) < 1e-15) return fraction;
  }
  throw new Error(`incomplete beta continued fraction did not converge (x = ${x}, a = ${a}, b = ${b})`);
}

function logChoose(n: number, k: number): number {
  return logGamma(n + 1) - logGamma(k + 1) - logGamma(n - k + 1);
}

/**
 * P(X ≥ observed) for X hypergeometric: `draws` taken without replacement from `population` items of
 * which `successes` are marked. Sums whichever tail lies beyond the mode (terms fall monotonically
 * there, so the sum can stop when they stop mattering), taking the complement when that is the lower tail.
 */
function hypergeometricUpperTail(counts: {
  observed: number;
  draws: number;
  successes: number;
  population: number;
}): number {
  const { observed, draws, successes, population } = counts;
  const failures = population - successes;
  const lowest = Math.max(0, draws - failures);
  const highest = Math.min(draws, successes);
  if (observed <= lowest) return 1;
  if (observed > highest) return 0;
  const logDenominator = logChoose(population, draws);
  const pmf = (x: number): number =>
    Math.exp(logChoose(successes, x) + logChoose(failures, draws - x) - logDenominator);
  const mode = Math.floor(((successes + 1) * (draws + 1)) / (population + 2));
  let total = 0;
  if (observed > mode) {
    let term = pmf(observed);
    for (let x = observed; x <= highest && term > total * 1e-17; x++) {
      total += term;
      term *= ((successes - x) * (draws - x)) / ((x + 1) * (failures - draws + x + 1));
    }
    return Math.min(1, total);
  }
  let term = pmf(observed - 1);
  for (let x = observed - 1; x >= lowest && term > total * 1e-17; x--) {
    total += term;
    term *= (x * (failures - draws + x)) / ((successes - x + 1) * (draws - x + 1));
  }
  return Math.max(0, 1 - total);
}

/** Quantile of a validated histogram with `total` > 0 observations. */
function quantileOfNonEmpty(histogram: Histogram, total: number, q: number): number {
  const rank = q * total;
  let before = 0;
  for (let index = 0; index < histogram.counts.length; index++) {
    const count = histogram.counts[index] ?? 0;
    const upper = histogram.bounds[index] ?? Number.NaN;
    if (count > 0 && before + count >= rank) {
      // Validation guarantees the first bound is finite, so an Infinity bucket always has a predecessor.
      if (upper === Number.POSITIVE_INFINITY) return histogram.bounds[index - 1] ?? Number.NaN;
      const lower = index === 0 ? Math.min(0, upper) : (histogram.bounds[index - 1] ?? Number.NaN);
      return lower + ((upper - lower) * (rank - before)) / count;
    }
    before += count;
  }
  // Unreachable for total > 0: the last non-empty bucket reaches rank ≤ total.
  throw new Error('histogram quantile: rank beyond the last bucket');
}

function sum(values: readonly number[]): number {
  let total = 0;
  for (const value of values) total += value;
  return total;
}

function invalidInput(message: string, context: Record<string, unknown>): AirlockError {
  return new AirlockError('INVALID_INPUT', message, { context });
}

function checkCount(arm: string, name: string, value: number): void {
  if (!(Number.isSafeInteger(value) && value >= 0))
    throw invalidInput(`${arm}: ${name} must be a whole number ≥ 0, got ${value}`, { arm, [name]: value });
}

function checkEventCounts(arm: string, counts: EventCounts): void {
  checkCount(arm, 'events', counts.events);
  checkCount(arm, 'total', counts.total);
  if (counts.events > counts.total)
    throw invalidInput(`${arm}: events (${counts.events}) exceed total (${counts.total})`, {
      arm,
      ...counts,
    });
  if (counts.total === 0)
    throw invalidInput(`${arm}: total is 0, nothing to compare (check sample sizes before comparing)`, {
      arm,
      ...counts,
    });
}

function checkHistogram(name: string, histogram: Histogram): void {
  const { bounds, counts } = histogram;
  if (bounds.length === 0) throw invalidInput(`${name}: histogram has no buckets`, { name });
  if (bounds.length !== counts.length)
    throw invalidInput(`${name}: ${bounds.length} bucket bounds but ${counts.length} counts`, {
      name,
      bounds: bounds.length,
      counts: counts.length,
    });
  for (let index = 0; index < bounds.length; index++) {
    const bound = bounds[index] ?? Number.NaN;
    const last = index === bounds.length - 1;
    if (!(Number.isFinite(bound) || (last && index > 0 && bound === Number.POSITIVE_INFINITY)))
      throw invalidInput(
        `${name}: bucket bound ${index} is ${bound}; bounds must be finite numbers, except a last Infinity after a finite one`,
        { name, index, bound },
      );
    const previous = bounds[index - 1];
    if (previous !== undefined && !(bound > previous))
      throw invalidInput(
        `${name}: bucket bounds must increase, but bound ${index} (${bound}) ≤ ${previous}`,
        {
          name,
          index,
          bound,
          previous,
        },
      );
    checkCount(name, `counts[${index}]`, counts[index] ?? Number.NaN);
  }
}

function checkScoreSummary(arm: string, summary: ScoreSummary): void {
  if (!(Number.isSafeInteger(summary.n) && summary.n >= 2))
    throw invalidInput(`${arm}: n must be a whole number ≥ 2 for a t-test, got ${summary.n}`, {
      arm,
      ...summary,
    });
  if (!Number.isFinite(summary.mean))
    throw invalidInput(`${arm}: mean must be a finite number, got ${summary.mean}`, { arm, ...summary });
  if (!(Number.isFinite(summary.sd) && summary.sd >= 0))
    throw invalidInput(`${arm}: sd must be a finite number ≥ 0, got ${summary.sd}`, { arm, ...summary });
}
