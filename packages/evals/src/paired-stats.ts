// Paired comparison of a candidate eval run against a baseline run: is a pass-rate drop real or noise?
// Pure: no I/O. Method and its justification: docs/eval-gate-statistics.md.
//
// Every case appears in both runs, so the comparison works on per-case differences
// d_i = candidate_i - baseline_i. A case that passed (or failed) in both runs says nothing about the
// change; only discordant cases (McNemar's b and c) carry information. Cases are fixed and the
// randomness is the model's sampling noise, so under "no change" baseline and candidate outcomes
// of a case are exchangeable and d_i is symmetric about 0. That gives:
//   - the p-value: an exact sign-flip (randomization) test on the weighted d_i. With 0/1 outcomes and
//     equal weights it is exactly the one-sided exact McNemar (binomial) test.
//   - the interval: Tango's score interval for a paired difference of proportions, which stays
//     sensible with few cases and with zero discordant pairs (it is Wilson-like there). Weighted or
//     fractional (--repeat) data are first mapped to the paired-binary sample with the same mean
//     difference, mean absolute difference and sign-flip variance (for 0/1, equal weights: the data).
//   - the minimum detectable drop: a normal power calculation that assumes a drop brings its own
//     discordant cases on top of the noise already observed.

/** One case present in both runs: its pass fraction in each (passes ÷ repetitions, so 0 or 1 without --repeat). */
export interface PairedCase {
  caseId: string;
  baseline: number;
  candidate: number;
  weight: number;
}

export interface PairedComparison {
  pairs: number;
  /** Weighted mean of baseline fractions over the paired cases. */
  baselineRate: number;
  candidateRate: number;
  /** candidateRate - baselineRate (negative = drop). */
  difference: number;
  standardError: number;
  /** e.g. 0.95 */
  confidence: number;
  /** Two-sided interval of the difference at `confidence`. */
  interval: [number, number];
  /** One-sided, H1: candidate worse than baseline (difference < 0). */
  pValue: number;
  /** Cases whose fraction went down. */
  regressed: number;
  improved: number;
  unchanged: number;
  /** Human-readable name of the test and interval used. */
  method: string;
  /** Smallest drop this suite detects with `power` (default 0.8) at alpha = 1 - confidence (one-sided). */
  minimumDetectableDrop: number;
}

export interface PairedOptions {
  confidence?: number;
  power?: number;
}

export type RegressionPolicy = 'point' | 'significant';

export interface RegressionVerdict {
  blocks: boolean;
  /** The suite cannot detect a drop of the limit's size with the requested power. */
  underpowered: boolean;
  /** One or two sentences for a PR comment, with numbers (percentage points, CI, p-value). */
  explanation: string;
}

/** Differences smaller than this count as "unchanged" (fractions are ratios of small integers). */
const tie = 1e-9;
/** Above this many DP cells the sign-flip distribution is approximated by a normal. */
const maxExactCells = 20_000_000;
/** Largest common denominator tried when putting weight × difference on an integer lattice. */
const maxLatticeScale = 2520;

