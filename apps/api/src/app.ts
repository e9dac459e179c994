import { httpStatusFor, isAirlockError, type Logger } from '@airlock/core';
import type { PriceTable } from '@airlock/cost';
import type { Datasets } from '@airlock/datasets';
import type { DeployStateService, RollbackLimit } from '@airlock/deploy-state';
import type { EvalRunStore } from '@airlock/evals';
import type { Registry } from '@airlock/registry';
import type { PredictionStore } from '@airlock/rollout';
import { OpenAPIHono } from '@hono/zod-openapi';
import { etag } from 'hono/etag';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { AppEnv } from './context.ts';
import { errorBody, fromSourceIssue } from './error-body.ts';
import { authenticate } from './middleware/auth.ts';
import { requestIdMiddleware } from './middleware/request-id.ts';
import { requestLogMiddleware } from './middleware/request-log.ts';
import { registerCostRoutes } from './routes/cost.ts';
import { registerDatasetRoutes } from './routes/datasets.ts';
import { registerDeploymentRoutes } from './routes/deployments.ts';
import { registerEvalRoutes } from './routes/evals.ts';
import { type Readiness, registerHealthRoutes } from './routes/health.ts';
import { registerRegistryRoutes } from './routes/registry.ts';
import { registerRolloutRoutes } from './routes/rollout.ts';

/** The methods routed for a path (`/v1/models/:id` patterns included), for 405 and `Allow`. */
function allowedMethods(routes: readonly { method: string; path: string }[], path: string): string[] {
  const methods = new Set<string>();
  for (const route of routes) {
    if (route.method === 'ALL') continue;
    const pattern = route.path.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\/:[^/]+/g, '/[^/]+');
    if (new RegExp(`^${pattern}$`).test(path)) methods.add(route.method);
  }
  if (methods.has('GET')) methods.add('HEAD');
  return [...methods].sort();
}

/** Everything the API needs, built by the composition root (server.ts) or by a test. */
export interface AppDeps {
  version: string;
  logger: Logger;
  /** Whether the store is open and migrated (the readiness probe). */
  readiness: () => Readiness;
  /** The registry service (models, prompts, approvals, audit, tokens). */
  registry: Registry;
  /** Dataset versions (read-only over HTTP). */
  datasets: Datasets;
  /** The price table (bundled data, under the project's override file). */
  prices: PriceTable;
  /** Stored eval runs (read-only over HTTP). */
  evalRuns: EvalRunStore;
  /** deploy_state.json per environment, and the defaults requests fall back on. */
  deployments: { deployState: DeployStateService; namespace: string; rollbackLimit: RollbackLimit };
  /** The prediction log, and whether it keeps raw inputs. */
  predictions: { store: PredictionStore; keepInputs: boolean };
  /** A monotonic clock in milliseconds, for request durations. */
  now?: () => number;
}

/**
 * The Airlock HTTP API. No environment, no I/O of its own: everything comes in `deps`, so tests
 * call it with `app.request(...)` and server.ts serves it over HTTP.
 */
export function createApp(deps: AppDeps): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>({
    // A request that fails its route's zod schema gets the one error body, listing every problem.
    defaultHook: (result, context) => {
      if (result.success) return;
      const issues = result.error.issues.map((issue) => ({
        path: issue.path.map(String).join('.') || '(body)',
        message: issue.message,
      }));
      return context.json(
        errorBody({
          code: 'INVALID_INPUT',
          message: `invalid request: ${issues.length} problem${issues.length === 1 ? '' : 's'}`,
          requestId: context.get('requestId'),
          issues,
        }),
        400,
      );
    },
  });

  app.use('*', requestIdMiddleware());
  app.use('*', requestLogMiddleware(deps.logger, deps.now ?? (() => performance.now())));

  registerHealthRoutes(app, { version: deps.version, readiness: deps.readiness });

  // Every /v1 route needs a bearer token; reads answer If-None-Match with 304 so callers can cache.
  app.use('/v1/*', authenticate(deps.registry));
  app.use('/v1/*', etag());
  app.openAPIRegistry.registerComponent('securitySchemes', 'bearerAuth', {
    type: 'http',
    scheme: 'bearer',
    description: 'A token from `airlock token create --actor <who> --role <role>`.',
  });
  registerRegistryRoutes(app, deps.registry);
  registerDatasetRoutes(app, deps.datasets);
  registerCostRoutes(app, deps.prices);
  registerEvalRoutes(app, deps.evalRuns);
  registerDeploymentRoutes(app, deps.deployments);
  registerRolloutRoutes(app, {
    predictions: deps.predictions.store,
    keepInputs: deps.predictions.keepInputs,
    deployState: deps.deployments.deployState,
    namespace: deps.deployments.namespace,
  });

  app.doc31('/openapi.json', {
    openapi: '3.1.0',
    info: {
      title: 'Airlock API',
      version: deps.version,
      description:
        'Release gates and records for AI features: registry, datasets, eval runs, deploy state, audit.',
    },
  });

  app.notFound((context) => {
    const { method, path } = context.req;
    const allowed = allowedMethods(app.routes, path);
    if (allowed.length > 0) {
      context.header('Allow', allowed.join(', '));
      return context.json(
        errorBody({
          code: 'METHOD_NOT_ALLOWED',
          message: `${method} is not allowed on ${path} (allowed: ${allowed.join(', ')})`,
          requestId: context.get('requestId'),
        }),
        405,
      );
    }
    return context.json(
      errorBody({
        code: 'NOT_FOUND',
        message: `no route ${method} ${path}`,
        requestId: context.get('requestId'),
      }),
      404,
    );
  });

  app.onError((error, context) => {
    const requestId = context.get('requestId');
    if (isAirlockError(error)) {
      return context.json(
        errorBody({
          code: error.code,
          message: error.message,
          requestId,
          issues: error.issues.map(fromSourceIssue),
        }),
        httpStatusFor(error.code) as ContentfulStatusCode,
      );
    }
    if (error instanceof HTTPException) {
      // Hono's own refusals (malformed JSON, an unreadable body): the caller's mistake, not a bug.
      const status = error.status >= 400 && error.status < 500 ? error.status : 400;
      const code =
        status === 401
          ? 'UNAUTHORIZED'
          : status === 403
            ? 'FORBIDDEN'
            : status === 404
              ? 'NOT_FOUND'
              : 'INVALID_INPUT';
      return context.json(
        errorBody({ code, message: error.message || 'invalid request', requestId }),
        status as ContentfulStatusCode,
      );
    }
    // A bug: logged in full, answered without internals.
    (context.get('logger') ?? deps.logger).error('unhandled error', { error, stack: error.stack });
    return context.json(
      errorBody({
        code: 'INTERNAL',
        message: 'internal error; quote the request id when reporting it',
        requestId,
      }),
      500,
    );
  });

  return app;
}
