import { describe, expect, it } from 'vitest';
import { costGate, diffCosts, diffMarkdown } from './diff.ts';
import type { PriceEntry } from './prices.ts';

const entry = (id: string, input: number, output: number): PriceEntry => ({
  id,
  prices: { input, output },
  asOf: '2026-11-01',
  source: 'fixture',
});
const mini = entry('openai/gpt-4o-mini-2024-07-18', 0.15, 0.6);
const sonnet = entry('anthropic/claude-3-5-sonnet-20241022', 3, 15);

describe('cost diff', () => {
  it('prices seed 003’s switch per request and per month, with the percentage', () => {
    const diff = diffCosts(
      { label: 'main', model: mini },
      { label: 'PR', model: sonnet },
      { inputTokens: 500, outputTokens: 150 },
      1_000_000,
    );
    // mini: 500 × 0.15 + 150 × 0.6 = 165 µ$; sonnet: 500 × 3 + 150 × 15 = 3,750 µ$ per request.
    expect(diff.baseline.perRequest).toBeCloseTo(0.000165, 12);
    expect(diff.candidate.perRequest).toBeCloseTo(0.00375, 12);
    expect(diff.deltaPerMonth).toBeCloseTo(3585, 6);
    expect(diff.percentChange).toBeCloseTo(2172.7, 1);
    expect(diffMarkdown(diff)).toContain('| Cost / month | $165.00 | $3,750.00 | +$3,585.00 (+2172.7%) |');
  });

  it('weighs the fallback model by its share', () => {
    const diff = diffCosts(
      { label: 'main', model: sonnet },
      { label: 'PR', model: sonnet, fallback: mini, fallbackShare: 0.1 },
      { inputTokens: 500, outputTokens: 150 },
      1000,
    );
    expect(diff.candidate.perRequest).toBeCloseTo(0.9 * 0.00375 + 0.1 * 0.000165, 12);
    expect(diffMarkdown(diff)).toContain('| Fallback | - | openai/gpt-4o-mini-2024-07-18 (10%) | |');
  });
});

describe('cost gate', () => {
  it('blocks above +10% or over the budget, with reasons', () => {
    expect(costGate({ baselinePerCall: 0.01, candidatePerCall: 0.0109 }).ok).toBe(true);
    expect(costGate({ baselinePerCall: 0.01, candidatePerCall: 0.0111 })).toMatchObject({
      ok: false,
      reasons: [expect.stringContaining('over the +10% limit')],
    });
    expect(
      costGate({ baselinePerCall: 0.01, candidatePerCall: 0.0105, budgetPerCall: 0.01 }).reasons,
    ).toEqual(['cost per call 0.0105 USD is over the budget of 0.01 USD']);
  });

  it('says which model’s price came from where when an override and the bundled data mix', () => {
    const negotiated = { ...sonnet, asOf: '2026-10-01', source: 'prices.yaml' };
    const same = diffCosts(
      { label: 'a', model: mini },
      { label: 'b', model: sonnet },
      { inputTokens: 1, outputTokens: 1 },
      1,
    );
    expect(same.pricesNote).toBe('prices as of 2026-11-01 from fixture');
    const mixed = diffCosts(
      { label: 'a', model: mini },
      { label: 'b', model: negotiated },
      { inputTokens: 1, outputTokens: 1 },
      1,
    );
    expect(mixed.pricesNote).toBe(
      'prices: openai/gpt-4o-mini-2024-07-18 as of 2026-11-01 from fixture; anthropic/claude-3-5-sonnet-20241022 as of 2026-10-01 from prices.yaml',
    );
    expect(diffMarkdown(mixed)).toContain(
      '_Prices: openai/gpt-4o-mini-2024-07-18 as of 2026-11-01 from fixture; ',
    );
  });
});
