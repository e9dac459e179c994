/**
 * The closed set of error codes. Every expected failure in Airlock is an `AirlockError` with one of
 * these; the CLI maps them to exit codes and the API to HTTP statuses, each through one table.
 */
export const errorCodes = [
  'INVALID_INPUT',
  'NOT_FOUND',
  'METHOD_NOT_ALLOWED',
  'CONFLICT',
  'PRECONDITION_FAILED',
  'UNAUTHORIZED',
  'FORBIDDEN',
  'CHECK_FAILED',
  'HALTED',
  'UPSTREAM_FAILED',
  'STATE_MISSING',
  'STATE_STALE',
  'STATE_MISMATCH',
  'STATE_CORRUPT',
  'INTERNAL',
] as const;

export type ErrorCode = (typeof errorCodes)[number];

/** A problem located in a user's file: `file:line:column: message`. Lines and columns start at 1. */
export interface SourceIssue {
  file: string;
  line: number;
  column: number;
  message: string;
}

export interface AirlockErrorOptions {
  /** Facts a person or a program needs to act on the error (ids, paths, limits). */
  context?: Record<string, unknown>;
  /** Located problems in a user's file, one per problem. */
  issues?: SourceIssue[];
  cause?: unknown;
}

/** Formats one located problem the way compilers do, so editors and CI annotate the right line. */
export function formatSourceIssue(issue: SourceIssue): string {
  return `${issue.file}:${issue.line}:${issue.column}: ${issue.message}`;
}

export class AirlockError extends Error {
  override readonly name = 'AirlockError';
  readonly code: ErrorCode;
  readonly context: Record<string, unknown>;
  readonly issues: SourceIssue[];

  constructor(code: ErrorCode, message: string, options: AirlockErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.context = options.context ?? {};
    this.issues = options.issues ?? [];
  }

  /** Whether trying the same call again later may succeed (an upstream hiccup, not bad input). */
  get isRetryable(): boolean {
    return this.code === 'UPSTREAM_FAILED';
  }

  /** The lines a person reads: one per located issue, or the message when there are none. */
  describe(): string[] {
    return this.issues.length > 0 ? this.issues.map(formatSourceIssue) : [this.message];
  }

  toJSON(): { code: ErrorCode; message: string; issues?: SourceIssue[]; context?: Record<string, unknown> } {
    return {
      code: this.code,
      message: this.message,
      ...(this.issues.length > 0 ? { issues: this.issues } : {}),
      ...(Object.keys(this.context).length > 0 ? { context: this.context } : {}),
    };
  }
}

/** True for Airlock's own expected failures; anything else is a bug and is thrown as itself. */
export function isAirlockError(value: unknown): value is AirlockError {
  return value instanceof AirlockError;
}
