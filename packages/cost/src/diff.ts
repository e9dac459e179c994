import { costPerRequest, type RequestShape } from './estimate.ts';
import type { PriceEntry } from './prices.ts';

/** A deployment's cost-relevant config: its model, and the fallback with the share it serves. */
export interface CostConfig {
  label: string;
  model: PriceEntry;
  fallback?: PriceEntry;
  /** Of requests, the share the fallback serves (0–1). */
  fallbackShare?: number;
}

export interface ConfigCost {
  label: string;
  model: string;
  fallback?: string;
  perRequest: number;
  perMonth: number;
}

export interface CostDiff {
  baseline: ConfigCost;
  candidate: ConfigCost;
  deltaPerRequest: number;
  deltaPerMonth: number;
  /** Relative change; undefined when the baseline costs nothing. */
  percentChange?: number;
  pricesAsOf: string;
  priceSource: string;
  /** One line saying where prices came from: per model when the models' sources differ. */
  pricesNote: string;
}

/** "prices as of D from S", or per model when an override file and the bundled data are mixed. */
export function pricesNote(entries: readonly PriceEntry[]): string {
  const origins = new Map<string, string[]>();
  for (const entry of entries) {
    const origin = `as of ${entry.asOf} from ${entry.source}`;
    const ids = origins.get(origin) ?? [];
    if (!ids.includes(entry.id)) ids.push(entry.id);
    origins.set(origin, ids);
  }
  if (origins.size <= 1) return `prices ${[...origins.keys()][0] ?? 'unknown'}`;
  return `prices: ${[...origins.entries()].map(([origin, ids]) => `${ids.join(', ')} ${origin}`).join('; ')}`;
}

function costOf(config: CostConfig, request: RequestShape, monthlyRequests: number): ConfigCost {
  const share = config.fallback ? (config.fallbackShare ?? 0) : 0;
  const primary = costPerRequest(config.model, request).total;
  const fallback = config.fallback ? costPerRequest(config.fallback, request).total : 0;
  const perRequest = primary * (1 - share) + fallback * share;
  return {
    label: config.label,
    model: config.model.id,
    ...(config.fallback ? { fallback: `${config.fallback.id} (${Math.round(share * 1000) / 10}%)` } : {}),
    perRequest,
    perMonth: perRequest * monthlyRequests,
  };
}

/** What moving from `baseline` to `candidate` costs, per request and per month. */
export function diffCosts(
  baseline: CostConfig,
  candidate: CostConfig,
  request: RequestShape,
  monthlyRequests: number,
): CostDiff {
  const before = costOf(baseline, request, monthlyRequests);
  const after = costOf(candidate, request, monthlyRequests);
  const entries = [baseline.model, baseline.fallback, candidate.model, candidate.fallback].filter(
    (entry): entry is PriceEntry => entry !== undefined,
  );
  return {
    baseline: before,
    candidate: after,
    deltaPerRequest: after.perRequest - before.perRequest,
    deltaPerMonth: after.perMonth - before.perMonth,
    ...(before.perRequest > 0
      ? { percentChange: ((after.perRequest - before.perRequest) / before.perRequest) * 100 }
      : {}),
    pricesAsOf: [...new Set(entries.map((entry) => entry.asOf))].join(', '),
    priceSource: [...new Set(entries.map((entry) => entry.source))].join(' + '),
    pricesNote: pricesNote(entries),
  };
}

const money = (value: number, digits: number) =>
  `${value < 0 ? '-' : ''}$${Math.abs(value).toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits })}`;
const signed = (value: number, digits: number) => `${value > 0 ? '+' : ''}${money(value, digits)}`;

/** The PR-comment table: Baseline / Candidate / Delta (seed 003's shape). */
export function diffMarkdown(diff: CostDiff): string {
  const percent =
    diff.percentChange === undefined
      ? ''
      : ` (${diff.percentChange > 0 ? '+' : ''}${diff.percentChange.toFixed(1)}%)`;
  return [
    '## Cost change',
    '',
    '| | Baseline | Candidate | Delta |',
    '|---|---|---|---|',
    `| Model | ${diff.baseline.model} | ${diff.candidate.model} | |`,
    ...(diff.baseline.fallback || diff.candidate.fallback
      ? [`| Fallback | ${diff.baseline.fallback ?? '-'} | ${diff.candidate.fallback ?? '-'} | |`]
      : []),
    `| Cost / request | ${money(diff.baseline.perRequest, 6)} | ${money(diff.candidate.perRequest, 6)} | ${signed(diff.deltaPerRequest, 6)}${percent} |`,
    `| Cost / month | ${money(diff.baseline.perMonth, 2)} | ${money(diff.candidate.perMonth, 2)} | ${signed(diff.deltaPerMonth, 2)}${percent} |`,
    '',
    `_${diff.pricesNote[0]?.toUpperCase()}${diff.pricesNote.slice(1)}._`,
    '',
  ].join('\n');
}

export interface CostGateInput {
  baselinePerCall: number;
  candidatePerCall: number;
  /** Block above this increase (seed 003: 10%). */
  maxIncreasePct?: number;
  /** Block above this absolute cost per call (seed 004's cost_per_call_usd_max). */
  budgetPerCall?: number;
}

/** The cost gate: candidate vs baseline cost per call, and the manifest's budget. */
export function costGate(input: CostGateInput): { ok: boolean; reasons: string[]; increasePct?: number } {
  const limit = input.maxIncreasePct ?? 10;
  const reasons: string[] = [];
  const increasePct =
    input.baselinePerCall > 0
      ? ((input.candidatePerCall - input.baselinePerCall) / input.baselinePerCall) * 100
      : undefined;
  if (increasePct !== undefined && increasePct > limit) {
    reasons.push(
      `cost per call rose ${increasePct.toFixed(1)}% (${input.baselinePerCall} → ${input.candidatePerCall} USD), over the +${limit}% limit`,
    );
  }
  if (input.budgetPerCall !== undefined && input.candidatePerCall > input.budgetPerCall) {
    reasons.push(
      `cost per call ${input.candidatePerCall} USD is over the budget of ${input.budgetPerCall} USD`,
    );
  }
  return { ok: reasons.length === 0, reasons, ...(increasePct === undefined ? {} : { increasePct }) };
}
