/**
 * Jensen–Shannon distance between two label distributions given as counts: the square root of
 * the Jensen–Shannon divergence with natural logarithms, as `scipy.spatial.distance.jensenshannon`
 * defines it. It is symmetric, finite and between 0 and sqrt(ln 2) ≈ 0.8326, also when a label
 * appears on one side only.
 *
 * (Seed 003's script calls `sqrt(KL(current‖reference) / 2)` Jensen–Shannon; that is not
 * symmetric and is infinite when the reference lacks a label. This is the real thing.)
 */
export function jensenShannonDistance(
  current: Record<string, number>,
  reference: Record<string, number>,
): number {
  const labels = [...new Set([...Object.keys(current), ...Object.keys(reference)])];
  const total = (counts: Record<string, number>) =>
    labels.reduce((sum, label) => sum + (counts[label] ?? 0), 0);
  const currentTotal = total(current);
  const referenceTotal = total(reference);
  if (currentTotal === 0 || referenceTotal === 0) {
    throw new RangeError('a label distribution needs at least one labelled row on each side');
  }
  let divergence = 0;
  for (const label of labels) {
    const p = (current[label] ?? 0) / currentTotal;
    const q = (reference[label] ?? 0) / referenceTotal;
    const m = (p + q) / 2;
    if (p > 0) divergence += 0.5 * p * Math.log(p / m);
    if (q > 0) divergence += 0.5 * q * Math.log(q / m);
  }
  // Rounding can leave a tiny negative divergence for identical distributions.
  return Math.sqrt(Math.max(0, divergence));
}
