import { AirlockError } from '@airlock/core';
import {
  type DeployStateService,
  type RollbackLimit,
  rollbacksInWindow,
  rollbackTarget,
  type StateKey,
} from '@airlock/deploy-state';
import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import type { AppEnv } from '../context.ts';
import { errorBodySchema } from '../error-body.ts';
import { requireRole } from '../middleware/auth.ts';

export interface DeploymentRoutesOptions {
  deployState: DeployStateService;
  /** The namespace when a request names none (deploy.namespace in airlock.yaml). */
  namespace: string;
  rollbackLimit: RollbackLimit;
}

const releaseSchema = z
  .object({
    id: z.string(),
    digest: z.string(),
    feature: z.string().optional(),
    model: z.string().optional(),
    fallbackModel: z.string().optional(),
    prompt: z.object({ name: z.string(), version: z.number().int(), sha256: z.string() }).optional(),
  })
  .openapi('ReleaseRef');

const deploymentSchema = z
  .object({
    seq: z.number().int(),
    kind: z.enum(['deploy', 'rollback']),
    release: releaseSchema,
    commit: z.string(),
    image: z.string(),
    by: z.string(),
    at: z.string(),
    outcome: z.enum(['deployed', 'known-good', 'rolled-back', 'failed']),
    markedGood: z.object({ by: z.string(), at: z.string() }).optional(),
    rollbackId: z.string().optional(),
  })
  .openapi('Deployment');

const pointerSchema = z.object({ seq: z.number().int(), releaseId: z.string(), image: z.string() });

const rollbackSchema = z
  .object({
    id: z.string(),
    at: z.string(),
    by: z.string(),
    reason: z.string(),
    from: pointerSchema,
    to: pointerSchema,
    status: z.enum(['done', 'failed', 'abandoned']),
    command: z.string().optional(),
    detail: z.string().optional(),
  })
  .openapi('Rollback');

const haltSchema = z
  .object({ since: z.string(), reason: z.string(), by: z.string(), rollbacks: z.number().int() })
  .openapi('Halt');

const environmentSchema = z
  .object({
    environment: z.string(),
    namespace: z.string(),
    revision: z.number().int(),
    updatedAt: z.string(),
    ageMs: z.number(),
    stale: z.boolean(),
    current: deploymentSchema.nullable(),
    knownGood: deploymentSchema.nullable().openapi({ description: 'what a rollback would return to now' }),
    halt: haltSchema.nullable(),
    rollbacksInWindow: z.number().int(),
    rollbackLimit: z.object({ count: z.number().int(), windowMs: z.number().int() }),
    rollout: z
      .object({
        seq: z.number().int(),
        policy: z.string(),
        stage: z.number().int(),
        trafficPct: z.number(),
        stageStartedAt: z.string(),
        emergency: z.boolean(),
        startedAt: z.string(),
        by: z.string(),
      })
      .nullable()
      .openapi({ description: "the current deployment's progressive rollout, if any" }),
  })
  .openapi('DeploymentState');

const error = (description: string) => ({
  description,
  content: { 'application/json': { schema: errorBodySchema } },
});
const errors = {
  401: error('No or unknown bearer token'),
  404: error('No deploy state for this environment and namespace (STATE_MISSING), or no such feature there'),
  409: error('The state belongs to another environment or namespace (STATE_MISMATCH)'),
  500: error('The stored state is unreadable (STATE_CORRUPT)'),
};

const namespaceQuery = z
  .string()
  .optional()
  .openapi({ description: 'default: deploy.namespace in airlock.yaml' });
const security = [{ bearerAuth: [] }];

const getEnvironment = createRoute({
  method: 'get',
  path: '/v1/deployments/{env}',
  tags: ['deployments'],
  summary: 'What runs in an environment, what a rollback would return to, and any halt',
  security,
  request: { params: z.object({ env: z.string() }), query: z.object({ namespace: namespaceQuery }) },
  responses: {
    200: { description: 'The environment', content: { 'application/json': { schema: environmentSchema } } },
    ...errors,
  },
});

const getFeatureRelease = createRoute({
  method: 'get',
  path: '/v1/features/{feature}/release',
  tags: ['deployments'],
  summary: 'What a feature should run in an environment: model, fallback model, prompt version, image',
  security,
  request: {
    params: z.object({ feature: z.string() }),
    query: z.object({ env: z.string().openapi({ example: 'production' }), namespace: namespaceQuery }),
  },
  responses: {
    200: {
      description: 'The current release',
      content: {
        'application/json': {
          schema: z.object({
            feature: z.string(),
            environment: z.string(),
            namespace: z.string(),
            release: releaseSchema,
            commit: z.string(),
            image: z.string(),
            deployedAt: z.string(),
            outcome: deploymentSchema.shape.outcome,
            halted: z.boolean(),
          }),
        },
      },
    },
    ...errors,
  },
});

const outcomeSchema = z.object({ rollback: rollbackSchema, current: deploymentSchema.nullable() });

