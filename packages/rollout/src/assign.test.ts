import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  assign,
  assignmentAlgorithm,
  assignmentTestVectors,
  bucketCount,
  bucketOf,
  inRollout,
  type Variant,
  variantOf,
} from './assign.ts';

const feature = 'checkout';
const unitCount = 1_000_000;
const experiment = {
  name: 'button-color',
  variants: [
    { name: 'A', weight: 50 },
    { name: 'B', weight: 30 },
    { name: 'C', weight: 20 },
  ],
} as const;

function unitIdOf(index: number): string {
  return `user-${index}`;
}

/** The first 8 bytes of the digest, computed here independently of assign.ts (BigInt, no 32-bit split). */
function referencePrefix(layer: string, featureName: string, unitId: string): bigint {
  const digest = createHash('sha256')
    .update(`airlock-assign/v1\u0000${layer}\u0000${featureName}\u0000${unitId}`, 'utf8')
    .digest();
  return digest.readBigUInt64BE(0);
}

function invalidInput(message: string) {
  return expect.objectContaining({ name: 'AirlockError', code: 'INVALID_INPUT', message });
}

describe('a million units', () => {
  // One pass of `assign` at 10% with an experiment; the 1% and 50% cohorts come from `inRollout` itself.
  const rolloutBuckets = new Uint16Array(unitCount);
  const inAt10 = new Uint8Array(unitCount);
  const variantIndexes = new Uint8Array(unitCount);
  const variantBuckets = new Uint16Array(unitCount);
  const variantNames: string[] = experiment.variants.map((variant) => variant.name);

  beforeAll(() => {
    for (let index = 0; index < unitCount; index++) {
      const assignment = assign({ feature, unitId: unitIdOf(index), trafficPct: 10, experiment });
      rolloutBuckets[index] = assignment.rolloutBucket;
      inAt10[index] = assignment.inRollout ? 1 : 0;
      variantIndexes[index] = variantNames.indexOf(assignment.variant ?? '');
      variantBuckets[index] = assignment.variantBucket ?? -1;
    }
  });

  it('puts 1%, 10% and 50% of units in the rollout, and each smaller cohort inside the larger ones', () => {
    let countAt1 = 0;
    let countAt10 = 0;
    let countAt50 = 0;
    let outsideLarger = 0;
    let offRule = 0;
    for (let index = 0; index < unitCount; index++) {
      const unitId = unitIdOf(index);
      const at1 = inRollout(feature, unitId, 1);
      const at10 = inAt10[index] === 1;
      const at50 = inRollout(feature, unitId, 50);
      countAt1 += at1 ? 1 : 0;
      countAt10 += at10 ? 1 : 0;
      countAt50 += at50 ? 1 : 0;
      if ((at1 && !at10) || (at10 && !at50)) outsideLarger++;
      const bucket = rolloutBuckets[index] ?? -1;
      if (at1 !== bucket < 100 || at10 !== bucket < 1000 || at50 !== bucket < 5000) offRule++;
    }
    expect(outsideLarger).toBe(0);
    expect(offRule).toBe(0);
    expect(Math.abs((countAt1 / unitCount) * 100 - 1)).toBeLessThan(0.1);
    expect(Math.abs((countAt10 / unitCount) * 100 - 10)).toBeLessThan(0.1);
    expect(Math.abs((countAt50 / unitCount) * 100 - 50)).toBeLessThan(0.1);
  });

  it('selects about 0.01% at the finest share: exactly the units in bucket 0', () => {
    // The cohort rule was checked on every unit above; here inRollout is asked about the units on both
    // sides of the one-bucket threshold, to save another million hashes.
    const inBucket0: string[] = [];
    const inBucket1: string[] = [];
    for (let index = 0; index < unitCount; index++) {
      if (rolloutBuckets[index] === 0) inBucket0.push(unitIdOf(index));
      if (rolloutBuckets[index] === 1) inBucket1.push(unitIdOf(index));
    }
    expect(inBucket0.every((unitId) => inRollout(feature, unitId, 0.01))).toBe(true);
    expect(inBucket1.some((unitId) => inRollout(feature, unitId, 0.01))).toBe(false);
    expect(inBucket0.length / unitCount).toBeGreaterThan(0.00005);
    expect(inBucket0.length / unitCount).toBeLessThan(0.00015);
  });

  it('assigns variants independently of the rollout', () => {
    // 2 × 3 contingency table: in/out of the 10% rollout × variant A/B/C.
    const table = [
      [0, 0, 0],
      [0, 0, 0],
    ];
    for (let index = 0; index < unitCount; index++) {
      const row = table[inAt10[index] ?? 0];
      const variant = variantIndexes[index] ?? 0;
      if (row !== undefined) row[variant] = (row[variant] ?? 0) + 1;
    }
    const rowTotals = table.map((row) => row.reduce((sum, count) => sum + count, 0));
    const columnTotals = [0, 1, 2].map((column) => table.reduce((sum, row) => sum + (row[column] ?? 0), 0));
    let chiSquare = 0;
    for (const [rowIndex, row] of table.entries()) {
      for (const [columnIndex, observed] of row.entries()) {
        const expected = ((rowTotals[rowIndex] ?? 0) * (columnTotals[columnIndex] ?? 0)) / unitCount;
        chiSquare += (observed - expected) ** 2 / expected;
      }
    }
    // Degrees of freedom (2 − 1)(3 − 1) = 2. With 2 degrees of freedom the chi-square survival function
    // is exactly exp(−x/2), so the critical value for p = 0.001 is 2·ln(1000) = 13.8155 (the 0.999
    // quantile in any chi-square table). A statistic below it means p > 0.001.
    const criticalValueDf2P001 = 13.8155;
    expect(chiSquare).toBeLessThan(criticalValueDf2P001);

    const cohortSize = rowTotals[1] ?? 0;
    for (const [column, variant] of experiment.variants.entries()) {
      const overallShare = ((columnTotals[column] ?? 0) / unitCount) * 100;
      const cohortShare = ((table[1]?.[column] ?? 0) / cohortSize) * 100;
      expect(Math.abs(cohortShare - overallShare), variant.name).toBeLessThan(0.5);
      expect(Math.abs(overallShare - variant.weight), variant.name).toBeLessThan(0.2);
    }
  });

  it('gives each variant its contiguous bucket range (50/30/20 → 0–4999, 5000–7999, 8000–9999)', () => {
    let offRange = 0;
    for (let index = 0; index < unitCount; index++) {
      const bucket = variantBuckets[index] ?? -1;
      const expected = bucket < 5000 ? 0 : bucket < 8000 ? 1 : 2;
      if (variantIndexes[index] !== expected) offRange++;
    }
    expect(offRange).toBe(0);
  });

  it('rounds variant boundaries to the nearest bucket, halves up', () => {
    const unitInBucket = (bucket: number): string => unitIdOf(variantBuckets.indexOf(bucket));
    const variantAt = (bucket: number, variants: readonly Variant[]) =>
      variantOf(feature, experiment.name, unitInBucket(bucket), variants);
    // 1/31: the boundary is 10,000/32 = 312.5, rounded up to 313.
    const oneIn32 = [
      { name: 'small', weight: 1 },
      { name: 'large', weight: 31 },
    ];
    expect(variantAt(312, oneIn32)).toBe('small');
    expect(variantAt(313, oneIn32)).toBe('large');
    // 1/1/1: boundaries 3,333.3 → 3,333 and 6,666.7 → 6,667.
    const thirds = [
      { name: 'A', weight: 1 },
      { name: 'B', weight: 1 },
      { name: 'C', weight: 1 },
    ];
    expect([3332, 3333, 6666, 6667, 9999].map((bucket) => variantAt(bucket, thirds))).toEqual([
      'A',
      'B',
      'B',
      'C',
      'C',
    ]);
    expect(variantAt(0, [{ name: 'only', weight: 0.5 }])).toBe('only');
  });
});

