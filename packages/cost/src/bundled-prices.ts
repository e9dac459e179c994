import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { findProvider, type MatchLogic, type ModelInfo, type ModelPrice } from '@pydantic/genai-prices';
import type { ModelPrices, PriceEntry, PriceTable, TokenPrice } from './prices.ts';

/** The data package's version, named in every price's source (its package.json is not exported). */
function dataPackageVersion(): string {
  const entry = createRequire(import.meta.url).resolve('@pydantic/genai-prices');
  const manifest = join(dirname(entry), '..', 'package.json');
  return (JSON.parse(readFileSync(manifest, 'utf8')) as { version: string }).version;
}

/** The providers whose prices are read from the bundled data (Airlock's provider name → theirs). */
const providers: Record<string, string> = {
  openai: 'openai',
  anthropic: 'anthropic',
  google: 'google',
  mistral: 'mistral',
  groq: 'groq',
  deepseek: 'deepseek',
  'x-ai': 'x-ai',
};

// A dated snapshot at the end of a model id: -2024-11-20, -20241022, @20240620.
const datedSnapshot = /(?:-\d{4}-\d{2}-\d{2}|-\d{8}|@\d{8})$/;

/**
 * The model ids an entry names explicitly: `equals`, and `starts_with` only when followed by a
 * dated snapshot suffix (Anthropic's entries match `claude-sonnet-4-5` as a prefix). `contains`
 * and `regex` matches are never used: a price must not be borrowed from a look-alike.
 */
function explicitlyMatches(logic: MatchLogic, model: string): boolean {
  if ('equals' in logic) return logic.equals === model;
  if ('starts_with' in logic) {
    if (model === logic.starts_with) return true;
    // A prefix entry prices a dated snapshot of its family: `claude-sonnet-4-2025` prices
    // `claude-sonnet-4-20250514` (family `claude-sonnet-4`), never `claude-sonnet-4-5-20250929`.
    const family = model.replace(datedSnapshot, '');
    return family !== model && model.startsWith(logic.starts_with) && logic.starts_with.startsWith(family);
  }
  if ('or' in logic) return logic.or.some((inner) => explicitlyMatches(inner, model));
  if ('and' in logic) return logic.and.every((inner) => explicitlyMatches(inner, model));
  return false;
}

/** Ids to show and suggest: whole names only, not prefixes such as `claude-sonnet-4-2025` or `gemma-3-`. */
function explicitIds(logic: MatchLogic): string[] {
  if ('equals' in logic) return [logic.equals];
  if ('starts_with' in logic) return /[-@.]$|-\d{1,7}$/.test(logic.starts_with) ? [] : [logic.starts_with];
  if ('or' in logic) return logic.or.flatMap(explicitIds);
  return [];
}

function tokenPrice(value: ModelPrice[string]): TokenPrice | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'number') return value;
  return { base: value.base, tiers: value.tiers.map((tier) => ({ start: tier.start, price: tier.price })) };
}

/** The prices in force now: the last conditional price whose start date has passed. */
function currentPrices(model: ModelInfo, today: string): ModelPrice {
  if (!Array.isArray(model.prices)) return model.prices;
  let chosen = model.prices[0]?.prices ?? {};
  for (const conditional of model.prices) {
    const constraint = conditional.constraint;
    if (!constraint || (constraint.type === 'start_date' && constraint.start_date <= today))
      chosen = conditional.prices;
  }
  return chosen;
}

/** The newest price change in the data that has already taken effect by `today`. */
function newestStartDate(models: readonly ModelInfo[], today: string): string | undefined {
  let newest: string | undefined;
  for (const model of models) {
    if (!Array.isArray(model.prices)) continue;
    for (const conditional of model.prices) {
      const constraint = conditional.constraint;
      if (
        constraint?.type === 'start_date' &&
        constraint.start_date <= today &&
        (newest === undefined || constraint.start_date > newest)
      ) {
        newest = constraint.start_date;
      }
    }
  }
  return newest;
}

/**
 * Prices from `@pydantic/genai-prices` (MIT, bundled, offline). Its data carries no "taken on"
 * date, so `asOf` is the newest price change the data knows about — the prices are at least that
 * recent — and the source names the package version.
 */
export function createBundledPriceTable(today: string = new Date().toISOString().slice(0, 10)): PriceTable {
  const models = new Map<string, ModelInfo[]>();
  for (const [ours, theirs] of Object.entries(providers)) {
    const provider = findProvider({ providerId: theirs });
    if (provider) models.set(ours, provider.models);
  }
  const allModels = [...models.values()].flat();
  const asOf = newestStartDate(allModels, today) ?? today;
  const source = `@pydantic/genai-prices ${dataPackageVersion()} (bundled)`;
  return {
    asOf,
    source,
    lookup(id) {
      const slash = id.indexOf('/');
      const providerModels = models.get(id.slice(0, slash));
      const name = id.slice(slash + 1);
      const model = providerModels?.find((candidate) => explicitlyMatches(candidate.match, name));
      if (!model) return undefined;
      const raw = currentPrices(model, today);
      const input = tokenPrice(raw.input_mtok);
      const output = tokenPrice(raw.output_mtok);
      if (input === undefined || output === undefined) return undefined;
      const cachedInput = tokenPrice(raw.cache_read_mtok);
      const cacheWrite = tokenPrice(raw.cache_write_mtok);
      const prices: ModelPrices = {
        input,
        output,
        ...(cachedInput === undefined ? {} : { cachedInput }),
        ...(cacheWrite === undefined ? {} : { cacheWrite }),
      };
      return { id, prices, asOf, source } satisfies PriceEntry;
    },
    ids() {
      return [...models.entries()].flatMap(([provider, list]) =>
        list.flatMap((model) => explicitIds(model.match).map((name) => `${provider}/${name}`)),
      );
    },
  };
}
