import { newRequestId, parseRequestId } from '@airlock/core';
import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../context.ts';

export const requestIdHeader = 'X-Request-Id';

/**
 * Gives every request an id — the caller's `X-Request-Id` when it is safe to log, else a new one —
 * and returns it on every response, so a caller can quote it and an operator can find the log line.
 */
export function requestIdMiddleware(): MiddlewareHandler<AppEnv> {
  return async (context, next) => {
    const incoming = context.req.header(requestIdHeader);
    const id = (incoming === undefined ? undefined : parseRequestId(incoming)) ?? newRequestId();
    context.set('requestId', id);
    context.header(requestIdHeader, id);
    await next();
    context.header(requestIdHeader, id);
  };
}
