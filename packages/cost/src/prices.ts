/** A price in USD per million tokens, flat or stepping up with the size of one request. */
export type TokenPrice = number | { base: number; tiers: { start: number; price: number }[] };

/** What one model costs per million tokens of each kind. */
export interface ModelPrices {
  input: TokenPrice;
  output: TokenPrice;
  /** Input tokens served from the provider's prompt cache. */
  cachedInput?: TokenPrice;
  cacheWrite?: TokenPrice;
  /** Batch API prices, where the provider has them. */
  batchInput?: number;
  batchOutput?: number;
}

/** One model's prices, and where and when they were taken. */
export interface PriceEntry {
  /** `provider/model` as Airlock names it. */
  id: string;
  prices: ModelPrices;
  asOf: string;
  source: string;
}

/**
 * Where prices come from. Lookups are exact: a model the table does not know is an error with
 * close ids, never a silent zero or a neighbour's price.
 */
export interface PriceTable {
  readonly asOf: string;
  readonly source: string;
  lookup(id: string): PriceEntry | undefined;
  ids(): string[];
}

/**
 * The price that applies to one request. Tiers are keyed on the request's input tokens (as
 * Anthropic and Google bill long context): above a tier's start, all of that request's tokens of
 * this kind cost the tier's price — so tiers must be applied per request, never to a month's total.
 */
export function priceFor(price: TokenPrice, requestInputTokens: number): number {
  if (typeof price === 'number') return price;
  let current = price.base;
  for (const tier of [...price.tiers].sort((a, b) => a.start - b.start)) {
    if (requestInputTokens > tier.start) current = tier.price;
  }
  return current;
}