export function comparePaired(cases: readonly PairedCase[], options: PairedOptions = {}): PairedComparison {
  const confidence = options.confidence ?? 0.95;
  const power = options.power ?? 0.8;
  if (!(confidence > 0 && confidence < 1))
    throw new RangeError(`confidence must be in (0, 1), got ${confidence}`);
  if (!(power > 0 && power < 1)) throw new RangeError(`power must be in (0, 1), got ${power}`);

  let totalWeight = 0;
  let regressed = 0;
  let improved = 0;
  for (const c of cases) {
    for (const [name, value] of [
      ['baseline', c.baseline],
      ['candidate', c.candidate],
    ] as const) {
      if (!(value >= 0 && value <= 1))
        throw new RangeError(`case ${c.caseId}: ${name} fraction ${value} is not in [0, 1]`);
    }
    if (!(c.weight >= 0 && Number.isFinite(c.weight)))
      throw new RangeError(`case ${c.caseId}: weight ${c.weight} is invalid`);
    totalWeight += c.weight;
    const d = c.candidate - c.baseline;
    if (d < -tie) regressed++;
    else if (d > tie) improved++;
  }
  const unchanged = cases.length - regressed - improved;

  if (cases.length === 0 || totalWeight <= 0) {
    return {
      pairs: cases.length,
      baselineRate: 0,
      candidateRate: 0,
      difference: 0,
      standardError: 0,
      confidence,
      interval: [-1, 1],
      pValue: 1,
      regressed,
      improved,
      unchanged,
      method: 'no weighted paired cases: nothing to compare',
      minimumDetectableDrop: 1,
    };
  }

  // Normalised weights a_i = w_i / Σw. Everything below is a weighted mean of per-case quantities.
  let baselineSum = 0;
  let candidateSum = 0;
  let up = 0; // Σ a_i max(d_i, 0): weighted share of improvement (binary: share of improved cases)
  let down = 0; // Σ a_i max(-d_i, 0)
  let sumSquaredWeights = 0; // Σ a_i²
  let upVariance = 0; // Σ a_i² d_i² over improved cases
  let downVariance = 0; // … over regressed cases
  let binary = true;
  let equalWeights = true;
  const firstWeight = cases[0]?.weight ?? 0;
  for (const c of cases) {
    const a = c.weight / totalWeight;
    const d = Math.abs(c.candidate - c.baseline) <= tie ? 0 : c.candidate - c.baseline;
    baselineSum += c.weight * c.baseline;
    candidateSum += c.weight * c.candidate;
    if (d > 0) {
      up += a * d;
      upVariance += a * a * d * d;
    } else if (d < 0) {
      down -= a * d;
      downVariance += a * a * d * d;
    }
    sumSquaredWeights += a * a;
    if (!isZeroOrOne(c.baseline) || !isZeroOrOne(c.candidate)) binary = false;
    if (c.weight !== firstWeight) equalWeights = false;
  }
  const baselineRate = baselineSum / totalWeight;
  const candidateRate = candidateSum / totalWeight;
  const difference = candidateRate - baselineRate; // = up - down, with less rounding
  // Σ a_i² d_i²: the variance of the weighted difference given the |d_i|, under "no change".
  const signFlipVariance = upVariance + downVariance;
  const effectiveCases = 1 / sumSquaredWeights; // Kish's effective sample size

  // The equivalent paired-binary sample (m pairs, u improved, v regressed): same mean difference
  // (u - v)/m, same mean absolute difference (u + v)/m and same sign-flip variance (u + v)/m².
  // For 0/1 outcomes with equal weights that is exactly (cases, improved, regressed). Fractions from
  // --repeat have |d| > d², so m grows above the number of cases: repeats buy precision. With no
  // discordance at all, m is the effective number of cases and u = v = 0.
  const discordance = up + down;
  const pairsEquivalent = discordance > 0 ? discordance / signFlipVariance : effectiveCases;
  const sample = { m: pairsEquivalent, u: up * pairsEquivalent, v: down * pairsEquivalent };

  const standardError = Math.sqrt(Math.max(signFlipVariance - (difference * difference) / sample.m, 0));
  const interval = tangoInterval(sample, difference, normalQuantile(1 - (1 - confidence) / 2));

  // The test statistic is Σ w_i d_i over the discordant cases, in units of their smallest weight
  // (so equal weights of any size give the same lattice as weight 1).
  const discordant = cases.filter((c) => Math.abs(c.candidate - c.baseline) > tie && c.weight > 0);
  const unit = discordant.reduce((smallest, c) => Math.min(smallest, c.weight), Number.POSITIVE_INFINITY);
  const values = discordant.map((c) => (c.weight / unit) * (c.candidate - c.baseline));
  const observed = values.reduce((sum, x) => sum + x, 0);
  const test = signFlipPValue(values, observed);

  const alpha = 1 - confidence;
  // The suite's noise is the discordance that cancels out: as much regression as there is
  // improvement (and vice versa). Discordance beyond that mirror image is a real change, and counting
  // it as noise would make a suite that just caught a real drop look less sensitive than it is.
  const minimumDetectableDrop = detectableDrop(
    2 * Math.min(upVariance, downVariance),
    effectiveCases,
    normalQuantile(1 - alpha),
    normalQuantile(power),
  );

  const outcomes = binary ? '0/1 outcomes' : 'pass fractions';
  const weighting = equalWeights ? 'equal weights' : 'case weights';
  const testName = test.exact
    ? binary && equalWeights
      ? 'exact McNemar test (one-sided binomial on discordant cases)'
      : 'exact sign-flip test on weighted per-case differences'
    : 'sign-flip test on weighted per-case differences (normal approximation)';
  const method = `paired, ${outcomes}, ${weighting}: ${testName}; Tango score interval${
    binary && equalWeights ? '' : ' on the equivalent paired-binary sample'
  }`;

  return {
    pairs: cases.length,
    baselineRate,
    candidateRate,
    difference,
    standardError,
    confidence,
    interval,
    pValue: test.pValue,
    regressed,
    improved,
    unchanged,
    method,
    minimumDetectableDrop,
  };
}