const postRollback = createRoute({
  method: 'post',
  path: '/v1/deployments/{env}/rollback',
  tags: ['deployments'],
  summary:
    'Roll back to the last known-good release (deployer). The API runs no deploy command: it claims the rollback and answers the image to deploy (202); report the result to …/rollback/{id}. With deployed: true (you already redeployed), it is recorded at once (200)',
  security,
  middleware: [requireRole('deployer')] as const,
  request: {
    params: z.object({ env: z.string() }),
    body: {
      content: {
        'application/json': {
          schema: z.strictObject({
            reason: z.string().min(1),
            namespace: z.string().optional(),
            allowStale: z.boolean().default(false),
            deployed: z.boolean().default(false),
          }),
        },
      },
    },
  },
  responses: {
    200: {
      description: 'Recorded as done (deployed: true)',
      content: { 'application/json': { schema: outcomeSchema } },
    },
    202: {
      description: 'Claimed: deploy claim.to.image, then report to `report`',
      content: {
        'application/json': {
          schema: z.object({
            claim: z.object({ id: z.string(), from: deploymentSchema, to: deploymentSchema }),
            report: z.string(),
          }),
        },
      },
    },
    403: error('The token is not a deployer'),
    412: error('Nothing known-good to roll back to, or the state is older than the age limit (STATE_STALE)'),
    423: error('Halted: past the rollback-rate limit (this request halted it, or it was already)'),
    ...errors,
  },
});

const postRollbackResult = createRoute({
  method: 'post',
  path: '/v1/deployments/{env}/rollback/{id}',
  tags: ['deployments'],
  summary: 'Report what the deploy of a claimed rollback did (deployer): ok records it done, else failed',
  security,
  middleware: [requireRole('deployer')] as const,
  request: {
    params: z.object({ env: z.string(), id: z.string() }),
    query: z.object({ namespace: namespaceQuery }),
    body: {
      content: {
        'application/json': {
          schema: z.strictObject({
            ok: z.boolean(),
            detail: z.string().optional(),
            namespace: z.string().optional(),
          }),
        },
      },
    },
  },
  responses: {
    200: {
      description: 'The rollback as recorded',
      content: { 'application/json': { schema: outcomeSchema } },
    },
    403: error('The token is not a deployer'),
    ...errors,
    409: error('The claim is not open (finished, or closed as abandoned)'),
  },
});

export function registerDeploymentRoutes(app: OpenAPIHono<AppEnv>, options: DeploymentRoutesOptions): void {
  const { deployState } = options;
  const keyOf = (environment: string, namespace?: string): StateKey => ({
    environment,
    namespace: namespace ?? options.namespace,
  });

  app.openapi(getEnvironment, async (context) => {
    const key = keyOf(context.req.valid('param').env, context.req.valid('query').namespace);
    const { state, ageMs, stale } = await deployState.read(key);
    return context.json(
      {
        environment: state.environment,
        namespace: state.namespace,
        revision: state.revision,
        updatedAt: state.updatedAt,
        ageMs,
        stale,
        current: state.current,
        knownGood: rollbackTarget(state) ?? null,
        halt: state.halt,
        rollbacksInWindow: rollbacksInWindow(state, new Date(), options.rollbackLimit).length,
        rollbackLimit: options.rollbackLimit,
        rollout: state.rollout,
      },
      200,
    );
  });

  app.openapi(getFeatureRelease, async (context) => {
    const { feature } = context.req.valid('param');
    const query = context.req.valid('query');
    const key = keyOf(query.env, query.namespace);
    const { state } = await deployState.read(key);
    const current = state.current;
    if (current === null || current.release.feature !== feature) {
      throw new AirlockError(
        'NOT_FOUND',
        current === null
          ? `nothing is deployed to ${key.environment} in namespace ${key.namespace}`
          : `${key.environment} in namespace ${key.namespace} runs ${current.release.feature ?? 'a release without a feature'}, not ${feature}`,
      );
    }
    return context.json(
      {
        feature,
        environment: key.environment,
        namespace: key.namespace,
        release: current.release,
        commit: current.commit,
        image: current.image,
        deployedAt: current.at,
        outcome: current.outcome,
        halted: state.halt !== null,
      },
      200,
    );
  });

  app.openapi(postRollback, async (context) => {
    const body = context.req.valid('json');
    const { env } = context.req.valid('param');
    const input = { actor: context.get('identity').actor, reason: body.reason, allowStale: body.allowStale };
    const key = keyOf(env, body.namespace);
    if (body.deployed) {
      const outcome = await deployState.rollback(key, input);
      return context.json({ rollback: outcome.rollback, current: outcome.current }, 200);
    }
    const { claim } = await deployState.claimRollback(key, input);
    const namespace = body.namespace === undefined ? '' : `?namespace=${encodeURIComponent(body.namespace)}`;
    return context.json(
      { claim, report: `/v1/deployments/${encodeURIComponent(env)}/rollback/${claim.id}${namespace}` },
      202,
    );
  });

  app.openapi(postRollbackResult, async (context) => {
    const { env, id } = context.req.valid('param');
    const body = context.req.valid('json');
    const namespace = body.namespace ?? context.req.valid('query').namespace;
    const outcome = await deployState.finishRollback(keyOf(env, namespace), {
      actor: context.get('identity').actor,
      claimId: id,
      ok: body.ok,
      ...(body.detail === undefined ? {} : { detail: body.detail }),
    });
    return context.json({ rollback: outcome.rollback, current: outcome.current }, 200);
  });
}
