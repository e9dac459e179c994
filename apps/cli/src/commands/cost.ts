import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { AirlockError, readYamlFile } from '@airlock/core';
import {
  type CostConfig,
  countTokens,
  diffCosts,
  diffMarkdown,
  estimateMonthly,
  type PriceTable,
  requirePrice,
  type TokenPrice,
} from '@airlock/cost';
import { featureManifestSchema } from '@airlock/registry';
import type { CommandDefinition, OptionValues } from '../command.ts';
import type { CommandContext } from '../context.ts';
import { formatTable } from '../table.ts';
import { pricesOption, priceTable } from './price-table.ts';
import { fraction, positiveInteger } from './shared-options.ts';
import { requireEvalRun } from './stored-runs.ts';

function wholeNumber(flag: string, value: unknown, required = true): number {
  if (value === undefined && !required) return 0;
  if (value === undefined) throw new AirlockError('INVALID_INPUT', `--${flag} is required`);
  if (typeof value === 'string' && /^\d+$/.test(value)) return Number(value);
  throw new AirlockError('INVALID_INPUT', `--${flag}: expected a whole number ≥ 0, got "${String(value)}"`);
}

/** The traffic options estimate and diff share. */
const trafficOptions = {
  requests: { type: 'string', valueName: 'n', description: 'requests per month' },
  'input-tokens': { type: 'string', valueName: 'n', description: 'average input tokens per request' },
  'output-tokens': { type: 'string', valueName: 'n', description: 'average output tokens per request' },
  'cached-tokens': {
    type: 'string',
    valueName: 'n',
    description: 'of the input tokens, how many hit the prompt cache',
  },
} as const;

/** The average request an eval run measured: the provider's usage over the calls that answered. */
function measuredShape(context: CommandContext, runId: string) {
  const { run } = requireEvalRun(context, runId);
  const calls = run.metrics.results - run.metrics.errors;
  if (calls === 0)
    throw new AirlockError('PRECONDITION_FAILED', `eval run ${runId} has no answered calls to measure`);
  const { tokens } = run.metrics;
  const shape = {
    inputTokens: tokens.input / calls,
    outputTokens: tokens.output / calls,
    cachedInputTokens: tokens.cachedInput / calls,
  };
  return {
    model: run.model,
    shape,
    source: `tokens measured in eval run ${run.id} over ${calls} calls: ${shape.inputTokens.toFixed(1)} in, ${shape.outputTokens.toFixed(1)} out on average`,
  };
}

/** One average request, from the traffic options. */
function requestShape(options: OptionValues) {
  return {
    inputTokens: wholeNumber('input-tokens', options['input-tokens']),
    outputTokens: wholeNumber('output-tokens', options['output-tokens']),
    cachedInputTokens: wholeNumber('cached-tokens', options['cached-tokens'], false),
  };
}

const usd = (value: number) =>
  `$${value.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: value < 1 ? 6 : 2 })}`;

function describePrice(price: TokenPrice | undefined): string {
  if (price === undefined) return '-';
  if (typeof price === 'number') return String(price);
  return `${price.base} (${price.tiers.map((tier) => `${tier.price} above ${tier.start.toLocaleString('en-US')}`).join(', ')})`;
}

export const costEstimateCommand: CommandDefinition = {
  words: ['cost', 'estimate'],
  summary: 'monthly cost of a model at a traffic forecast (priced per request, then by volume)',
  options: {
    model: {
      type: 'string',
      valueName: 'provider/model',
      description: 'the model id, e.g. openai/gpt-4o-2024-11-20',
    },
    ...trafficOptions,
    'from-run': {
      type: 'string',
      valueName: 'run',
      description:
        'use the tokens measured in an eval run (the provider’s usage) instead of --input/--output-tokens',
    },
    batch: { type: 'boolean', description: 'price at the batch API rates' },
    ...pricesOption,
  },
  positionals: [],
  examples: [
    {
      command:
        'airlock cost estimate --model openai/gpt-4o-2024-11-20 --requests 1000000 --input-tokens 500 --output-tokens 150',
      description: 'a worked example: $2,750.00 a month at $2.50/$10 per million tokens',
    },
    {
      command: 'airlock cost estimate --from-run run_01J… --requests 1000000',
      description: 'the run’s model and its measured average tokens per call',
    },
  ],
  async run(context, options) {
    const measured =
      typeof options['from-run'] === 'string' ? measuredShape(context, options['from-run']) : undefined;
    const model = typeof options.model === 'string' ? options.model : measured?.model;
    if (model === undefined) throw new AirlockError('INVALID_INPUT', '--model is required');
    const entry = requirePrice(priceTable(context, options), model);
    const estimate = estimateMonthly(
      entry,
      {
        ...(measured ? measured.shape : requestShape(options)),
        batch: options.batch === true,
      },
      positiveInteger('requests', options.requests),
    );
    context.output.result({ ...estimate, ...(measured ? { measuredIn: measured.source } : {}) }, () => [
      ...(measured ? [context.output.dim(measured.source)] : []),
      `${context.output.bold(estimate.model)}: ${estimate.monthlyRequests.toLocaleString('en-US')} requests/month`,
      `input    ${usd(estimate.monthlyInputCost)} / month`,
      `output   ${usd(estimate.monthlyOutputCost)} / month`,
      `total    ${context.output.bold(usd(estimate.totalMonthlyCost))} / month (${usd(estimate.costPerRequest)} per request)`,
      `prices as of ${estimate.pricesAsOf} from ${estimate.priceSource}`,
    ]);
    return 0;
  },
};

