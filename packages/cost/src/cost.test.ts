import { parseYamlDocument } from '@airlock/core';
import { encode as encodeCl100k } from 'gpt-tokenizer/encoding/cl100k_base';
import { encode as encodeO200k } from 'gpt-tokenizer/encoding/o200k_base';
import { describe, expect, it } from 'vitest';
import { createBundledPriceTable } from './bundled-prices.ts';
import { costPerRequest, estimateMonthly } from './estimate.ts';
import { overridePriceTable, priceOverrideFileSchema } from './override-file.ts';
import { layeredPriceTable, requirePrice } from './price-lookup.ts';
import { countTokens } from './tokens.ts';

const bundled = createBundledPriceTable('2026-11-22');

describe('estimate', () => {
  it('prices gpt-4o from the bundled table, matching a hand computation from the same entry', () => {
    const entry = requirePrice(bundled, 'openai/gpt-4o-2024-11-20');
    expect(entry.prices.input).toBe(2.5);
    expect(entry.prices.output).toBe(10);
    const estimate = estimateMonthly(entry, { inputTokens: 500, outputTokens: 150 }, 1_000_000);
    // 1,000,000 × 500 / 1e6 × $2.50 = $1,250; 1,000,000 × 150 / 1e6 × $10 = $1,500.
    expect(estimate).toMatchObject({
      monthlyInputCost: 1250,
      monthlyOutputCost: 1500,
      totalMonthlyCost: 2750,
      costPerRequest: 0.00275,
      priceSource: expect.stringMatching(/^@pydantic\/genai-prices \d+\.\d+\.\d+ \(bundled\)$/),
      pricesAsOf: expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/),
    });
  });

  it('matches a hand-written fixture price too, with cached input and batch', () => {
    const table = overridePriceTable(
      priceOverrideFileSchema.parse({
        as_of: '2026-11-01',
        source: 'contract 42',
        models: {
          'self-hosted/llama-3-70b-2024-07-01': {
            input: 0.8,
            output: 1.2,
            cached_input: 0.2,
            batch_input: 0.4,
            batch_output: 0.6,
          },
        },
      }),
    );
    const entry = requirePrice(table, 'self-hosted/llama-3-70b-2024-07-01');
    // 400 fresh × 0.8 + 100 cached × 0.2 + 150 × 1.2 = 320 + 20 + 180 = 520 per 1e6 requests-tokens → $0.00052
    expect(
      costPerRequest(entry, { inputTokens: 500, cachedInputTokens: 100, outputTokens: 150 }).total,
    ).toBeCloseTo(0.00052, 12);
    expect(costPerRequest(entry, { inputTokens: 500, outputTokens: 150, batch: true }).total).toBeCloseTo(
      0.00029,
      12,
    );
    expect(() =>
      costPerRequest(requirePrice(bundled, 'openai/gpt-4o-2024-11-20'), {
        inputTokens: 1,
        outputTokens: 1,
        batch: true,
      }),
    ).toThrow(/has no batch price/);
  });

  it('applies long-context tiers per request, not to the month', () => {
    const table = overridePriceTable(
      priceOverrideFileSchema.parse({
        as_of: '2026-11-01',
        source: 'fixture',
        models: {
          'anthropic/long-2025-01-01': {
            input: { base: 3, tiers: [{ above_input_tokens: 200_000, price: 6 }] },
            output: { base: 15, tiers: [{ above_input_tokens: 200_000, price: 22.5 }] },
          },
        },
      }),
    );
    const entry = requirePrice(table, 'anthropic/long-2025-01-01');
    // 10,000 requests of 1,000 input tokens: 10M tokens a month, but each request is small → $3/M.
    const small = estimateMonthly(entry, { inputTokens: 1000, outputTokens: 100 }, 10_000);
    expect(small.monthlyInputCost).toBe(30);
    expect(small.monthlyOutputCost).toBe(15);
    // One request of 250,000 input tokens is above the tier → $6/M input and $22.50/M output.
    expect(costPerRequest(entry, { inputTokens: 250_000, outputTokens: 1000 }).total).toBeCloseTo(
      1.5 + 0.0225,
      12,
    );
  });
});

describe('price lookup', () => {
  it('never guesses: an unknown model is an error with close ids', () => {
    expect(() => requirePrice(bundled, 'openai/gpt-4o-2024-11-21')).toThrowError(
      expect.objectContaining({
        code: 'NOT_FOUND',
        message: expect.stringContaining('close ids: openai/gpt-4o-2024-11-20'),
      }),
    );
    expect(bundled.lookup('openai/gpt-4o-2024-11-20-experimental')).toBeUndefined();
  });

  it('resolves Anthropic dated snapshots by their family prefix, and overrides win', () => {
    expect(bundled.lookup('anthropic/claude-sonnet-4-5-20250929')?.prices.input).toMatchObject({ base: 3 });
    expect(bundled.lookup('anthropic/claude-sonnet-4-20250514')).toBeDefined();
    expect(bundled.ids()).not.toContain('anthropic/claude-sonnet-4-2025');
    expect(bundled.ids().filter((id) => /[-@]$/.test(id))).toEqual([]);
    const override = overridePriceTable(
      priceOverrideFileSchema.parse({
        as_of: '2026-11-01',
        source: 'negotiated',
        models: { 'openai/gpt-4o-2024-11-20': { input: 2, output: 8 } },
      }),
    );
    const layered = layeredPriceTable([override, bundled]);
    expect(requirePrice(layered, 'openai/gpt-4o-2024-11-20')).toMatchObject({
      prices: { input: 2 },
      source: 'negotiated',
    });
    expect(requirePrice(layered, 'openai/gpt-4o-mini-2024-07-18').prices.input).toBe(0.15);
  });

  it('reports a malformed override file at its line and column', () => {
    expect(() =>
      parseYamlDocument('as_of: yesterday\nsource: x\nmodels:\n  llama:\n    input: -1\n', {
        file: 'prices.yaml',
        schema: priceOverrideFileSchema,
      }),
    ).toThrowError(
      expect.objectContaining({
        issues: [
          expect.objectContaining({ line: 1, column: 8, message: expect.stringContaining('YYYY-MM-DD') }),
          expect.objectContaining({
            line: 4,
            column: 3,
            message: 'key "llama" in models: expected provider/model',
          }),
        ],
      }),
    );
  });
});

describe('token counts', () => {
  it('match the tokenizers’ reference counts', () => {
    // OpenAI cookbook: "tiktoken is great!" is [83, 1609, 5963, 374, 2294, 0] in cl100k_base.
    expect(encodeCl100k('tiktoken is great!')).toEqual([83, 1609, 5963, 374, 2294, 0]);
    expect(countTokens('tiktoken is great!', 'openai/gpt-4-0613')).toEqual({
      tokens: 6,
      encoding: 'cl100k_base',
      exact: true,
    });
    expect(countTokens('Hello, world!', 'openai/gpt-4o-2024-11-20')).toEqual({
      tokens: 4,
      encoding: 'o200k_base',
      exact: true,
    });
    const japanese = 'こんにちは、世界。料金はいくらですか？';
    expect(countTokens(japanese, 'openai/gpt-4o-2024-11-20').tokens).toBe(encodeO200k(japanese).length);
    expect(countTokens(japanese, 'anthropic/claude-sonnet-4-5-20250929')).toMatchObject({
      encoding: 'estimate',
      exact: false,
    });
  });
});
