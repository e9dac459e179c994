// Sticky traffic assignment: which units (users, accounts, sessions) get a release at a stage's traffic
// share, and which A/B variant each one sees. Pure: the only dependency is SHA-256 from node:crypto.
// The algorithm is specified byte for byte in docs/assignment.md; any change here that moves a single
// unit's bucket is a new algorithm version, never an edit of v1.
import { hash } from 'node:crypto';
import { AirlockError } from '@airlock/core';

/**
 * The name and version of the bucketing algorithm. It is the first field of every hashed input, so a
 * new version reshuffles every unit: never change it during a rollout.
 */
export const assignmentAlgorithm = 'airlock-assign/v1';

/** Buckets per decision layer. 10,000 buckets give traffic shares a granularity of 0.01%. */
export const bucketCount = 10_000;

/** The layer that decides who gets a release; each experiment's variants use `variant:<experiment>`. */
const rolloutLayer = 'rollout';

/** Unit ids are user, account or session ids: anything longer is a caller passing the wrong value. */
const maxUnitIdLength = 512;

// The 64-bit hash prefix is reduced from its two 32-bit halves: (hi·2^32 + lo) mod n
// = ((hi mod n)·(2^32 mod n) + lo) mod n, and every intermediate stays below 2^53, so plain numbers are
// exact and the hot path needs no BigInt.
const twoTo32ModBucketCount = 2 ** 32 % bucketCount;

// A stage share is read to two decimals; this tolerance (a millionth of a bucket) accepts the noise of
// computed values such as 0.1 + 0.2 while still refusing a third decimal (at least 0.1 bucket off).
const percentTolerance = 1e-6;

/**
 * The bucket (0 to 9,999) of a unit in one decision layer of a feature: the first 8 bytes of
 * SHA-256(`airlock-assign/v1` NUL layer NUL feature NUL unitId), as a big-endian unsigned integer,
 * modulo 10,000. The same inputs give the same bucket in every process and every language port.
 */
export function bucketOf(layer: string, feature: string, unitId: string): number {
  checkName('layer', layer);
  checkName('feature', feature);
  checkUnitId(unitId);
  return bucketOfChecked(layer, feature, unitId);
}

/**
 * Whether a unit is in the rollout at `trafficPct` (0.01–100, at most two decimals): exactly the units
 * whose rollout bucket is below `trafficPct × 100`, so a unit in the 1% cohort is also in the 10% and
 * 50% cohorts.
 */
export function inRollout(feature: string, unitId: string, trafficPct: number): boolean {
  const cohortBuckets = cohortBucketsOf(trafficPct);
  checkName('feature', feature);
  checkUnitId(unitId);
  return bucketOfChecked(rolloutLayer, feature, unitId) < cohortBuckets;
}

/** One variant of an A/B experiment. Weights are positive; a variant's share is its weight over their sum. */
export interface Variant {
  name: string;
  weight: number;
}

/**
 * The variant of an experiment for a unit: contiguous bucket ranges in the listed order, sized by weight.
 * Variant k ends (exclusively) at bucket round(10,000 × (w₁ + … + w_k) / total), rounding halves up, and
 * the last one ends at 10,000. The layer is `variant:<experiment>`, independent of the rollout layer.
 */
export function variantOf(
  feature: string,
  experiment: string,
  unitId: string,
  variants: readonly Variant[],
): string {
  checkName('experiment', experiment);
  const boundaries = variantBoundaries(variants);
  checkName('feature', feature);
  checkUnitId(unitId);
  return variantAt(variants, boundaries, bucketOfChecked(variantLayer(experiment), feature, unitId)).name;
}

/** A unit's assignment for one feature at one stage, as the API and the CLI report it. */
export interface Assignment {
  /** Always `assignmentAlgorithm`, so a stored assignment says which algorithm produced it. */
  algorithm: string;
  feature: string;
  unitId: string;
  /** The unit's bucket in the rollout layer (0–9,999). */
  rolloutBucket: number;
  /** Whether the unit gets the release at `stageTrafficPct`: `rolloutBucket < stageTrafficPct × 100`. */
  inRollout: boolean;
  stageTrafficPct: number;
  /** The unit's variant when an experiment was given, whether or not the unit is in the rollout. */
  variant?: string;
  /** The unit's bucket in the experiment's variant layer (0–9,999), when an experiment was given. */
  variantBucket?: number;
}

/**
 * One call for the API/CLI: the unit's rollout bucket and whether it gets the release at this traffic
 * share, and its variant if an experiment is given. The variant is reported for every unit (it is
 * sticky and independent of the rollout); serving it only to units in the rollout is the caller's choice.
 */
