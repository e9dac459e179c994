import { describe, expect, it } from 'vitest';
import { jensenShannonDistance } from './js-distance.ts';

describe('Jensen–Shannon distance', () => {
  it('matches a hand computation', () => {
    // p = (.6, .3, .1), q = (.4, .4, .2), m = (.5, .35, .15):
    // JSD = ½Σp·ln(p/m) + ½Σq·ln(q/m) = 0.022146…, distance = √JSD = 0.148817
    expect(jensenShannonDistance({ pos: 60, neg: 30, neu: 10 }, { pos: 40, neg: 40, neu: 20 })).toBeCloseTo(
      0.148817,
      6,
    );
  });

  it('is finite and matches by hand when a label is on one side only', () => {
    // p = (.5, .5), q = (1, 0), m = (.75, .25): JSD = ½(.5 ln(2/3) + .5 ln 2) + ½ ln(4/3) = 0.215762
    expect(jensenShannonDistance({ a: 1, b: 1 }, { a: 5 })).toBeCloseTo(0.464501, 6);
    expect(jensenShannonDistance({ a: 5 }, { b: 5 })).toBeCloseTo(Math.sqrt(Math.LN2), 12);
  });

  it('is symmetric and zero for the same distribution at any scale', () => {
    const a = { x: 3, y: 1 };
    const b = { x: 1, y: 1 };
    expect(jensenShannonDistance(a, b)).toBeCloseTo(jensenShannonDistance(b, a), 15);
    expect(jensenShannonDistance({ x: 2, y: 4 }, { x: 10, y: 20 })).toBe(0);
  });

  it('refuses an empty side', () => {
    expect(() => jensenShannonDistance({}, { a: 1 })).toThrow(RangeError);
  });
});
