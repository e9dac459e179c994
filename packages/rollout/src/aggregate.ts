import type { ArmMetrics, LatencyHistogram, RolloutMetrics, ScoreSummary } from './metrics.ts';
import { rolloutMetricsFormat } from './metrics.ts';
import type { Prediction } from './predictions.ts';

/**
 * Latency bucket bounds (ms): 1 ms to 2 minutes, each 20% above the last, so a quantile read off
 * the histogram is within ~10% of the true one; exact p50/p95/p99 come from the values themselves.
 */
export const latencyBounds: readonly number[] = (() => {
  const bounds: number[] = [];
  for (let bound = 1; bound <= 120_000; bound *= 1.2) bounds.push(Math.round(bound * 100) / 100);
  return bounds;
})();

/**
 * A quantile of sorted values by linear interpolation between the closest ranks (the "type 7"
 * definition numpy and R use by default), so a hand computation can check it.
 */
export function quantileOf(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const position = (sorted.length - 1) * q;
  const lower = Math.floor(position);
  const upper = Math.ceil(position);
  const low = sorted[lower] as number;
  return low + ((sorted[upper] as number) - low) * (position - lower);
}

/** Welford's running mean and variance, for score summaries in one pass. */
class Summary {
  n = 0;
  private mean = 0;
  private m2 = 0;
  add(value: number): void {
    this.n++;
    const delta = value - this.mean;
    this.mean += delta / this.n;
    this.m2 += delta * (value - this.mean);
  }
  result(): ScoreSummary {
    return { n: this.n, mean: this.mean, sd: this.n > 1 ? Math.sqrt(this.m2 / (this.n - 1)) : 0 };
  }
}

function summaries(map: Map<string, Summary>): Record<string, ScoreSummary> {
  return Object.fromEntries([...map].map(([name, summary]) => [name, summary.result()]));
}

function summaryOf(map: Map<string, Summary>, name: string): Summary {
  let summary = map.get(name);
  if (summary === undefined) {
    summary = new Summary();
    map.set(name, summary);
  }
  return summary;
}

/** Accumulates one arm's predictions. */
class ArmAccumulator {
  private requests = 0;
  private errors = 0;
  private latencies: number[] = [];
  private counts = new Array<number>(latencyBounds.length + 1).fill(0);
  private costCalls = 0;
  private costTotal = 0;
  private scores = new Map<string, Summary>();
  private feedbackNegative = 0;
  private feedbackTotal = 0;
  private slices = new Map<string, { requests: number; scores: Map<string, Summary> }>();
  private minutes = new Map<string, Summary>();
  private smokeRuns = 0;
  private smokeFailuresInARow = 0;
  private releases = new Set<string>();

  add(prediction: Prediction): void {
    if (prediction.kind === 'smoke') {
      // Ordered by time: a pass resets the run of failures.
      this.smokeRuns++;
      this.smokeFailuresInARow = prediction.status === 'error' ? this.smokeFailuresInARow + 1 : 0;
      return;
    }
    this.releases.add(prediction.release);
    this.requests++;
    if (prediction.status === 'error') this.errors++;
    this.latencies.push(prediction.latencyMs);
    const bucket = latencyBounds.findIndex((bound) => prediction.latencyMs <= bound);
    const index = bucket === -1 ? latencyBounds.length : bucket;
    this.counts[index] = (this.counts[index] ?? 0) + 1;
    if (prediction.costUsd !== undefined) {
      this.costCalls++;
      this.costTotal += prediction.costUsd;
    }
    for (const [name, value] of Object.entries(prediction.scores)) summaryOf(this.scores, name).add(value);
    if (prediction.feedback !== undefined) {
      this.feedbackTotal++;
      if (prediction.feedback === 'negative') this.feedbackNegative++;
    }
    for (const tag of prediction.tags) {
      let slice = this.slices.get(tag);
      if (slice === undefined) {
        slice = { requests: 0, scores: new Map() };
        this.slices.set(tag, slice);
      }
      slice.requests++;
      for (const [name, value] of Object.entries(prediction.scores)) summaryOf(slice.scores, name).add(value);
    }
    const confidence = prediction.scores.confidence;
    if (confidence !== undefined)
      summaryOf(this.minutes, `${prediction.at.slice(0, 16)}:00.000Z`).add(confidence);
  }

