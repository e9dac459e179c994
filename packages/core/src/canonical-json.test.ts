import { describe, expect, it } from 'vitest';
import { canonicalJson, digestOf, sha256Hex } from './canonical-json.ts';

describe('canonicalJson', () => {
  it('sorts keys at every depth and drops undefined members', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: undefined } })).toBe(
      '{"a":{"d":[3,{"y":2,"z":1}]},"b":1}',
    );
  });

  it('gives the same digest for the same value built in another order', () => {
    expect(digestOf({ model: 'm', prompt: 'p' })).toBe(digestOf({ prompt: 'p', model: 'm' }));
    expect(digestOf({ model: 'm' })).not.toBe(digestOf({ model: 'n' }));
  });

  it('refuses values JSON cannot carry', () => {
    expect(() => canonicalJson({ x: Number.NaN })).toThrow(/no JSON form/);
  });

  it('hashes UTF-8 bytes', () => {
    expect(sha256Hex('')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  });
});
