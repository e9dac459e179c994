import { describe, expect, it } from 'vitest';
import { isSha256, newId, newRequestId, parseRequestId, parseSha256 } from './ids.ts';

describe('ids', () => {
  it('accepts only lowercase 64-hex SHA-256 digests', () => {
    const digest = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
    expect(parseSha256(digest)).toBe(digest);
    expect(isSha256(digest.toUpperCase())).toBe(false);
    expect(() => parseSha256('abc')).toThrow(/not a SHA-256 digest: "abc"/);
  });

  it('makes ids that sort by creation time and do not repeat', () => {
    const earlier = newId('run', new Date('2026-01-01T00:00:00Z'));
    const later = newId('run', new Date('2026-06-01T00:00:00Z'));
    expect(earlier < later).toBe(true);
    expect(earlier).toMatch(/^run_[0-9A-HJKMNP-TV-Z]{26}$/);
    const many = new Set(Array.from({ length: 1000 }, () => newRequestId()));
    expect(many.size).toBe(1000);
  });

  it('accepts a caller request id only when it is safe to log', () => {
    expect(parseRequestId('abc-123')).toBe('abc-123');
    expect(parseRequestId('bad id\nwith newline')).toBeUndefined();
    expect(parseRequestId('x'.repeat(200))).toBeUndefined();
  });
});
