import type { Logger } from '@airlock/core';
import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../context.ts';

/** One structured line per request: method, path, status, duration and request id. */
export function requestLogMiddleware(logger: Logger, now: () => number): MiddlewareHandler<AppEnv> {
  return async (context, next) => {
    const started = now();
    const requestLogger = logger.child({ requestId: context.get('requestId') });
    context.set('logger', requestLogger);
    await next();
    const status = context.res.status;
    const fields = {
      method: context.req.method,
      path: context.req.path,
      status,
      durationMs: Math.round((now() - started) * 10) / 10,
    };
    if (status >= 500) requestLogger.error('request', fields);
    else requestLogger.info('request', fields);
  };
}
