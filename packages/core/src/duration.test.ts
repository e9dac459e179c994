import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration } from './duration.ts';

describe('durations', () => {
  it('reads what people write', () => {
    expect(parseDuration('30s')).toBe(30_000);
    expect(parseDuration('1h')).toBe(3_600_000);
    expect(parseDuration('1h30m')).toBe(5_400_000);
    expect(parseDuration('2d')).toBe(172_800_000);
    expect(parseDuration('250ms')).toBe(250);
    expect(parseDuration('1.5h')).toBe(5_400_000);
  });

  it('refuses numbers without a unit, zero and words', () => {
    for (const text of ['60', '0s', '1 hour', 'h', '-1h', ''])
      expect(parseDuration(text), text).toBeUndefined();
  });

  it('writes them back for messages', () => {
    expect(formatDuration(5_400_000)).toBe('1h 30m');
    expect(formatDuration(45_000)).toBe('45s');
    expect(formatDuration(90_061_000)).toBe('1d 1h 1m 1s');
  });
});
