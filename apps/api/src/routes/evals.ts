import { AirlockError } from '@airlock/core';
import type { EvalRunStore } from '@airlock/evals';
import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import type { AppEnv } from '../context.ts';
import { errorBodySchema } from '../error-body.ts';

const metricsSchema = z
  .object({
    cases: z.number().int(),
    repeats: z.number().int(),
    results: z.number().int(),
    passed: z.number().int(),
    failed: z.number().int(),
    errors: z.number().int(),
    passRate: z.number(),
    checkPassRate: z.number(),
    checksPassed: z.number().int(),
    checksTotal: z.number().int(),
    passAllRepeats: z.number(),
    cachedResults: z.number().int(),
    slices: z.record(z.string(), z.object({ cases: z.number().int(), passRate: z.number() })),
    latencyMs: z
      .object({ p50: z.number(), p95: z.number(), p99: z.number(), mean: z.number(), max: z.number() })
      .optional(),
    tokens: z.object({ input: z.number(), output: z.number(), cachedInput: z.number() }),
    cost: z.object({ totalUsd: z.number(), perCallUsd: z.number(), per1kRequestsUsd: z.number() }).optional(),
  })
  .openapi('EvalMetrics');

const runSchema = z
  .object({
    id: z.string(),
    feature: z.string().optional(),
    release: z.string().optional(),
    suite: z.object({ name: z.string(), file: z.string(), sha256: z.string(), cases: z.number().int() }),
    datasets: z.array(z.object({ path: z.string(), sha256: z.string() })),
    model: z.string(),
    prompt: z.string().optional(),
    parameters: z.object({
      temperature: z.number().optional(),
      seed: z.number().int().optional(),
      maxTokens: z.number().int().optional(),
      topP: z.number().optional(),
      responseFormat: z.enum(['text', 'json_object']).optional(),
    }),
    provider: z.string(),
    options: z.object({ concurrency: z.number().int(), repeat: z.number().int(), tags: z.array(z.string()) }),
    resultsFile: z.string().optional(),
    startedAt: z.string(),
    finishedAt: z.string(),
    durationMs: z.number(),
    interrupted: z.boolean(),
    metrics: metricsSchema,
  })
  .openapi('EvalRun', { description: 'One eval run: what ran, on what data, and what it measured' });

const outcomeSchema = z
  .object({
    caseId: z.string(),
    passFraction: z.number(),
    weight: z.number(),
    tags: z.array(z.string()),
    errors: z.number().int(),
    detail: z.string().optional(),
  })
  .openapi('EvalCaseOutcome');

const errors = {
  400: { description: 'Invalid request', content: { 'application/json': { schema: errorBodySchema } } },
  401: {
    description: 'No or unknown bearer token',
    content: { 'application/json': { schema: errorBodySchema } },
  },
};

const listRuns = createRoute({
  method: 'get',
  path: '/v1/evals/runs',
  tags: ['evals'],
  summary: 'Stored eval runs, newest first',
  security: [{ bearerAuth: [] }],
  request: {
    query: z.object({
      feature: z.string().optional(),
      limit: z.coerce.number().int().min(1).max(500).default(50),
    }),
  },
  responses: {
    200: {
      description: 'Runs',
      content: { 'application/json': { schema: z.object({ runs: z.array(runSchema) }) } },
    },
    ...errors,
  },
});

const getRun = createRoute({
  method: 'get',
  path: '/v1/evals/runs/{id}',
  tags: ['evals'],
  summary: 'One eval run with every case’s outcome',
  security: [{ bearerAuth: [] }],
  request: { params: z.object({ id: z.string() }) },
  responses: {
    200: {
      description: 'The run',
      content: {
        'application/json': { schema: z.object({ run: runSchema, cases: z.array(outcomeSchema) }) },
      },
    },
    ...errors,
    404: { description: 'No such run', content: { 'application/json': { schema: errorBodySchema } } },
  },
});

export function registerEvalRoutes(app: OpenAPIHono<AppEnv>, runs: EvalRunStore): void {
  app.openapi(listRuns, (context) => {
    const { feature, limit } = context.req.valid('query');
    return context.json(
      { runs: runs.listRuns({ ...(feature === undefined ? {} : { feature }), limit }) },
      200,
    );
  });
  app.openapi(getRun, (context) => {
    const { id } = context.req.valid('param');
    const run = runs.getRun(id);
    if (!run) throw new AirlockError('NOT_FOUND', `no eval run ${id}`);
    return context.json({ run, cases: runs.outcomes(id) }, 200);
  });
}
