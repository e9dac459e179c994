import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import type { AppEnv } from '../context.ts';
import { errorBodySchema } from '../error-body.ts';

/** What the readiness probe reports about the store. */
export interface Readiness {
  ready: boolean;
  /** Why not, when not ready. */
  reason?: string;
  storeId?: string;
  migrationsApplied: number;
  migrationsPending: string[];
}

const healthSchema = z.object({ status: z.literal('ok'), version: z.string() }).openapi('Health');

const readinessSchema = z
  .object({
    status: z.enum(['ready', 'not_ready']),
    reason: z.string().optional(),
    storeId: z.string().optional(),
    migrationsApplied: z.number().int(),
    migrationsPending: z.array(z.string()),
  })
  .openapi('Readiness');

const healthRoute = createRoute({
  method: 'get',
  path: '/healthz',
  tags: ['operations'],
  summary: 'Liveness: the process answers',
  responses: {
    200: { description: 'Alive', content: { 'application/json': { schema: healthSchema } } },
    500: { description: 'Internal error', content: { 'application/json': { schema: errorBodySchema } } },
  },
});

const readyRoute = createRoute({
  method: 'get',
  path: '/readyz',
  tags: ['operations'],
  summary: 'Readiness: the store opens and every migration is applied',
  responses: {
    200: { description: 'Ready to serve', content: { 'application/json': { schema: readinessSchema } } },
    503: { description: 'Not ready', content: { 'application/json': { schema: readinessSchema } } },
  },
});

export function registerHealthRoutes(
  app: OpenAPIHono<AppEnv>,
  deps: { version: string; readiness: () => Readiness },
): void {
  app.openapi(healthRoute, (context) => context.json({ status: 'ok' as const, version: deps.version }, 200));
  app.openapi(readyRoute, (context) => {
    const { ready, ...rest } = deps.readiness();
    const body = { status: ready ? ('ready' as const) : ('not_ready' as const), ...rest };
    return ready ? context.json(body, 200) : context.json(body, 503);
  });
}
