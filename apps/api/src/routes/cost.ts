import { estimateMonthly, type PriceTable, requirePrice } from '@airlock/cost';
import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import type { AppEnv } from '../context.ts';
import { errorBodySchema } from '../error-body.ts';

const tokenPriceSchema = z.union([
  z.number(),
  z.object({ base: z.number(), tiers: z.array(z.object({ start: z.number(), price: z.number() })) }),
]);

const priceEntrySchema = z
  .object({
    id: z.string(),
    prices: z.object({
      input: tokenPriceSchema,
      output: tokenPriceSchema,
      cachedInput: tokenPriceSchema.optional(),
      cacheWrite: tokenPriceSchema.optional(),
      batchInput: z.number().optional(),
      batchOutput: z.number().optional(),
    }),
    asOf: z.string(),
    source: z.string(),
  })
  .openapi('Price', {
    description: 'USD per million tokens; tiers apply per request, keyed on its input tokens',
  });

const errors = {
  400: { description: 'Invalid request', content: { 'application/json': { schema: errorBodySchema } } },
  401: {
    description: 'No or unknown bearer token',
    content: { 'application/json': { schema: errorBodySchema } },
  },
  404: {
    description: 'No price for the model',
    content: { 'application/json': { schema: errorBodySchema } },
  },
};

const getPrice = createRoute({
  method: 'get',
  path: '/v1/models/{provider}/{name}/price',
  tags: ['cost'],
  summary: 'A model’s prices, with the date they were taken and their source',
  security: [{ bearerAuth: [] }],
  request: { params: z.object({ provider: z.string(), name: z.string() }) },
  responses: {
    200: { description: 'Prices', content: { 'application/json': { schema: priceEntrySchema } } },
    ...errors,
  },
});

const estimate = createRoute({
  method: 'post',
  path: '/v1/cost/estimate',
  tags: ['cost'],
  summary: 'Monthly cost at a traffic forecast, priced per request then multiplied by volume',
  security: [{ bearerAuth: [] }],
  request: {
    body: {
      content: {
        'application/json': {
          schema: z.strictObject({
            model: z.string().openapi({ example: 'openai/gpt-4o-2024-11-20' }),
            monthlyRequests: z.number().int().positive(),
            inputTokens: z.number().int().min(0),
            outputTokens: z.number().int().min(0),
            cachedInputTokens: z.number().int().min(0).optional(),
            batch: z.boolean().optional(),
          }),
        },
      },
    },
  },
  responses: {
    200: {
      description: 'Estimate',
      content: {
        'application/json': {
          schema: z
            .object({
              model: z.string(),
              monthlyRequests: z.number(),
              monthlyInputCost: z.number(),
              monthlyOutputCost: z.number(),
              totalMonthlyCost: z.number(),
              costPerRequest: z.number(),
              pricesAsOf: z.string(),
              priceSource: z.string(),
            })
            .openapi('CostEstimate'),
        },
      },
    },
    ...errors,
  },
});

export function registerCostRoutes(app: OpenAPIHono<AppEnv>, prices: PriceTable): void {
  app.openapi(getPrice, (context) => {
    const { provider, name } = context.req.valid('param');
    return context.json(requirePrice(prices, `${provider}/${name}`), 200);
  });
  app.openapi(estimate, (context) => {
    const body = context.req.valid('json');
    const result = estimateMonthly(
      requirePrice(prices, body.model),
      {
        inputTokens: body.inputTokens,
        outputTokens: body.outputTokens,
        ...(body.cachedInputTokens === undefined ? {} : { cachedInputTokens: body.cachedInputTokens }),
        ...(body.batch === undefined ? {} : { batch: body.batch }),
      },
      body.monthlyRequests,
    );
    return context.json(result, 200);
  });
}