/**
 * `point`: block when the observed drop exceeds `limit`. `significant`: block only when the drop
 * exceeds `limit` AND is statistically significant (one-sided p < 1 - confidence).
 */
export function regressionVerdict(
  comparison: PairedComparison,
  limit: number,
  policy: RegressionPolicy,
): RegressionVerdict {
  if (!(limit >= 0 && Number.isFinite(limit)))
    throw new RangeError(`limit must be a finite number ≥ 0, got ${limit}`);
  const drop = -comparison.difference;
  const exceeds = drop > limit + tie;
  const alpha = 1 - comparison.confidence;
  const significant = comparison.pValue < alpha;
  const blocks = policy === 'point' ? exceeds : exceeds && significant;
  const underpowered = comparison.minimumDetectableDrop > limit + tie;

  const [low, high] = comparison.interval;
  const change =
    comparison.difference < 0
      ? `fell ${points(drop)} points`
      : comparison.difference > 0
        ? `rose ${points(comparison.difference)} points`
        : 'did not change';
  const facts =
    `Pass rate ${change} (${percent(comparison.baselineRate)} → ${percent(comparison.candidateRate)}, ` +
    `${percent(comparison.confidence, 0)} CI ${signedPoints(low)} to ${signedPoints(high)} points, ` +
    `one-sided ${formatP(comparison.pValue)}) over ${comparison.pairs} paired cases: ` +
    `${comparison.regressed} regressed, ${comparison.improved} improved.`;

  const limitText = `the ${points(limit)}-point limit`;
  const alphaText = `p < ${round(alpha, 3)}`;
  let outcome: string;
  if (!exceeds) outcome = `That is within ${limitText}, so the gate passes`;
  else if (policy === 'point')
    outcome = significant
      ? `The drop exceeds ${limitText} and is significant (${alphaText}), so the gate blocks`
      : `The drop exceeds ${limitText}, so the gate blocks (policy "point"), although it is not significant at ${alphaText} and may be noise`;
  else
    outcome = significant
      ? `The drop exceeds ${limitText} and is significant (${alphaText}), so the gate blocks`
      : `The drop exceeds ${limitText} but is not significant at ${alphaText}, so it is treated as noise and the gate passes`;
  if (underpowered)
    outcome += `; note this suite reliably detects only drops of about ${points(comparison.minimumDetectableDrop)} points or more, so add cases or use --repeat to enforce the limit`;

  return { blocks, underpowered, explanation: `${facts} ${outcome}.` };
}

/** Standard normal CDF. */
export function normalCdf(x: number): number {
  if (x === Number.POSITIVE_INFINITY) return 1;
  if (x === Number.NEGATIVE_INFINITY) return 0;
  return 0.5 * erfc(-x / Math.SQRT2);
}

