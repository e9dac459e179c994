import { describe, expect, it } from 'vitest';
import { exitCodeFor, exitCodes, httpStatusFor } from './error-tables.ts';
import { AirlockError, errorCodes, isAirlockError } from './errors.ts';

describe('AirlockError', () => {
  it('carries a code, context, issues and cause', () => {
    const cause = new Error('ECONNREFUSED');
    const error = new AirlockError('UPSTREAM_FAILED', 'provider unreachable', {
      context: { url: 'x' },
      cause,
    });
    expect(error.code).toBe('UPSTREAM_FAILED');
    expect(error.cause).toBe(cause);
    expect(error.isRetryable).toBe(true);
    expect(isAirlockError(error)).toBe(true);
    expect(isAirlockError(new Error('bug'))).toBe(false);
    expect(error.toJSON()).toEqual({
      code: 'UPSTREAM_FAILED',
      message: 'provider unreachable',
      context: { url: 'x' },
    });
  });

  it('describes itself as one line per located issue', () => {
    const error = new AirlockError('INVALID_INPUT', 'bad file', {
      issues: [
        { file: 'a.yaml', line: 2, column: 3, message: 'wrong' },
        { file: 'a.yaml', line: 5, column: 1, message: 'also wrong' },
      ],
    });
    expect(error.describe()).toEqual(['a.yaml:2:3: wrong', 'a.yaml:5:1: also wrong']);
    expect(error.isRetryable).toBe(false);
  });
});

describe('code tables', () => {
  it('maps every code to an exit code and an HTTP status', () => {
    for (const code of errorCodes) {
      expect(Object.values(exitCodes)).toContain(exitCodeFor(code));
      expect(httpStatusFor(code)).toBeGreaterThanOrEqual(400);
    }
  });

  it('keeps the documented exit codes distinct', () => {
    expect(exitCodeFor('CHECK_FAILED')).toBe(1);
    expect(exitCodeFor('INVALID_INPUT')).toBe(2);
    expect(exitCodeFor('HALTED')).toBe(3);
    expect(exitCodeFor('UPSTREAM_FAILED')).toBe(4);
    const stateCodes = ['STATE_MISSING', 'STATE_STALE', 'STATE_MISMATCH', 'STATE_CORRUPT'] as const;
    expect(stateCodes.map(exitCodeFor)).toEqual([5, 6, 7, 8]);
    expect(httpStatusFor('NOT_FOUND')).toBe(404);
    expect(httpStatusFor('CONFLICT')).toBe(409);
  });
});
