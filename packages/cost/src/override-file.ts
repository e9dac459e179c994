import { z } from 'zod';
import type { ModelPrices, PriceEntry, PriceTable, TokenPrice } from './prices.ts';

const usd = z.number().min(0, 'expected a price in USD per million tokens (≥ 0)');

const tieredSchema = z.strictObject({
  base: usd,
  tiers: z.array(z.strictObject({ above_input_tokens: z.number().int().positive(), price: usd })).min(1),
});

const priceSchema = z.union([usd, tieredSchema]);

/**
 * A price override file (YAML): private or self-hosted models and negotiated rates. Its entries
 * win over the bundled data for the ids they name.
 */
export const priceOverrideFileSchema = z.strictObject({
  as_of: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/, 'expected the date the prices were taken, YYYY-MM-DD')
    .refine((day) => {
      const date = new Date(`${day}T00:00:00Z`);
      return (
        !/^\d{4}-\d{2}-\d{2}$/.test(day) ||
        (!Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === day)
      );
    }, 'expected a real calendar date, YYYY-MM-DD'),
  source: z.string().min(1, 'expected where the prices come from (a contract, a pricing page)'),
  models: z.record(
    z.string().regex(/^[a-z][a-z0-9-]*\/\S+$/, 'expected provider/model'),
    z.strictObject({
      input: priceSchema,
      output: priceSchema,
      cached_input: priceSchema.optional(),
      cache_write: priceSchema.optional(),
      batch_input: usd.optional(),
      batch_output: usd.optional(),
    }),
  ),
});

export type PriceOverrideFile = z.output<typeof priceOverrideFileSchema>;

function tokenPrice(price: z.output<typeof priceSchema>): TokenPrice {
  if (typeof price === 'number') return price;
  return {
    base: price.base,
    tiers: price.tiers.map((tier) => ({ start: tier.above_input_tokens, price: tier.price })),
  };
}

/** The override file as a price table. */
export function overridePriceTable(file: PriceOverrideFile): PriceTable {
  const entries = new Map<string, PriceEntry>();
  for (const [id, model] of Object.entries(file.models)) {
    const prices: ModelPrices = {
      input: tokenPrice(model.input),
      output: tokenPrice(model.output),
      ...(model.cached_input === undefined ? {} : { cachedInput: tokenPrice(model.cached_input) }),
      ...(model.cache_write === undefined ? {} : { cacheWrite: tokenPrice(model.cache_write) }),
      ...(model.batch_input === undefined ? {} : { batchInput: model.batch_input }),
      ...(model.batch_output === undefined ? {} : { batchOutput: model.batch_output }),
    };
    entries.set(id, { id, prices, asOf: file.as_of, source: file.source });
  }
  return {
    asOf: file.as_of,
    source: file.source,
    lookup: (id) => entries.get(id),
    ids: () => [...entries.keys()],
  };
}
