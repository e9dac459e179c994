import { describe, expect, it } from 'vitest';
import { findPii, passesLuhn } from './pii.ts';

describe('PII scan', () => {
  it('finds each kind with its position', () => {
    const text = [
      '{"q": "mail me at jane.doe@example.com"}',
      '{"q": "card 4111 1111 1111 1111 please"}',
      '{"q": "call +1 415-555-0132"}',
      '{"q": "SSN 123-45-6789"}',
      '{"q": "NI number AB 12 34 56 C"}',
      '{"q": "key sk-proj-abcdefghijklmnopqrstuvwx"}',
    ].join('\n');
    expect(findPii(text).map((finding) => [finding.kind, finding.line, finding.column])).toEqual([
      ['email', 1, 19],
      ['card-number', 2, 13],
      ['phone', 3, 13],
      ['national-id', 4, 12],
      ['national-id', 5, 18],
      ['secret', 6, 12],
    ]);
  });

  it('masks what it reports', () => {
    expect(findPii('jane.doe@example.com')[0]?.masked).toBe('ja****************om');
  });

  it('does not flag ordinary numbers, prices or card-like runs failing Luhn', () => {
    expect(
      findPii('Revenue up 32% to $4.2M in 2024; order 1234 5678 9012 3456; id 20241120; v1.2.3'),
    ).toEqual([]);
    expect(findPii('call (415) 555-0132 or 415.555.0132').map((finding) => finding.kind)).toEqual([
      'phone',
      'phone',
    ]);
    expect(findPii('415 555 0132 / 020 7946 0958 / 07700 900123').map((finding) => finding.kind)).toEqual([
      'phone',
      'phone',
      'phone',
    ]);
    expect(findPii('token alk_abcdefghijklmnopqrstuvwxyz012345')[0]?.kind).toBe('secret');
    expect(passesLuhn('4111111111111111')).toBe(true);
    expect(passesLuhn('1234567890123456')).toBe(false);
  });
});