describe('bucketOf', () => {
  it('is the first 8 digest bytes, unsigned big-endian, modulo 10,000', () => {
    for (let index = 0; index < 10_000; index++) {
      const unitId = unitIdOf(index);
      const expected = Number(referencePrefix('rollout', feature, unitId) % BigInt(bucketCount));
      if (bucketOf('rollout', feature, unitId) !== expected) {
        expect.fail(`bucket of ${unitId}: ${bucketOf('rollout', feature, unitId)}, expected ${expected}`);
      }
    }
  });

  it('reproduces the published test vectors', () => {
    expect(assignmentTestVectors.length).toBeGreaterThanOrEqual(8);
    for (const vector of assignmentTestVectors) {
      expect(bucketOf(vector.layer, vector.feature, vector.unitId), JSON.stringify(vector)).toBe(
        vector.bucket,
      );
    }
  });

  it('publishes the same vectors in docs/assignment.md', () => {
    const docs = readFileSync(new URL('../../../docs/assignment.md', import.meta.url), 'utf8');
    const rows = docs
      .split('\n')
      .filter((line) => /^\| \d+ +\|/.test(line))
      .map((line) =>
        line
          .split('|')
          .slice(1, -1)
          .map((cell) => cell.trim().replace(/^`|`$/g, '')),
      );
    const parseUnitId = (cell: string): string => {
      const repeated = /^(".*") × (\d+)$/.exec(cell);
      return repeated === null ? JSON.parse(cell) : JSON.parse(repeated[1] ?? '').repeat(Number(repeated[2]));
    };
    expect(
      rows.map(([number, layer, featureName, unitId, prefix, bucket]) => ({
        number: Number(number),
        layer,
        feature: featureName,
        unitId: parseUnitId(unitId ?? ''),
        prefix,
        bucket: Number(bucket),
      })),
    ).toEqual(
      assignmentTestVectors.map((vector, index) => ({
        number: index + 1,
        ...vector,
        prefix: referencePrefix(vector.layer, vector.feature, vector.unitId).toString(16).padStart(16, '0'),
      })),
    );
  });

  it('is the same on every call, and differs between features and between layers', () => {
    const unitIds = Array.from({ length: 1000 }, (_, index) => unitIdOf(index));
    const sameAcrossFeatures = unitIds.filter(
      (unitId) => bucketOf('rollout', 'checkout', unitId) === bucketOf('rollout', 'search-ranking', unitId),
    );
    const sameAcrossLayers = unitIds.filter(
      (unitId) =>
        bucketOf('rollout', 'checkout', unitId) === bucketOf('variant:button-color', 'checkout', unitId),
    );
    expect(sameAcrossFeatures.length).toBeLessThan(20);
    expect(sameAcrossLayers.length).toBeLessThan(20);

    const input = { feature, unitId: 'user-42', trafficPct: 10, experiment };
    expect(assign(input)).toEqual(assign(input));
    expect(bucketOf('rollout', feature, 'user-42')).toBe(bucketOf('rollout', feature, 'user-42'));
  });

  it('hashes ids as given: no trimming, no Unicode normalization, NUL allowed in the last field', () => {
    expect(bucketOf('rollout', feature, ' user-1 ')).not.toBe(bucketOf('rollout', feature, 'user-1'));
    expect(bucketOf('rollout', feature, 'zo\u00eb')).not.toBe(bucketOf('rollout', feature, 'zoe\u0308'));
    expect(bucketOf('rollout', feature, 'a\u0000b')).toBe(
      Number(referencePrefix('rollout', feature, 'a\u0000b') % 10_000n),
    );
  });
});