/** Standard normal quantile (Acklam's rational approximation, refined by one Halley step). */
export function normalQuantile(p: number): number {
  if (p <= 0) return Number.NEGATIVE_INFINITY;
  if (p >= 1) return Number.POSITIVE_INFINITY;
  const a = [
    -39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716,
    2.506628277459239,
  ];
  const b = [
    -54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572,
  ];
  const c = [
    -0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968,
    2.938163982698783,
  ];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const [a0, a1, a2, a3, a4, a5] = a as [number, number, number, number, number, number];
  const [b0, b1, b2, b3, b4] = b as [number, number, number, number, number];
  const [c0, c1, c2, c3, c4, c5] = c as [number, number, number, number, number, number];
  const [d0, d1, d2, d3] = d as [number, number, number, number];
  const low = 0.02425;
  let x: number;
  if (p < low) {
    const q = Math.sqrt(-2 * Math.log(p));
    x =
      (((((c0 * q + c1) * q + c2) * q + c3) * q + c4) * q + c5) /
      ((((d0 * q + d1) * q + d2) * q + d3) * q + 1);
  } else if (p <= 1 - low) {
    const q = p - 0.5;
    const r = q * q;
    x =
      ((((((a0 * r + a1) * r + a2) * r + a3) * r + a4) * r + a5) * q) /
      (((((b0 * r + b1) * r + b2) * r + b3) * r + b4) * r + 1);
  } else {
    const q = Math.sqrt(-2 * Math.log(1 - p));
    x =
      -(((((c0 * q + c1) * q + c2) * q + c3) * q + c4) * q + c5) /
      ((((d0 * q + d1) * q + d2) * q + d3) * q + 1);
  }
  const e = normalCdf(x) - p;
  const u = e * Math.sqrt(2 * Math.PI) * Math.exp((x * x) / 2);
  return x - u / (1 + (x * u) / 2);
}

