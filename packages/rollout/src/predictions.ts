import { createHash } from 'node:crypto';
import { AirlockError } from '@airlock/core';
import { z } from 'zod';

/**
 * One logged prediction (seed 003: "every prediction in production must be tagged with the exact
 * model version, feature flags active, and a request ID"). The raw input is never kept unless the
 * caller's project allows it: `input` is hashed on arrival.
 */
export const predictionInputSchema = z
  .strictObject({
    feature: z.string().min(1),
    /** The release id serving it, e.g. `gpt-4o/2024-11-20/v3`. */
    release: z.string().min(1),
    model: z.string().min(1),
    promptVersion: z.string().min(1).optional(),
    variant: z.string().min(1).optional(),
    /** The environment that served it (production, staging): keeps their windows apart. */
    environment: z.string().min(1).optional(),
    requestId: z.string().min(1).max(200),
    /** Hashed with SHA-256 and dropped, unless raw inputs are kept (`keepInputs`). */
    input: z.string().optional(),
    inputSha256: z
      .string()
      .regex(/^[0-9a-f]{64}$/, 'expected the SHA-256 of the input, 64 lowercase hex characters')
      .optional(),
    at: z.iso.datetime({ offset: true }).optional(),
    latencyMs: z.number().nonnegative(),
    status: z.enum(['ok', 'error']),
    errorType: z.string().optional(),
    inputTokens: z.int().nonnegative().optional(),
    outputTokens: z.int().nonnegative().optional(),
    costUsd: z.number().nonnegative().optional(),
    /** Eval scores from scoring this live sample (groundedness, faithfulness, …), 0 to 1. */
    scores: z.record(z.string().regex(/^[a-z][a-z0-9_]*$/), z.number().min(0).max(1)).optional(),
    /** The model's confidence, 0 to 1 (seed 003's trigger watches its mean). */
    confidence: z.number().min(0).max(1).optional(),
    feedback: z.enum(['positive', 'negative']).optional(),
    /** Slices such as `locale:fr`. */
    tags: z.array(z.string().min(1)).max(50).optional(),
    /** `smoke`: a synthetic smoke test against the release, not user traffic. */
    kind: z.enum(['live', 'smoke']).default('live'),
  })
  .refine((prediction) => !(prediction.input !== undefined && prediction.inputSha256 !== undefined), {
    message: 'give input or inputSha256, not both',
  });

export type PredictionInput = z.input<typeof predictionInputSchema>;

/** A prediction as stored. */
export interface Prediction {
  feature: string;
  release: string;
  model: string;
  promptVersion?: string;
  variant?: string;
  environment?: string;
  requestId: string;
  inputSha256?: string;
  /** Only when the project keeps raw inputs. */
  input?: string;
  at: string;
  latencyMs: number;
  status: 'ok' | 'error';
  errorType?: string;
  inputTokens?: number;
  outputTokens?: number;
  costUsd?: number;
  scores: Record<string, number>;
  feedback?: 'positive' | 'negative';
  tags: string[];
  kind: 'live' | 'smoke';
}

/** Normalizes a validated prediction: the input hashed (and dropped unless kept), confidence as a score. */
export function toPrediction(
  input: z.output<typeof predictionInputSchema>,
  options: { now: Date; keepInputs: boolean },
): Prediction {
  if (input.at !== undefined && Date.parse(input.at) > options.now.getTime() + 5 * 60_000) {
    // A clock this far ahead would put the prediction in windows that have not happened yet.
    throw new AirlockError(
      'INVALID_INPUT',
      `prediction ${input.requestId} is dated ${input.at}, in the future; check the client's clock`,
    );
  }
  const inputSha256 =
    input.inputSha256 ??
    (input.input === undefined ? undefined : createHash('sha256').update(input.input).digest('hex'));
  const scores = {
    ...(input.scores ?? {}),
    ...(input.confidence === undefined ? {} : { confidence: input.confidence }),
  };
  return {
    feature: input.feature,
    release: input.release,
    model: input.model,
    ...(input.promptVersion === undefined ? {} : { promptVersion: input.promptVersion }),
    ...(input.variant === undefined ? {} : { variant: input.variant }),
    ...(input.environment === undefined ? {} : { environment: input.environment }),
    requestId: input.requestId,
    ...(inputSha256 === undefined ? {} : { inputSha256 }),
    ...(options.keepInputs && input.input !== undefined ? { input: input.input } : {}),
    at: new Date(input.at ?? options.now).toISOString(),
    latencyMs: input.latencyMs,
    status: input.status,
    ...(input.errorType === undefined ? {} : { errorType: input.errorType }),
    ...(input.inputTokens === undefined ? {} : { inputTokens: input.inputTokens }),
    ...(input.outputTokens === undefined ? {} : { outputTokens: input.outputTokens }),
    ...(input.costUsd === undefined ? {} : { costUsd: input.costUsd }),
    scores,
    ...(input.feedback === undefined ? {} : { feedback: input.feedback }),
    tags: input.tags ?? [],
    kind: input.kind,
  };
}
