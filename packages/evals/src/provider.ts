import type { Completion, CompletionRequest } from './types.ts';

/** Something that answers a chat request: the OpenAI SDK, a cassette, a cache in front of either. */
export interface Provider {
  /** For reports: `openai (http://…/v1)`, `replay cassette.jsonl`. */
  readonly description: string;
  complete(request: CompletionRequest, options: { signal: AbortSignal }): Promise<Completion>;
}

export type ProviderErrorKind =
  /** 429: retried after `retry-after`. */
  | 'rate-limited'
  /** 5xx: retried with backoff. */
  | 'server'
  /** No answer within the per-call timeout. */
  | 'timeout'
  /** The connection failed or was refused. */
  | 'connection'
  /** The answer stopped before its end (a cut stream). */
  | 'truncated'
  /** 401 / 403: the key is wrong; no case can pass, so the run stops. */
  | 'unauthorized'
  /** Any other 4xx: the request itself is wrong (unknown model, bad parameter). */
  | 'request'
  /** Replay only: no recorded answer for this request. */
  | 'not-recorded'
  /** The run was stopped (Ctrl-C). */
  | 'aborted';

/** A failed call, classified so the runner knows whether to retry, count an error or stop. */
export class ProviderError extends Error {
  override readonly name = 'ProviderError';
  readonly kind: ProviderErrorKind;
  readonly status: number | undefined;
  readonly retryAfterMs: number | undefined;

  constructor(
    kind: ProviderErrorKind,
    message: string,
    options: { status?: number; retryAfterMs?: number } = {},
  ) {
    super(message);
    this.kind = kind;
    this.status = options.status;
    this.retryAfterMs = options.retryAfterMs;
  }

  get retryable(): boolean {
    return ['rate-limited', 'server', 'timeout', 'connection', 'truncated'].includes(this.kind);
  }
}

export function isProviderError(error: unknown): error is ProviderError {
  return error instanceof ProviderError;
}

/** `retry-after-ms`, or `retry-after` in seconds or as an HTTP date. */
export function retryAfterFrom(
  headers: { get(name: string): string | null } | undefined,
  now = Date.now(),
): number | undefined {
  if (!headers) return undefined;
  const ms = Number(headers.get('retry-after-ms'));
  if (headers.get('retry-after-ms') !== null && Number.isFinite(ms) && ms >= 0) return ms;
  const value = headers.get('retry-after');
  if (value === null) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
