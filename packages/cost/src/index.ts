/** Prices: the table interface, tiers applied per request. */

/** The bundled price data (@pydantic/genai-prices), exact ids only. */
export { createBundledPriceTable } from './bundled-prices.ts';
/** Cost deltas for a PR, and the cost gate. */
export {
  type ConfigCost,
  type CostConfig,
  type CostDiff,
  type CostGateInput,
  costGate,
  diffCosts,
  diffMarkdown,
  pricesNote,
} from './diff.ts';
/** Cost per request and per month. */
export {
  costPerRequest,
  estimateMonthly,
  type MonthlyEstimate,
  type RequestCost,
  type RequestShape,
} from './estimate.ts';
/** The project's price table: override file over bundled data. */
export { loadPriceTable } from './load-price-table.ts';
/** A user's price override file (YAML). */
export { overridePriceTable, type PriceOverrideFile, priceOverrideFileSchema } from './override-file.ts';
/** Looking prices up: layered tables, close ids, never a silent zero. */
export { closeIds, layeredPriceTable, requirePrice } from './price-lookup.ts';
export { type ModelPrices, type PriceEntry, type PriceTable, priceFor, type TokenPrice } from './prices.ts';
/** Token counts with OpenAI's real encodings. */
export { countTokens, type TokenCount } from './tokens.ts';
