import { createHash } from 'node:crypto';

/**
 * JSON with object keys sorted at every depth and no whitespace, so the same value always has
 * the same bytes — and so the same SHA-256 — whatever order it was built in. `undefined` members
 * are dropped (as JSON.stringify does); non-finite numbers are refused because JSON cannot carry them.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError(`canonicalJson: ${value} has no JSON form`);
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map((item) => canonicalJson(item ?? null)).join(',')}]`;
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, member]) => member !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, member]) => `${JSON.stringify(key)}:${canonicalJson(member)}`).join(',')}}`;
  }
  throw new TypeError(`canonicalJson: a ${typeof value} has no JSON form`);
}

/** SHA-256 of a string's UTF-8 bytes (or of bytes), lowercase hex. */
export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** The SHA-256 of a value's canonical JSON: its identity. */
export function digestOf(value: unknown): string {
  return sha256Hex(canonicalJson(value));
}