export const costPricesCommand: CommandDefinition = {
  words: ['cost', 'prices'],
  summary: 'show the prices Airlock uses (USD per million tokens), with their date and source',
  options: {
    model: { type: 'string', valueName: 'provider/model', description: 'one model' },
    provider: { type: 'string', valueName: 'name', description: 'only this provider' },
    ...pricesOption,
  },
  positionals: [],
  examples: [
    { command: 'airlock cost prices --model openai/gpt-4o-2024-11-20', description: 'one model’s prices' },
    { command: 'airlock cost prices --provider anthropic', description: 'a provider’s models' },
  ],
  async run(context, options) {
    const table = priceTable(context, options);
    if (
      typeof options.provider === 'string' &&
      !table.ids().some((id) => id.startsWith(`${options.provider}/`))
    ) {
      const providers = [...new Set(table.ids().map((id) => id.slice(0, id.indexOf('/'))))].sort();
      throw new AirlockError(
        'NOT_FOUND',
        `no prices for provider "${options.provider}" (providers: ${providers.join(', ')})`,
      );
    }
    const ids =
      typeof options.model === 'string'
        ? [requirePrice(table, options.model).id]
        : table
            .ids()
            .filter((id) => typeof options.provider !== 'string' || id.startsWith(`${options.provider}/`));
    const entries = ids.map((id) => table.lookup(id)).filter((entry) => entry !== undefined);
    context.output.result({ asOf: table.asOf, source: table.source, prices: entries }, () => [
      ...formatTable(
        ['MODEL', 'INPUT', 'CACHED INPUT', 'OUTPUT'],
        entries.map((entry) => [
          entry.id,
          describePrice(entry.prices.input),
          describePrice(entry.prices.cachedInput),
          describePrice(entry.prices.output),
        ]),
      ),
      `USD per million tokens; prices as of ${table.asOf} from ${table.source}`,
    ]);
    return 0;
  },
};

export const costTokensCommand: CommandDefinition = {
  words: ['cost', 'tokens'],
  summary: 'count the tokens of a file or stdin with the model family’s tokenizer',
  options: {
    model: {
      type: 'string',
      valueName: 'provider/model',
      description: 'whose tokenizer',
      default: 'openai/gpt-4o-2024-11-20',
    },
  },
  positionals: [{ name: 'file', description: 'a text file, or - for standard input', required: true }],
  examples: [
    { command: 'airlock cost tokens prompts/support-answer.txt', description: 'how big a prompt is' },
  ],
  async run(context, options, [file = '']) {
    let text: string;
    try {
      text = readFileSync(file === '-' ? 0 : resolve(context.io.cwd, file), 'utf8');
    } catch {
      throw new AirlockError('NOT_FOUND', `${file}: no such file`);
    }
    const count = countTokens(text, String(options.model));
    context.output.result({ file, model: options.model, ...count }, () => [
      `${count.tokens} tokens (${count.exact ? count.encoding : 'estimate: this family’s tokenizer is not available, counted with o200k_base'})`,
    ]);
    return 0;
  },
};

