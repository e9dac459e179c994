import { randomBytes } from 'node:crypto';
import { AirlockError } from './errors.ts';

/** A string that has been checked to be a particular kind of id; plain strings don't type-check as one. */
export type Brand<Value, Name extends string> = Value & { readonly __brand: Name };

/** A lowercase hex SHA-256 digest (64 characters). */
export type Sha256 = Brand<string, 'Sha256'>;

/** The id of one HTTP request or CLI invocation, carried through logs and error bodies. */
export type RequestId = Brand<string, 'RequestId'>;

const sha256Pattern = /^[0-9a-f]{64}$/;

/** Checks a SHA-256 hex digest; anything else is an INVALID_INPUT error naming what was given. */
export function parseSha256(value: string): Sha256 {
  if (!sha256Pattern.test(value)) {
    throw new AirlockError(
      'INVALID_INPUT',
      `not a SHA-256 digest: "${value}" (expected 64 lowercase hex characters)`,
    );
  }
  return value as Sha256;
}

export function isSha256(value: string): value is Sha256 {
  return sha256Pattern.test(value);
}

// Crockford base32: no I, L, O, U, so ids survive being read aloud or retyped.
const base32 = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

function encodeBase32(bytes: Uint8Array): string {
  let bits = 0;
  let value = 0;
  let output = '';
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      output += base32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) output += base32[(value << (5 - bits)) & 31];
  return output;
}

/**
 * A new id: `prefix_` + 10 characters of millisecond time + 16 random characters, so ids sort by
 * creation time and never collide in practice (80 random bits).
 */
export function newId(prefix: string, now: Date = new Date()): string {
  const time = now.getTime().toString(32).toUpperCase().padStart(10, '0');
  const timePart = [...time].map((digit) => base32[Number.parseInt(digit, 32)]).join('');
  return `${prefix}_${timePart}${encodeBase32(randomBytes(10))}`;
}

/** A new request id (`req_…`). */
export function newRequestId(now?: Date): RequestId {
  return newId('req', now) as RequestId;
}

const requestIdPattern = /^[A-Za-z0-9._:-]{1,128}$/;

/** Accepts a caller's request id if it is short and plain enough to log safely. */
export function parseRequestId(value: string): RequestId | undefined {
  return requestIdPattern.test(value) ? (value as RequestId) : undefined;
}
