import { z } from 'zod';

/** The format id of a metrics window (`airlock rollout metrics` writes it, `evaluate` reads it). */
export const rolloutMetricsFormat = 'airlock.rollout-metrics/v1';

const count = z.int().nonnegative();
const time = z.iso.datetime({ offset: true });

/**
 * Latencies binned by upper bound (ms): `counts[i]` values ≤ `bounds[i]` (and above the previous
 * bound); the last count is everything above the last bound.
 */
export const latencyHistogramSchema = z
  .strictObject({ bounds: z.array(z.number().positive()), counts: z.array(count) })
  .refine((histogram) => histogram.counts.length === histogram.bounds.length + 1, {
    message: 'expected one more count than bounds (the last count is above the last bound)',
  })
  .refine(
    (histogram) =>
      histogram.bounds.every((bound, index) => index === 0 || bound > (histogram.bounds[index - 1] ?? 0)),
    {
      message: 'expected increasing bounds',
    },
  );

/** A score's summary over the requests that carry it (eval scores, model confidence). */
export const scoreSummarySchema = z.strictObject({
  n: count,
  /** Scores are 0 to 1 (eval scores, confidence). */
  mean: z.number().min(0).max(1),
  sd: z.number().nonnegative(),
});

/** What one arm (the canary's release, or the baseline's) did in the window. */
export const armMetricsSchema = z
  .strictObject({
    release: z.string().optional(),
    requests: count,
    errors: count,
    latencyMs: z
      .strictObject({
        p50: z.number().nonnegative(),
        p95: z.number().nonnegative(),
        p99: z.number().nonnegative(),
        histogram: latencyHistogramSchema,
      })
      .optional(),
    cost: z.strictObject({ calls: count, totalUsd: z.number().nonnegative() }).optional(),
    scores: z.record(z.string(), scoreSummarySchema).default({}),
    feedback: z.strictObject({ negative: count, total: count }).optional(),
    /** Per tag such as `locale:fr`: requests and score summaries (fairness deltas). */
    slices: z
      .record(
        z.string(),
        z.strictObject({ requests: count, scores: z.record(z.string(), scoreSummarySchema) }),
      )
      .default({}),
    /** Mean `confidence` per minute, oldest first (seed 003's trigger). */
    confidenceByMinute: z.array(z.strictObject({ minute: time, n: count, mean: z.number() })).default([]),
    /** Smoke tests run against this release: how many, and how many failed in a row most recently. */
    smoke: z.strictObject({ runs: count, consecutiveFailures: count }).optional(),
  })
  .refine((arm) => arm.errors <= arm.requests, { message: 'more errors than requests', path: ['errors'] })
  .refine((arm) => arm.feedback === undefined || arm.feedback.negative <= arm.feedback.total, {
    message: 'more negative feedback than feedback',
    path: ['feedback', 'negative'],
  });

export const rolloutMetricsSchema = z.strictObject({
  format: z.literal(rolloutMetricsFormat, { message: `expected "${rolloutMetricsFormat}"` }),
  feature: z.string().optional(),
  window: z
    .strictObject({ from: time, to: time })
    .refine((window) => Date.parse(window.to) >= Date.parse(window.from), {
      message: 'the window ends before it starts',
      path: ['to'],
    }),
  /** When the current stage began; the minimum duration counts from here to `window.to`. */
  stageStartedAt: time.optional(),
  canary: armMetricsSchema,
  baseline: armMetricsSchema.nullable().default(null),
  /** Per A/B variant, when predictions carry one (not used by evaluate). */
  variants: z.record(z.string(), armMetricsSchema).optional(),
});

export type LatencyHistogram = z.output<typeof latencyHistogramSchema>;
export type ScoreSummary = z.output<typeof scoreSummarySchema>;
export type ArmMetrics = z.output<typeof armMetricsSchema>;
export type RolloutMetrics = z.output<typeof rolloutMetricsSchema>;
