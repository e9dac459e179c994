import { AirlockError } from '@airlock/core';
import type { Registry, Role } from '@airlock/registry';
import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../context.ts';

/**
 * Bearer-token authentication: every `/v1` call names who is calling. A missing or unknown token
 * is 401 (with `WWW-Authenticate`), a known token with the wrong role is 403.
 */
export function authenticate(registry: Registry): MiddlewareHandler<AppEnv> {
  return async (context, next) => {
    const header = context.req.header('Authorization') ?? '';
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match?.[1]) {
      context.header('WWW-Authenticate', 'Bearer realm="airlock"');
      throw new AirlockError(
        'UNAUTHORIZED',
        'a bearer token is required (Authorization: Bearer <token>; airlock token create)',
      );
    }
    const identity = await registry.authenticate(match[1]);
    if (!identity) {
      context.header('WWW-Authenticate', 'Bearer realm="airlock", error="invalid_token"');
      throw new AirlockError('UNAUTHORIZED', 'the bearer token is unknown or revoked');
    }
    context.set('identity', identity);
    await next();
  };
}

/** Lets the request through only for these roles (admin always). */
export function requireRole(...allowed: Role[]): MiddlewareHandler<AppEnv> {
  return async (context, next) => {
    const identity = context.get('identity');
    if (!identity || !(identity.role === 'admin' || allowed.includes(identity.role))) {
      throw new AirlockError(
        'FORBIDDEN',
        `this needs the role ${allowed.join(' or ')}; the token's role is ${identity?.role ?? 'none'}`,
      );
    }
    await next();
  };
}