export function assign(input: {
  feature: string;
  unitId: string;
  trafficPct: number;
  experiment?: { name: string; variants: readonly Variant[] };
}): Assignment {
  const { feature, unitId, trafficPct, experiment } = input;
  const cohortBuckets = cohortBucketsOf(trafficPct);
  checkName('feature', feature);
  checkUnitId(unitId);
  const rolloutBucket = bucketOfChecked(rolloutLayer, feature, unitId);
  const assignment: Assignment = {
    algorithm: assignmentAlgorithm,
    feature,
    unitId,
    rolloutBucket,
    inRollout: rolloutBucket < cohortBuckets,
    stageTrafficPct: trafficPct,
  };
  if (experiment === undefined) return assignment;
  checkName('experiment', experiment.name);
  const boundaries = variantBoundaries(experiment.variants);
  const variantBucket = bucketOfChecked(variantLayer(experiment.name), feature, unitId);
  assignment.variant = variantAt(experiment.variants, boundaries, variantBucket).name;
  assignment.variantBucket = variantBucket;
  return assignment;
}

/**
 * The published test vectors (docs/assignment.md lists the same ones), so other languages can check
 * their port. They cover both kinds of layer, non-ASCII ids in both Unicode normal forms (ids are
 * hashed as given, never normalized), ids with spaces, the longest accepted id, and hash prefixes with
 * the top bit set (a port reading them as signed 64-bit integers gets those wrong).
 */
export const assignmentTestVectors: readonly {
  layer: string;
  feature: string;
  unitId: string;
  bucket: number;
}[] = [
  { layer: 'rollout', feature: 'checkout', unitId: 'user-1', bucket: 8891 },
  { layer: 'rollout', feature: 'checkout', unitId: 'user-2', bucket: 204 },
  { layer: 'rollout', feature: 'checkout', unitId: 'user-3', bucket: 1530 },
  { layer: 'rollout', feature: 'search-ranking', unitId: 'user-1', bucket: 8679 },
  { layer: 'variant:button-color', feature: 'checkout', unitId: 'user-1', bucket: 6190 },
  { layer: 'variant:prompt-v4', feature: 'support-bot', unitId: 'account-8421', bucket: 9401 },
  // "zoë" precomposed (NFC) and decomposed (NFD): different bytes, different buckets.
  { layer: 'rollout', feature: 'checkout', unitId: 'zo\u00eb', bucket: 1402 },
  { layer: 'rollout', feature: 'checkout', unitId: 'zoe\u0308', bucket: 5011 },
  // An emoji ZWJ sequence: two astral code points (surrogate pairs in UTF-16, 4 bytes each in UTF-8).
  { layer: 'rollout', feature: 'checkout', unitId: '\u{1f469}\u200d\u{1f4bb}', bucket: 4965 },
  { layer: 'rollout', feature: 'checkout', unitId: 'ユーザー42', bucket: 6563 },
  { layer: 'rollout', feature: 'checkout', unitId: ' ', bucket: 3234 },
  { layer: 'rollout', feature: 'checkout', unitId: ' user 1 ', bucket: 1822 },
  // The longest accepted unit id: 512 characters.
  { layer: 'rollout', feature: 'checkout', unitId: '0123456789abcdef'.repeat(32), bucket: 5773 },
];

function bucketOfChecked(layer: string, feature: string, unitId: string): number {
  const digest = hash(
    'sha256',
    `${assignmentAlgorithm}\u0000${layer}\u0000${feature}\u0000${unitId}`,
    'buffer',
  );
  const high = digest.readUInt32BE(0);
  const low = digest.readUInt32BE(4);
  return ((high % bucketCount) * twoTo32ModBucketCount + low) % bucketCount;
}

function variantLayer(experiment: string): string {
  return `variant:${experiment}`;
}

/** The number of rollout buckets in the cohort at a traffic share, after checking the share. */
function cohortBucketsOf(trafficPct: number): number {
  const cohortBuckets = Math.round(trafficPct * 100);
  if (
    typeof trafficPct !== 'number' ||
    !Number.isFinite(trafficPct) ||
    Math.abs(trafficPct * 100 - cohortBuckets) > percentTolerance ||
    cohortBuckets < 1 ||
    cohortBuckets > bucketCount
  ) {
    throw new AirlockError(
      'INVALID_INPUT',
      `traffic share must be a percentage from 0.01 to 100 with at most two decimals, got ${String(trafficPct)}`,
      { context: { trafficPct } },
    );
  }
  return cohortBuckets;
}

// NUL separates the hashed fields, so it may not occur in any field but the last (the unit id): with it,
// two different (layer, feature) pairs could hash the same bytes. A lone surrogate has no UTF-8 encoding
// (Node would hash U+FFFD in its place, colliding with the real U+FFFD and with no portable meaning).
function checkName(field: 'layer' | 'feature' | 'experiment', value: string): void {
  if (typeof value !== 'string' || value.length === 0) {
    throw new AirlockError('INVALID_INPUT', `${field} must be a non-empty string`, { context: { field } });
  }
  if (value.includes('\u0000')) {
    throw new AirlockError('INVALID_INPUT', `${field} must not contain the NUL character (U+0000)`, {
      context: { field, value },
    });
  }
  checkWellFormed(field, value);
}