describe('assign', () => {
  it('reports the algorithm, the rollout bucket and the variant with its bucket', () => {
    expect(assign({ feature: 'checkout', unitId: 'user-1', trafficPct: 10, experiment })).toEqual({
      algorithm: 'airlock-assign/v1',
      feature: 'checkout',
      unitId: 'user-1',
      rolloutBucket: 8891,
      inRollout: false,
      stageTrafficPct: 10,
      variant: 'B',
      variantBucket: 6190,
    });
    expect(assign({ feature: 'checkout', unitId: 'user-2', trafficPct: 2.05 })).toEqual({
      algorithm: assignmentAlgorithm,
      feature: 'checkout',
      unitId: 'user-2',
      rolloutBucket: 204,
      inRollout: true,
      stageTrafficPct: 2.05,
    });
    expect(assign({ feature: 'checkout', unitId: 'user-2', trafficPct: 2.04 }).inRollout).toBe(false);
  });

  it('agrees with inRollout and variantOf', () => {
    for (let index = 0; index < 2000; index++) {
      const unitId = unitIdOf(index);
      const assignment = assign({ feature, unitId, trafficPct: 33.33, experiment });
      expect(assignment.inRollout).toBe(inRollout(feature, unitId, 33.33));
      expect(assignment.inRollout).toBe(assignment.rolloutBucket < 3333);
      expect(assignment.variant).toBe(variantOf(feature, experiment.name, unitId, experiment.variants));
    }
  });
});

