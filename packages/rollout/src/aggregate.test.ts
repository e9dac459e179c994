import { describe, expect, it } from 'vitest';
import { aggregatePredictions, quantileOf } from './aggregate.ts';
import type { Prediction } from './predictions.ts';

const prediction = (i: number, extra: Partial<Prediction>): Prediction => ({
  feature: 'search',
  release: 'v2',
  model: 'openai/gpt-4o-2024-11-20',
  requestId: `r${i}`,
  at: new Date(Date.parse('2026-11-01T10:00:00Z') + i * 1000).toISOString(),
  latencyMs: 100,
  status: 'ok',
  scores: {},
  tags: [],
  kind: 'live',
  ...extra,
});

const window = {
  feature: 'search',
  release: 'v2',
  from: new Date('2026-11-01T10:00:00Z'),
  to: new Date('2026-11-01T11:00:00Z'),
};

describe('aggregating predictions', () => {
  it('quantiles interpolate between closest ranks, as numpy and R do by default', () => {
    expect(quantileOf([1, 2, 3, 4], 0.5)).toBe(2.5);
    expect(quantileOf([10], 0.99)).toBe(10);
    expect(quantileOf([], 0.5)).toBeNaN();
  });

  it('keeps environments apart when asked, counting predictions that name none', () => {
    const all = [
      prediction(1, { environment: 'production' }),
      prediction(2, { environment: 'staging', status: 'error' }),
      prediction(3, {}),
    ];
    expect(aggregatePredictions(all, { ...window, environment: 'production' }).canary).toMatchObject({
      requests: 2,
      errors: 0,
    });
    expect(aggregatePredictions(all, window).canary).toMatchObject({ requests: 3, errors: 1 });
  });

  it('counts smoke tests apart from traffic, and a pass ends a run of failures', () => {
    const all = [
      prediction(1, { kind: 'smoke', status: 'error' }),
      prediction(2, { kind: 'smoke', status: 'ok' }),
      prediction(3, { kind: 'smoke', status: 'error' }),
      prediction(4, { kind: 'smoke', status: 'error' }),
      prediction(5, {}),
    ];
    const { canary } = aggregatePredictions(all, window);
    expect(canary.requests).toBe(1);
    expect(canary.smoke).toEqual({ runs: 4, consecutiveFailures: 2 });
  });
});
