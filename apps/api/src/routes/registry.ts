import { AirlockError } from '@airlock/core';
import { promptFileSchema, type Registry, riskTiers } from '@airlock/registry';
import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import type { AppEnv } from '../context.ts';
import { errorBodySchema } from '../error-body.ts';
import { requireRole } from '../middleware/auth.ts';
import {
  auditEntrySchema,
  labelMoveSchema,
  modelSchema,
  promptSchema,
  tierStatusSchema,
} from './registry-schemas.ts';

const json = <Schema extends z.ZodType>(schema: Schema, description: string) => ({
  description,
  content: { 'application/json': { schema } },
});
const errors = {
  400: json(errorBodySchema, 'Invalid request'),
  401: json(errorBodySchema, 'No or unknown bearer token'),
  403: json(errorBodySchema, 'The token’s role may not do this, or separation of duties forbids it'),
  404: json(errorBodySchema, 'Not found'),
  409: json(errorBodySchema, 'Conflicts with what is stored'),
};
const security = [{ bearerAuth: [] }];
const modelPath = z.object({
  provider: z.string().openapi({ example: 'openai' }),
  name: z.string().openapi({ example: 'gpt-4o-2024-11-20' }),
});

const listModels = createRoute({
  method: 'get',
  path: '/v1/models',
  tags: ['registry'],
  summary: 'Models, filtered by status, approved tier and provider (which models may I use?)',
  security,
  request: {
    query: z.object({
      status: z.enum(['proposed', 'approved', 'deprecated', 'retired']).optional(),
      tier: z.enum(riskTiers).optional(),
      provider: z.string().optional(),
    }),
  },
  responses: { 200: json(z.object({ models: z.array(modelSchema) }), 'Matching models'), ...errors },
});

const getModel = createRoute({
  method: 'get',
  path: '/v1/models/{provider}/{name}',
  tags: ['registry'],
  summary: 'One model with its approvals',
  security,
  request: { params: modelPath },
  responses: { 200: json(modelSchema, 'The model'), ...errors },
});

const addModel = createRoute({
  method: 'post',
  path: '/v1/models',
  tags: ['registry'],
  summary: 'Register a pinned model snapshot (publisher)',
  security,
  middleware: [requireRole('publisher')] as const,
  request: {
    body: {
      content: {
        'application/json': {
          schema: z.strictObject({
            id: z.string().openapi({ example: 'openai/gpt-4o-2024-11-20' }),
            description: z.string().optional(),
            contextWindow: z.number().int().positive().optional(),
          }),
        },
      },
    },
  },
  responses: {
    200: json(modelSchema, 'Already registered, unchanged'),
    201: json(modelSchema, 'Registered'),
    ...errors,
  },
});

const approveModel = createRoute({
  method: 'post',
  path: '/v1/models/{provider}/{name}/approvals',
  tags: ['registry'],
  summary: 'Approve a model for a tier, as the token’s role (approver, release-manager, risk-partner)',
  security,
  middleware: [requireRole('approver', 'release-manager', 'risk-partner')] as const,
  request: {
    params: modelPath,
    body: {
      content: {
        'application/json': {
          schema: z.strictObject({
            tier: z.enum(riskTiers),
            reason: z.string().min(1),
            evalRunId: z.string().optional(),
          }),
        },
      },
    },
  },
  responses: {
    201: json(z.object({ model: modelSchema, tier: tierStatusSchema }), 'Approval recorded'),
    ...errors,
  },
});

const getPrompt = createRoute({
  method: 'get',
  path: '/v1/prompts/{name}',
  tags: ['registry'],
  summary: 'A prompt version: the latest, a version number, or what a label points at',
  security,
  request: {
    params: z.object({ name: z.string() }),
    query: z.object({ version: z.coerce.number().int().positive().optional(), label: z.string().optional() }),
  },
  responses: { 200: json(promptSchema, 'The prompt version'), ...errors },
});

const publishPrompt = createRoute({
  method: 'post',
  path: '/v1/prompts',
  tags: ['registry'],
  summary: 'Publish a prompt version (publisher); the same content returns the existing version',
  security,
  middleware: [requireRole('publisher')] as const,
  request: { body: { content: { 'application/json': { schema: promptFileSchema } } } },
  responses: {
    200: json(promptSchema, 'Same content, existing version'),
    201: json(promptSchema, 'New version'),
    ...errors,
  },
});