describe('bad input', () => {
  const shareMessage = (value: string) =>
    `traffic share must be a percentage from 0.01 to 100 with at most two decimals, got ${value}`;

  it('accepts every share from 0.01 to 100 in steps of 0.01, and computed values like 0.1 + 0.2', () => {
    for (let hundredths = 1; hundredths <= 10_000; hundredths++) {
      const written = `${Math.floor(hundredths / 100)}.${String(hundredths % 100).padStart(2, '0')}`;
      const bucket = bucketOf('rollout', feature, 'user-1');
      if (inRollout(feature, 'user-1', Number(written)) !== bucket < hundredths) expect.fail(written);
    }
    expect(inRollout(feature, 'user-1', 100)).toBe(true);
    expect(assign({ feature, unitId: 'user-1', trafficPct: 0.1 + 0.2 }).inRollout).toBe(
      bucketOf('rollout', feature, 'user-1') < 30,
    );
  });

  it('refuses traffic shares outside 0.01–100 or with more than two decimals', () => {
    for (const [value, written] of [
      [Number.NaN, 'NaN'],
      [Number.POSITIVE_INFINITY, 'Infinity'],
      [-1, '-1'],
      [0, '0'],
      [0.001, '0.001'],
      [0.005, '0.005'],
      [0.125, '0.125'],
      [100.01, '100.01'],
      [101, '101'],
    ] as const) {
      expect(() => inRollout(feature, 'user-1', value), written).toThrowError(
        invalidInput(shareMessage(written)),
      );
      expect(() => assign({ feature, unitId: 'user-1', trafficPct: value }), written).toThrowError(
        invalidInput(shareMessage(written)),
      );
    }
    expect(() => inRollout(feature, 'user-1', '10' as unknown as number)).toThrowError(
      invalidInput(shareMessage('10')),
    );
  });

  it('refuses empty, oversized and malformed ids and names', () => {
    expect(() => inRollout('', 'user-1', 10)).toThrowError(
      invalidInput('feature must be a non-empty string'),
    );
    expect(() => inRollout(feature, '', 10)).toThrowError(invalidInput('unit id must be a non-empty string'));
    expect(() => bucketOf('', feature, 'user-1')).toThrowError(
      invalidInput('layer must be a non-empty string'),
    );
    expect(() => variantOf(feature, '', 'user-1', experiment.variants)).toThrowError(
      invalidInput('experiment must be a non-empty string'),
    );
    expect(() => assign({ feature: '', unitId: 'user-1', trafficPct: 10 })).toThrowError(
      invalidInput('feature must be a non-empty string'),
    );
    expect(() => assign({ feature, unitId: '', trafficPct: 10 })).toThrowError(
      invalidInput('unit id must be a non-empty string'),
    );

    expect(() => inRollout(feature, 'x'.repeat(513), 10)).toThrowError(
      invalidInput('unit id is 513 characters long; the limit is 512'),
    );
    // 512 emoji are 1,024 UTF-16 units but 512 characters: accepted.
    expect(typeof bucketOf('rollout', feature, '\u{1f600}'.repeat(512))).toBe('number');
    expect(() => bucketOf('rollout', feature, '\u{1f600}'.repeat(513))).toThrowError(
      invalidInput('unit id is 513 characters long; the limit is 512'),
    );

    expect(() => inRollout('check\u0000out', 'user-1', 10)).toThrowError(
      invalidInput('feature must not contain the NUL character (U+0000)'),
    );
    expect(() => variantOf(feature, 'a\u0000b', 'user-1', experiment.variants)).toThrowError(
      invalidInput('experiment must not contain the NUL character (U+0000)'),
    );
    expect(() => inRollout(feature, 'user-\ud800', 10)).toThrowError(
      invalidInput('unit id is not valid Unicode: it contains a lone surrogate'),
    );
    expect(() => inRollout('check\udc00out', 'user-1', 10)).toThrowError(
      invalidInput('feature is not valid Unicode: it contains a lone surrogate'),
    );
  });

  it('refuses variant lists that cannot be split', () => {
    const variantsError = (variants: readonly Variant[]) => () =>
      variantOf(feature, 'exp', 'user-1', variants);
    expect(variantsError([])).toThrowError(invalidInput('an experiment needs at least one variant'));
    expect(variantsError([{ name: '', weight: 1 }])).toThrowError(
      invalidInput('variant names must be non-empty strings'),
    );
    expect(
      variantsError([
        { name: 'A', weight: 1 },
        { name: 'A', weight: 2 },
      ]),
    ).toThrowError(invalidInput('variant names must be unique: "A" is listed twice'));
    for (const [weight, written] of [
      [0, '0'],
      [-1, '-1'],
      [Number.NaN, 'NaN'],
      [Number.POSITIVE_INFINITY, 'Infinity'],
    ] as const) {
      expect(
        variantsError([
          { name: 'A', weight: 1 },
          { name: 'B', weight },
        ]),
      ).toThrowError(invalidInput(`variant "B" needs a positive finite weight, got ${written}`));
    }
    expect(
      variantsError([
        { name: 'A', weight: Number.MAX_VALUE },
        { name: 'B', weight: Number.MAX_VALUE },
      ]),
    ).toThrowError(invalidInput('variant weights are too large: their sum overflows'));
    expect(
      variantsError([
        { name: 'control', weight: 100_000 },
        { name: 'tiny', weight: 1 },
        { name: 'rest', weight: 100_000 },
      ]),
    ).toThrowError(
      invalidInput(
        'variant "tiny" gets no buckets: its share (0.0005%) is too small for 0.01% buckets once the boundaries are rounded',
      ),
    );
    expect(() =>
      assign({ feature, unitId: 'user-1', trafficPct: 10, experiment: { name: 'exp', variants: [] } }),
    ).toThrowError(invalidInput('an experiment needs at least one variant'));
  });
});
