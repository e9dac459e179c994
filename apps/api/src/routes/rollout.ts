import { AirlockError } from '@airlock/core';
import { type DeployStateService, rollbackTarget } from '@airlock/deploy-state';
import {
  assign,
  type PredictionStore,
  parseVariantList,
  predictionInputSchema,
  toPrediction,
} from '@airlock/rollout';
import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import type { AppEnv } from '../context.ts';
import { errorBodySchema } from '../error-body.ts';
import { requireRole } from '../middleware/auth.ts';

export interface RolloutRoutesOptions {
  predictions: PredictionStore;
  /** Keep raw inputs (predictions.keep_inputs); otherwise only their SHA-256 is stored. */
  keepInputs: boolean;
  deployState: DeployStateService;
  namespace: string;
  now?: () => Date;
}

const error = (description: string) => ({
  description,
  content: { 'application/json': { schema: errorBodySchema } },
});
const security = [{ bearerAuth: [] }];

/** Big enough for a client's minute of traffic; small enough to validate in one go. */
const maxBatch = 5000;

const postPredictions = createRoute({
  method: 'post',
  path: '/v1/predictions',
  tags: ['rollout'],
  summary: `Log predictions (a batch of up to ${maxBatch}); a request id already logged for the feature is skipped, except to add feedback it did not have`,
  security,
  middleware: [requireRole('publisher', 'deployer')] as const,
  request: {
    body: {
      content: {
        'application/json': {
          schema: z.strictObject({ predictions: z.array(predictionInputSchema).min(1).max(maxBatch) }),
        },
      },
    },
  },
  responses: {
    200: {
      description: 'How many were new, and how many were already logged',
      content: {
        'application/json': {
          schema: z.object({ inserted: z.number().int(), duplicates: z.number().int() }),
        },
      },
    },
    400: error('A prediction does not match the format (every problem is listed)'),
    401: error('No or unknown bearer token'),
    403: error('The token is not a publisher or deployer'),
  },
});

const getRoute = createRoute({
  method: 'get',
  path: '/v1/features/{feature}/route',
  tags: ['rollout'],
  summary:
    'Which release serves this unit (user, session): the canary while it is in the rollout share, else the stable release',
  security,
  request: {
    params: z.object({ feature: z.string() }),
    query: z.object({
      unit: z.string().min(1).max(512),
      env: z.string().default('production'),
      namespace: z.string().optional(),
      experiment: z.string().optional().openapi({ description: 'an A/B experiment name; needs variants' }),
      variants: z
        .string()
        .optional()
        .openapi({ description: 'name:weight pairs, comma-separated, e.g. formal:1,casual:1' }),
    }),
  },
  responses: {
    200: {
      description: 'The unit’s route',
      content: {
        'application/json': {
          schema: z.object({
            feature: z.string(),
            unit: z.string(),
            environment: z.string(),
            arm: z.enum(['canary', 'stable']),
            release: z.string(),
            model: z.string().optional(),
            fallbackModel: z.string().optional(),
            promptVersion: z.string().optional(),
            image: z.string(),
            trafficPct: z.number(),
            bucket: z.number().int(),
            variant: z.string().optional(),
            algorithm: z.string(),
          }),
        },
      },
    },
    ...{ 401: error('No or unknown bearer token'), 404: error('Nothing of this feature is deployed there') },
  },
});

export function registerRolloutRoutes(app: OpenAPIHono<AppEnv>, options: RolloutRoutesOptions): void {
  const now = options.now ?? (() => new Date());

  app.openapi(postPredictions, async (context) => {
    const { predictions } = context.req.valid('json');
    const at = now();
    const result = options.predictions.append(
      predictions.map((prediction) => toPrediction(prediction, { now: at, keepInputs: options.keepInputs })),
    );
    return context.json(result, 200);
  });

  app.openapi(getRoute, async (context) => {
    const { feature } = context.req.valid('param');
    const query = context.req.valid('query');
    const key = { environment: query.env, namespace: query.namespace ?? options.namespace };
    const { state } = await options.deployState.read(key);
    const current = state.current;
    if (current === null || current.release.feature !== feature) {
      throw new AirlockError(
        'NOT_FOUND',
        `${feature} is not what ${key.environment} in namespace ${key.namespace} runs${current ? ` (it runs ${current.release.feature ?? current.release.id})` : ''}`,
      );
    }
    // In a rollout, the canary is the current deployment and the stable release the one a rollback returns to.
    const rollout = state.rollout?.seq === current.seq ? state.rollout : null;
    const stable = rollout === null ? undefined : rollbackTarget(state);
    const experiment =
      query.experiment === undefined
        ? undefined
        : { name: query.experiment, variants: parseVariantList(query.variants ?? '') };
    const assignment = assign({
      feature,
      unitId: query.unit,
      trafficPct: rollout?.trafficPct ?? 100,
      ...(experiment === undefined ? {} : { experiment }),
    });
    const canary = rollout === null || stable === undefined || assignment.inRollout;
    const serving = canary ? current : (stable ?? current);
    const prompt = serving.release.prompt;
    // A unit's route changes only when a stage changes: short private caching is safe.
    context.header('Cache-Control', 'private, max-age=30');
    return context.json(
      {
        feature,
        unit: query.unit,
        environment: key.environment,
        arm: canary && rollout !== null ? ('canary' as const) : ('stable' as const),
        release: serving.release.id,
        ...(serving.release.model === undefined ? {} : { model: serving.release.model }),
        ...(serving.release.fallbackModel === undefined
          ? {}
          : { fallbackModel: serving.release.fallbackModel }),
        ...(prompt === undefined ? {} : { promptVersion: `${prompt.name}@${prompt.version}` }),
        image: serving.image,
        trafficPct: rollout?.trafficPct ?? 100,
        bucket: assignment.rolloutBucket,
        ...(assignment.variant === undefined ? {} : { variant: assignment.variant }),
        algorithm: assignment.algorithm,
      },
      200,
    );
  });
}
