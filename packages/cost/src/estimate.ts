import { AirlockError } from '@airlock/core';
import { type PriceEntry, priceFor } from './prices.ts';

/** One average request: how many tokens of each kind it uses. */
export interface RequestShape {
  inputTokens: number;
  outputTokens: number;
  /** Of the input tokens, how many are served from the provider's prompt cache. */
  cachedInputTokens?: number;
  /** Priced at the batch API's rates. */
  batch?: boolean;
}

export interface RequestCost {
  input: number;
  cachedInput: number;
  output: number;
  total: number;
}

/** Seed 003's estimate_monthly_cost shape, with the price source always attached. */
export interface MonthlyEstimate {
  model: string;
  monthlyRequests: number;
  request: RequestShape;
  perRequest: RequestCost;
  monthlyInputCost: number;
  monthlyOutputCost: number;
  totalMonthlyCost: number;
  costPerRequest: number;
  pricesAsOf: string;
  priceSource: string;
}

const perMillion = (tokens: number, usdPerMillion: number) => (tokens * usdPerMillion) / 1_000_000;

function nonNegative(value: number, what: string): number {
  if (!Number.isFinite(value) || value < 0)
    throw new AirlockError('INVALID_INPUT', `${what} must be a number ≥ 0, got ${value}`);
  return value;
}

/** The cost of one request at the prices that apply to its size. */
export function costPerRequest(entry: PriceEntry, request: RequestShape): RequestCost {
  const inputTokens = nonNegative(request.inputTokens, 'input tokens');
  const outputTokens = nonNegative(request.outputTokens, 'output tokens');
  const cached = nonNegative(request.cachedInputTokens ?? 0, 'cached tokens');
  if (cached > inputTokens) {
    throw new AirlockError(
      'INVALID_INPUT',
      `cached tokens (${cached}) cannot exceed input tokens (${inputTokens})`,
    );
  }
  const { prices } = entry;
  let inputPrice: number;
  let outputPrice: number;
  if (request.batch) {
    if (prices.batchInput === undefined || prices.batchOutput === undefined) {
      throw new AirlockError(
        'NOT_FOUND',
        `${entry.id} has no batch price in ${entry.source}; add batch_input and batch_output for it in a price override file`,
      );
    }
    inputPrice = prices.batchInput;
    outputPrice = prices.batchOutput;
  } else {
    inputPrice = priceFor(prices.input, inputTokens);
    outputPrice = priceFor(prices.output, inputTokens);
  }
  if (cached > 0 && prices.cachedInput === undefined) {
    throw new AirlockError(
      'NOT_FOUND',
      `${entry.id} has no cached-input price in ${entry.source}; add cached_input for it in a price override file, or leave out cached tokens`,
    );
  }
  const cachedPrice = prices.cachedInput === undefined ? 0 : priceFor(prices.cachedInput, inputTokens);
  const input = perMillion(inputTokens - cached, inputPrice);
  const cachedInput = perMillion(cached, cachedPrice);
  const output = perMillion(outputTokens, outputPrice);
  return { input, cachedInput, output, total: input + cachedInput + output };
}

const cents = (value: number) => Math.round(value * 100) / 100;

/**
 * Monthly cost: each request priced at its own size (tiers apply per request), then multiplied
 * by volume. Monthly figures are rounded to cents; the per-request cost is kept to 1e-6 USD.
 */
export function estimateMonthly(
  entry: PriceEntry,
  request: RequestShape,
  monthlyRequests: number,
): MonthlyEstimate {
  if (!Number.isInteger(monthlyRequests) || monthlyRequests <= 0) {
    throw new AirlockError(
      'INVALID_INPUT',
      `requests per month must be a whole number above 0, got ${monthlyRequests}`,
    );
  }
  const perRequest = costPerRequest(entry, request);
  return {
    model: entry.id,
    monthlyRequests,
    request,
    perRequest,
    monthlyInputCost: cents((perRequest.input + perRequest.cachedInput) * monthlyRequests),
    monthlyOutputCost: cents(perRequest.output * monthlyRequests),
    totalMonthlyCost: cents(perRequest.total * monthlyRequests),
    costPerRequest: Math.round(perRequest.total * 1_000_000) / 1_000_000,
    pricesAsOf: entry.asOf,
    priceSource: entry.source,
  };
}
