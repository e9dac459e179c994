import type { AssertionType } from './types.ts';

/** `/pattern/flags` or a bare pattern. */
export function toRegExp(value: string): RegExp {
  const literal = /^\/(.*)\/([dgimsuvy]*)$/s.exec(value);
  return literal ? new RegExp(literal[1] ?? '', literal[2]) : new RegExp(value);
}

const isPositiveNumber = (value: unknown) =>
  typeof value === 'number' && Number.isFinite(value) && value >= 0;

/**
 * What each assertion type needs as its value, checked when the suite loads, so a typo fails the
 * suite before any provider is called (not one case at a time, after paying for the calls).
 */
export function validateAssertion(type: AssertionType, value: unknown): string | undefined {
  switch (type) {
    case 'contains':
    case 'icontains':
    case 'starts-with':
      return typeof value === 'string' && value !== '' ? undefined : 'expected a non-empty text value';
    case 'equals':
      return value === undefined ? 'expected a value to compare the output with' : undefined;
    case 'regex':
      if (typeof value !== 'string') return 'expected a regular expression as text';
      try {
        toRegExp(value);
        return undefined;
      } catch (error) {
        return `not a valid regular expression: ${(error as Error).message}`;
      }
    case 'is-json':
      return value === undefined || (typeof value === 'object' && value !== null)
        ? undefined
        : 'expected no value, or a JSON schema object';
    case 'json-schema':
      return typeof value === 'object' && value !== null && !Array.isArray(value)
        ? undefined
        : 'expected a JSON schema object';
    case 'max-words':
    case 'max-chars':
    case 'latency-ms':
    case 'cost-usd':
      return isPositiveNumber(value) ? undefined : 'expected a number ≥ 0';
    case 'javascript':
      return typeof value === 'string' ? undefined : 'expected the path of a module (.js, .mjs or .ts)';
    case 'llm-rubric':
      return typeof value === 'string' && value.trim() !== ''
        ? undefined
        : 'expected the rubric the judge grades against, as text';
  }
}