/** A side of a diff: a model id, or a feature manifest (its model and fallback). */
function configFor(
  context: CommandContext,
  table: PriceTable,
  argument: string,
  fallbackShare: number,
): { config: CostConfig; monthlyBudget?: number } {
  if (/\.ya?ml$/.test(argument)) {
    const manifest = readYamlFile(resolve(context.io.cwd, argument), featureManifestSchema, argument);
    const monthlyBudget = manifest.budgets.monthly_usd_max;
    return {
      config: {
        label: argument,
        model: requirePrice(table, manifest.model),
        ...(manifest.fallback_model === undefined
          ? {}
          : { fallback: requirePrice(table, manifest.fallback_model), fallbackShare }),
      },
      ...(monthlyBudget === undefined ? {} : { monthlyBudget }),
    };
  }
  return { config: { label: argument, model: requirePrice(table, argument) } };
}

const signedUsd = (value: number) => `${value < 0 ? '-' : '+'}${usd(Math.abs(value))}`;

export const costDiffCommand: CommandDefinition = {
  words: ['cost', 'diff'],
  summary: 'what switching from one model or manifest to another costs, per request and per month',
  options: {
    ...trafficOptions,
    'fallback-share': {
      type: 'string',
      valueName: '0-1',
      description: 'share of requests a manifest’s fallback model serves',
      default: '0',
    },
    markdown: {
      type: 'boolean',
      description: 'print the Baseline / Candidate / Delta table as Markdown (for a PR comment)',
    },
    ...pricesOption,
  },
  positionals: [
    { name: 'baseline', description: 'a model id or a feature manifest', required: true },
    { name: 'candidate', description: 'a model id or a feature manifest', required: true },
  ],
  examples: [
    {
      command:
        'airlock cost diff openai/gpt-4o-mini-2024-07-18 anthropic/claude-3-5-sonnet-20241022 --requests 1000000 --input-tokens 500 --output-tokens 150',
      description: 'know the monthly delta before merging',
    },
    {
      command:
        'airlock cost diff main/features/bot.yaml features/bot.yaml --requests 2000000 --input-tokens 800 --output-tokens 200 --markdown',
      description: 'two manifests, as a PR comment',
    },
  ],
  async run(context, options, [baseline = '', candidate = '']) {
    const share = fraction('fallback-share', options['fallback-share']);
    const table = priceTable(context, options);
    const candidateConfig = configFor(context, table, candidate, share);
    const diff = diffCosts(
      configFor(context, table, baseline, share).config,
      candidateConfig.config,
      {
        ...requestShape(options),
      },
      positiveInteger('requests', options.requests),
    );
    // The candidate manifest's monthly budget (budgets.monthly_usd_max) is a gate: over it, exit 1.
    const budget = candidateConfig.monthlyBudget;
    const overBudget = budget !== undefined && diff.candidate.perMonth > budget;
    const budgetLine =
      budget === undefined
        ? undefined
        : `${overBudget ? 'over' : 'within'} the candidate's monthly budget of ${usd(budget)} (${usd(diff.candidate.perMonth)} / month)`;
    if (options.markdown === true && !context.output.json) {
      context.io.stdout.write(diffMarkdown(diff));
      if (budgetLine)
        context.io.stdout.write(
          `\n${overBudget ? '❌' : '✅'} ${budgetLine[0]?.toUpperCase()}${budgetLine.slice(1)}.\n`,
        );
      return overBudget ? 1 : 0;
    }
    const percent =
      diff.percentChange === undefined
        ? ''
        : ` (${diff.percentChange > 0 ? '+' : ''}${diff.percentChange.toFixed(1)}%)`;
    context.output.result(
      { ...diff, ...(budget === undefined ? {} : { monthlyBudget: budget, overBudget }) },
      () => [
        ...formatTable(
          ['', 'BASELINE', 'CANDIDATE', 'DELTA'],
          [
            ['model', diff.baseline.model, diff.candidate.model, ''],
            ...(diff.baseline.fallback || diff.candidate.fallback
              ? [['fallback', diff.baseline.fallback ?? '-', diff.candidate.fallback ?? '-', '']]
              : []),
            [
              'per request',
              usd(diff.baseline.perRequest),
              usd(diff.candidate.perRequest),
              `${signedUsd(diff.deltaPerRequest)}${percent}`,
            ],
            [
              'per month',
              usd(diff.baseline.perMonth),
              usd(diff.candidate.perMonth),
              `${signedUsd(diff.deltaPerMonth)}${percent}`,
            ],
          ],
        ),
        diff.pricesNote,
        ...(budgetLine ? [overBudget ? context.output.red(budgetLine) : budgetLine] : []),
      ],
    );
    return overBudget ? 1 : 0;
  },
};