  result(): ArmMetrics {
    const sorted = this.latencies.sort((a, b) => a - b);
    const histogram: LatencyHistogram = { bounds: [...latencyBounds], counts: [...this.counts] };
    const releases = [...this.releases];
    return {
      ...(releases.length === 1 ? { release: releases[0] as string } : {}),
      requests: this.requests,
      errors: this.errors,
      ...(sorted.length === 0
        ? {}
        : {
            latencyMs: {
              p50: quantileOf(sorted, 0.5),
              p95: quantileOf(sorted, 0.95),
              p99: quantileOf(sorted, 0.99),
              histogram,
            },
          }),
      ...(this.costCalls === 0 ? {} : { cost: { calls: this.costCalls, totalUsd: this.costTotal } }),
      scores: summaries(this.scores),
      ...(this.feedbackTotal === 0
        ? {}
        : { feedback: { negative: this.feedbackNegative, total: this.feedbackTotal } }),
      slices: Object.fromEntries(
        [...this.slices].map(([tag, slice]) => [
          tag,
          { requests: slice.requests, scores: summaries(slice.scores) },
        ]),
      ),
      confidenceByMinute: [...this.minutes]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([minute, summary]) => {
          const { n, mean } = summary.result();
          return { minute, n, mean };
        }),
      ...(this.smokeRuns === 0
        ? {}
        : { smoke: { runs: this.smokeRuns, consecutiveFailures: this.smokeFailuresInARow } }),
    };
  }
}

export interface AggregateOptions {
  feature: string;
  /** The canary's release id. */
  release: string;
  /** The baseline's release id; default: every other release of the feature in the window. */
  baselineRelease?: string;
  from: Date;
  to: Date;
  stageStartedAt?: Date;
  /** Only predictions of this environment (those that say none are counted too). */
  environment?: string;
}

/**
 * A window of predictions, oldest first, into the metrics `evaluate` reads: the canary arm (the
 * release), the baseline arm, and one arm per A/B variant of the canary.
 */
export function aggregatePredictions(
  predictions: Iterable<Prediction>,
  options: AggregateOptions,
): RolloutMetrics {
  const canary = new ArmAccumulator();
  const baseline = new ArmAccumulator();
  const variants = new Map<string, ArmAccumulator>();
  let baselineSeen = false;
  for (const prediction of predictions) {
    if (prediction.feature !== options.feature) continue;
    if (
      options.environment !== undefined &&
      prediction.environment !== undefined &&
      prediction.environment !== options.environment
    )
      continue;
    if (prediction.release === options.release) {
      canary.add(prediction);
      if (prediction.variant !== undefined) {
        let variant = variants.get(prediction.variant);
        if (variant === undefined) {
          variant = new ArmAccumulator();
          variants.set(prediction.variant, variant);
        }
        variant.add(prediction);
      }
    } else if (options.baselineRelease === undefined || prediction.release === options.baselineRelease) {
      baselineSeen = true;
      baseline.add(prediction);
    }
  }
  return {
    format: rolloutMetricsFormat,
    feature: options.feature,
    window: { from: options.from.toISOString(), to: options.to.toISOString() },
    ...(options.stageStartedAt === undefined ? {} : { stageStartedAt: options.stageStartedAt.toISOString() }),
    canary: { release: options.release, ...canary.result() },
    baseline: baselineSeen ? baseline.result() : null,
    ...(variants.size === 0
      ? {}
      : { variants: Object.fromEntries([...variants].map(([name, arm]) => [name, arm.result()])) }),
  };
}