/** Complementary error function (Numerical Recipes' Chebyshev fit, relative error < 1.2e-7). */
function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r =
    t *
    Math.exp(
      -z * z -
        1.26551223 +
        t *
          (1.00002368 +
            t *
              (0.37409196 +
                t *
                  (0.09678418 +
                    t *
                      (-0.18628806 +
                        t *
                          (0.27886807 +
                            t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? r : 2 - r;
}

function isZeroOrOne(x: number): boolean {
  return x === 0 || x === 1;
}

interface PairedBinarySample {
  /** Pairs. */
  m: number;
  /** Improved: candidate passes, baseline fails. */
  u: number;
  /** Regressed: baseline passes, candidate fails. */
  v: number;
}

/**
 * Variance of the observed difference (u - v)/m when the true difference is `delta`, with the
 * regression probability q at its maximum-likelihood value under that constraint (Tango 1998):
 * the multinomial (improved q + delta, regressed q, unchanged 1 - 2q - delta) maximised over q
 * solves 2m q² - B q - C = 0 with B = u(1 + delta) + v(1 - delta) - 2m delta, C = v delta (1 - delta).
 */
function restrictedVariance({ m, u, v }: PairedBinarySample, delta: number): number {
  const b = u * (1 + delta) + v * (1 - delta) - 2 * m * delta;
  const c = v * delta * (1 - delta);
  const q = Math.max((b + Math.sqrt(Math.max(b * b + 8 * m * c, 0))) / (4 * m), Math.max(0, -delta));
  return Math.max((2 * q + delta - delta * delta) / m, 0);
}

/** Tango's score interval: every delta whose score statistic |D - delta| / sqrt(V(delta)) stays ≤ z. */
function tangoInterval(sample: PairedBinarySample, difference: number, z: number): [number, number] {
  // g(delta) > 0 means delta lies outside the interval on the side of `toward`.
  const outside = (delta: number): boolean => {
    const variance = restrictedVariance(sample, delta);
    const gap = Math.abs(difference - delta);
    if (variance <= 0) return gap > 0;
    return gap / Math.sqrt(variance) > z;
  };
  const bound = (toward: -1 | 1): number => {
    if (Math.abs(toward - difference) <= tie || !outside(toward)) return toward;
    let inside = difference;
    let out: number = toward;
    for (let i = 0; i < 64; i++) {
      const middle = (inside + out) / 2;
      if (outside(middle)) out = middle;
      else inside = middle;
    }
    return inside;
  };
  return [bound(-1), bound(1)];
}

/**
 * One-sided p-value P(S* ≤ S) for S = Σ w_i d_i, where S* flips the sign of each nonzero term with
 * probability 1/2 (exchangeable baseline and candidate outcomes under "no change"). Exact by dynamic
 * programming when the terms sit on an integer lattice (equal or integer weights, fractions of a
 * small number of repetitions); otherwise a normal approximation with the exact variance Σ (w_i d_i)².
 */
function signFlipPValue(values: readonly number[], observed: number): { pValue: number; exact: boolean } {
  if (values.length === 0) return { pValue: 1, exact: true };
  const integers = onLattice(values);
  if (integers) {
    // S* = 2T - K with T the sum of the terms that come out positive; S ≤ S* ⇔ T ≤ (sum of positive terms).
    const total = integers.reduce((sum, k) => sum + Math.abs(k), 0);
    if (total * integers.length <= maxExactCells) {
      const threshold = integers.reduce((sum, k) => sum + Math.max(k, 0), 0);
      const distribution = new Float64Array(total + 1);
      distribution[0] = 1;
      let reach = 0;
      for (const k of integers) {
        const size = Math.abs(k);
        for (let s = reach; s >= 0; s--) {
          const p = (distribution[s] ?? 0) / 2;
          distribution[s] = p;
          distribution[s + size] = (distribution[s + size] ?? 0) + p;
        }
        reach += size;
      }
      let p = 0;
      for (let s = 0; s <= threshold; s++) p += distribution[s] ?? 0;
      return { pValue: Math.min(1, p), exact: true };
    }
  }
  const variance = values.reduce((sum, x) => sum + x * x, 0);
  return { pValue: normalCdf(observed / Math.sqrt(variance)), exact: false };
}

/** The values as integers after one common scaling, if a small scale puts them all on integers. */
function onLattice(values: readonly number[]): number[] | undefined {
  for (let scale = 1; scale <= maxLatticeScale; scale++) {
    const integers: number[] = [];
    for (const x of values) {
      const k = Math.round(x * scale);
      if (Math.abs(x * scale - k) > 1e-9 * Math.max(1, Math.abs(k))) break;
      integers.push(k);
    }
    if (integers.length === values.length) {
      // Equal weights of 100 are the same lattice as weights of 1, with 100× fewer DP cells.
      const divisor = integers.reduce((g, k) => greatestCommonDivisor(g, Math.abs(k)), 0);
      return divisor > 1 ? integers.map((k) => k / divisor) : integers;
    }
  }
  return undefined;
}

function greatestCommonDivisor(a: number, b: number): number {
  let [x, y] = [a, b];
  while (y !== 0) [x, y] = [y, x % y];
  return x;
}

/**
 * The smallest drop Δ that the one-sided test at level alpha detects with the given power:
 *   Δ = z_alpha · sqrt(V0(Δ)) + z_power · sqrt(V1(Δ)).
 * V0 is the variance the sign-flip test will use when a drop of Δ is present, V1 the actual variance
 * of the observed difference then. Conservative assumption: the drop is made of cases that newly flip
 * from pass to fail (they add discordance Δ spread over typical cases, variance Δ/n_eff) on top of
 * the noise already seen (`noiseVariance`, the sign-flip variance of the balanced part of the
 * observed discordance). A drop that instead lowers the pass probability of flaky cases adds less
 * discordance, so is detected at least as well. So even a run pair with no
 * discordant cases at all gets a finite, honest answer (about (z_alpha + z_power)²/n for n equal
 * cases: ~0.31 for 20 cases, ~0.03 for 200 at alpha 0.05 and power 0.8), never 0.
 * Capped at 1 (the suite cannot reliably detect even a total collapse).
 */
function detectableDrop(
  noiseVariance: number,
  effectiveCases: number,
  zAlpha: number,
  zPower: number,
): number {
  const shortfall = (drop: number): number =>
    drop -
    zAlpha * Math.sqrt(noiseVariance + drop / effectiveCases) -
    zPower * Math.sqrt(Math.max(noiseVariance + (drop - drop * drop) / effectiveCases, 0));
  // shortfall is convex with shortfall(0) ≤ 0, so it crosses zero once.
  if (shortfall(1) <= 0) return 1;
  let low = 0;
  let high = 1;
  for (let i = 0; i < 64; i++) {
    const middle = (low + high) / 2;
    if (shortfall(middle) > 0) high = middle;
    else low = middle;
  }
  return high;
}

function points(fraction: number): string {
  return (fraction * 100).toFixed(1);
}

function signedPoints(fraction: number): string {
  const value = fraction * 100;
  return `${value > 0 ? '+' : ''}${value.toFixed(1)}`;
}

function percent(fraction: number, digits = 1): string {
  return `${(fraction * 100).toFixed(digits)}%`;
}

function round(x: number, digits: number): number {
  return Number(x.toFixed(digits));
}

function formatP(p: number): string {
  if (p < 0.001) return 'p < 0.001';
  return `p = ${p.toFixed(p < 0.01 ? 4 : 3)}`;
}