function checkUnitId(unitId: string): void {
  if (typeof unitId !== 'string' || unitId.length === 0) {
    throw new AirlockError('INVALID_INPUT', 'unit id must be a non-empty string', {
      context: { field: 'unitId' },
    });
  }
  // Counted in code points, as other languages count characters; `length` counts UTF-16 units, so only an
  // id longer than the limit in UTF-16 units can be too long in code points.
  if (unitId.length > maxUnitIdLength) {
    const codePoints = [...unitId].length;
    if (codePoints > maxUnitIdLength) {
      throw new AirlockError(
        'INVALID_INPUT',
        `unit id is ${codePoints} characters long; the limit is ${maxUnitIdLength}`,
        { context: { field: 'unitId', length: codePoints, limit: maxUnitIdLength } },
      );
    }
  }
  checkWellFormed('unit id', unitId);
}

function checkWellFormed(field: string, value: string): void {
  if (!value.isWellFormed()) {
    throw new AirlockError('INVALID_INPUT', `${field} is not valid Unicode: it contains a lone surrogate`, {
      context: { field },
    });
  }
}

/** The exclusive end bucket of each variant, after checking the variants. */
function variantBoundaries(variants: readonly Variant[]): number[] {
  if (!Array.isArray(variants) || variants.length === 0) {
    throw new AirlockError('INVALID_INPUT', 'an experiment needs at least one variant');
  }
  const seen = new Set<string>();
  let total = 0;
  for (const variant of variants) {
    if (typeof variant.name !== 'string' || variant.name.length === 0) {
      throw new AirlockError('INVALID_INPUT', 'variant names must be non-empty strings');
    }
    if (seen.has(variant.name)) {
      throw new AirlockError(
        'INVALID_INPUT',
        `variant names must be unique: "${variant.name}" is listed twice`,
        {
          context: { variant: variant.name },
        },
      );
    }
    seen.add(variant.name);
    if (typeof variant.weight !== 'number' || !Number.isFinite(variant.weight) || variant.weight <= 0) {
      throw new AirlockError(
        'INVALID_INPUT',
        `variant "${variant.name}" needs a positive finite weight, got ${String(variant.weight)}`,
        { context: { variant: variant.name, weight: variant.weight } },
      );
    }
    total += variant.weight;
  }
  if (!Number.isFinite(total * bucketCount)) {
    throw new AirlockError('INVALID_INPUT', 'variant weights are too large: their sum overflows');
  }
  // Multiplying before dividing keeps integer weights exact: cumulative × 10,000 is an integer, and one
  // correctly rounded division is then rounded to the nearest bucket, halves up (Math.round).
  const boundaries: number[] = [];
  let cumulative = 0;
  let previous = 0;
  for (const [index, variant] of variants.entries()) {
    cumulative += variant.weight;
    const boundary =
      index === variants.length - 1 ? bucketCount : Math.round((cumulative * bucketCount) / total);
    if (boundary === previous) {
      throw new AirlockError(
        'INVALID_INPUT',
        `variant "${variant.name}" gets no buckets: its share (${formatShare(variant.weight / total)}) is too small for 0.01% buckets once the boundaries are rounded`,
        { context: { variant: variant.name, weight: variant.weight, totalWeight: total } },
      );
    }
    boundaries.push(boundary);
    previous = boundary;
  }
  return boundaries;
}

function variantAt(variants: readonly Variant[], boundaries: readonly number[], bucket: number): Variant {
  for (const [index, boundary] of boundaries.entries()) {
    const variant = variants[index];
    if (bucket < boundary && variant !== undefined) return variant;
  }
  // The last boundary is always bucketCount and every bucket is below it.
  throw new Error(`bucket ${bucket} is outside every variant range`);
}

function formatShare(share: number): string {
  return `${Number((share * 100).toPrecision(3))}%`;
}

/**
 * Reads variants written as `name:weight` pairs, comma-separated (`formal:1,casual:1`), as the CLI
 * and the API take them.
 */
export function parseVariantList(text: string): Variant[] {
  return text.split(',').map((pair) => {
    const [name = '', weight = '', extra] = pair.split(':');
    const value = Number(weight);
    if (name.trim() === '' || extra !== undefined || !(value > 0) || !Number.isFinite(value)) {
      throw new AirlockError(
        'INVALID_INPUT',
        `variants: "${pair}" is not name:weight (e.g. formal:1,casual:1)`,
      );
    }
    return { name: name.trim(), weight: value };
  });
}
