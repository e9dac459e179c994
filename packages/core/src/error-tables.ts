import type { ErrorCode } from './errors.ts';

/**
 * CLI exit codes, one meaning each, so CI scripts can branch on them:
 * 0 ok, 1 a gate or check said no, 2 usage or input error (the run could not start),
 * 3 halted (a person must clear it), 4 an upstream service could not be reached, 70 a bug.
 * 5–8 are the deploy state's own (seed 002's "rollback reads stale state" and its kin), distinct so
 * a pipeline can tell "first deploy here" from "someone must look at the state file":
 * 5 no state where asked, 6 state too old to act on, 7 state of another environment or namespace,
 * 8 state unreadable (not JSON, or not the format).
 */
export const exitCodes = {
  ok: 0,
  checkFailed: 1,
  usage: 2,
  halted: 3,
  upstream: 4,
  stateMissing: 5,
  stateStale: 6,
  stateMismatch: 7,
  stateCorrupt: 8,
  internal: 70,
} as const;

export type ExitCode = (typeof exitCodes)[keyof typeof exitCodes];

const exitCodeByError: Record<ErrorCode, ExitCode> = {
  INVALID_INPUT: exitCodes.usage,
  NOT_FOUND: exitCodes.usage,
  METHOD_NOT_ALLOWED: exitCodes.usage,
  CONFLICT: exitCodes.usage,
  PRECONDITION_FAILED: exitCodes.usage,
  UNAUTHORIZED: exitCodes.usage,
  FORBIDDEN: exitCodes.usage,
  CHECK_FAILED: exitCodes.checkFailed,
  HALTED: exitCodes.halted,
  UPSTREAM_FAILED: exitCodes.upstream,
  STATE_MISSING: exitCodes.stateMissing,
  STATE_STALE: exitCodes.stateStale,
  STATE_MISMATCH: exitCodes.stateMismatch,
  STATE_CORRUPT: exitCodes.stateCorrupt,
  INTERNAL: exitCodes.internal,
};

const httpStatusByError: Record<ErrorCode, number> = {
  INVALID_INPUT: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  CONFLICT: 409,
  PRECONDITION_FAILED: 412,
  CHECK_FAILED: 422,
  // 423 Locked: the resource is halted until a person clears it.
  HALTED: 423,
  STATE_MISSING: 404,
  STATE_STALE: 412,
  STATE_MISMATCH: 409,
  // The stored state is unreadable: the server's data, not the caller's request, is at fault.
  STATE_CORRUPT: 500,
  INTERNAL: 500,
  UPSTREAM_FAILED: 502,
};

/** The CLI exit code for an error code. */
export function exitCodeFor(code: ErrorCode): ExitCode {
  return exitCodeByError[code];
}

/** The HTTP status for an error code. */
export function httpStatusFor(code: ErrorCode): number {
  return httpStatusByError[code];
}