const moveLabel = createRoute({
  method: 'put',
  path: '/v1/prompts/{name}/labels/{label}',
  tags: ['registry'],
  summary: 'Point a label at a version (release-manager)',
  security,
  middleware: [requireRole('release-manager')] as const,
  request: {
    params: z.object({ name: z.string(), label: z.string() }),
    body: {
      content: { 'application/json': { schema: z.strictObject({ version: z.number().int().positive() }) } },
    },
  },
  responses: { 200: json(labelMoveSchema, 'The move'), ...errors },
});

const listAudit = createRoute({
  method: 'get',
  path: '/v1/audit',
  tags: ['audit'],
  summary: 'The audit log (every publish, approval, label move and override), oldest first',
  security,
  request: {
    query: z.object({
      subject: z.string().optional(),
      action: z.string().optional(),
      after: z.coerce.number().int().min(0).optional().openapi({ description: 'entries after this seq' }),
      limit: z.coerce.number().int().positive().max(1000).default(100),
    }),
  },
  responses: { 200: json(z.object({ entries: z.array(auditEntrySchema) }), 'Entries'), ...errors },
});

/** The registry over HTTP: routes only translate; every rule lives in the registry service. */
export function registerRegistryRoutes(app: OpenAPIHono<AppEnv>, registry: Registry): void {
  app.openapi(listModels, async (context) => {
    const query = context.req.valid('query');
    const models = await registry.listModels({
      ...(query.status ? { status: query.status } : {}),
      ...(query.tier ? { tier: query.tier } : {}),
      ...(query.provider ? { provider: query.provider } : {}),
    });
    return context.json({ models }, 200);
  });

  app.openapi(getModel, async (context) => {
    const { provider, name } = context.req.valid('param');
    return context.json(await registry.getModel(`${provider}/${name}`), 200);
  });

  app.openapi(addModel, async (context) => {
    const body = context.req.valid('json');
    const { model, created } = await registry.addModel({
      id: body.id,
      actor: context.get('identity').actor,
      ...(body.description === undefined ? {} : { description: body.description }),
      ...(body.contextWindow === undefined ? {} : { contextWindow: body.contextWindow }),
    });
    return created ? context.json(model, 201) : context.json(model, 200);
  });

  app.openapi(approveModel, async (context) => {
    const { provider, name } = context.req.valid('param');
    const body = context.req.valid('json');
    const identity = context.get('identity');
    const result = await registry.approveModel(`${provider}/${name}`, {
      actor: identity.actor,
      role: identity.role,
      tier: body.tier,
      reason: body.reason,
      ...(body.evalRunId ? { evalRunId: body.evalRunId } : {}),
    });
    return context.json(result, 201);
  });

  app.openapi(getPrompt, async (context) => {
    const { name } = context.req.valid('param');
    const query = context.req.valid('query');
    if (query.version !== undefined && query.label !== undefined) {
      throw new AirlockError('INVALID_INPUT', 'give version or label, not both');
    }
    const prompt = await registry.getPrompt(name, {
      ...(query.version === undefined ? {} : { version: query.version }),
      ...(query.label === undefined ? {} : { label: query.label }),
    });
    return context.json(prompt, 200);
  });

  app.openapi(publishPrompt, async (context) => {
    const { prompt, created } = await registry.publishPrompt(
      context.req.valid('json'),
      context.get('identity').actor,
    );
    return created ? context.json(prompt, 201) : context.json(prompt, 200);
  });

  app.openapi(moveLabel, async (context) => {
    const { name, label } = context.req.valid('param');
    const { version } = context.req.valid('json');
    return context.json(
      await registry.moveLabel({ name, label, version, actor: context.get('identity').actor }),
      200,
    );
  });

  app.openapi(listAudit, async (context) => {
    const query = context.req.valid('query');
    const entries = await registry.auditLog({
      limit: query.limit,
      ...(query.subject ? { subject: query.subject } : {}),
      ...(query.action ? { action: query.action } : {}),
      ...(query.after === undefined ? {} : { afterSeq: query.after }),
    });
    return context.json({ entries }, 200);
  });
}
