import { z } from 'zod';
import { riskTiers } from './approval-policy.ts';

const messageSchema = z.strictObject({
  role: z.enum(['system', 'user', 'assistant']),
  content: z.string().min(1, 'expected the message text'),
});

/** Model parameters a prompt version pins alongside its text. */
export const promptParametersSchema = z.strictObject({
  temperature: z.number().min(0).max(2).optional(),
  top_p: z.number().min(0).max(1).optional(),
  max_tokens: z.number().int().positive().optional(),
  seed: z.number().int().optional(),
  response_format: z.enum(['text', 'json_object']).optional(),
});

/**
 * A prompt file: a name and either `template` (one user message) or `messages` (a chat), with
 * `{{variables}}`, and optional model parameters.
 */
export const promptFileSchema = z
  .strictObject({
    kind: z.literal('prompt').optional(),
    name: z.string().regex(/^[a-z0-9][a-z0-9._-]*$/, 'expected a lowercase name such as support-answer'),
    description: z.string().optional(),
    template: z.string().min(1).optional(),
    messages: z.array(messageSchema).min(1).optional(),
    parameters: promptParametersSchema.default({}),
  })
  .refine((file) => (file?.template === undefined) !== (file?.messages === undefined), {
    message: 'expected exactly one of template (a single message) or messages (a chat)',
    // Checked even when other keys are wrong, so one run lists every problem.
    when: (payload) => typeof payload.value === 'object' && payload.value !== null,
  });

export type PromptFile = z.output<typeof promptFileSchema>;

/** A model file: a pinned provider snapshot and what a reader should know about it. */
export const modelFileSchema = z.strictObject({
  kind: z.literal('model').optional(),
  id: z.string().min(3),
  description: z.string().optional(),
  context_window: z.number().int().positive().optional(),
});

export type ModelFile = z.output<typeof modelFileSchema>;

/** What `registry publish` accepts: a model file or a prompt file, told apart by `kind` or by their keys. */
export const registryFileSchema = z.union([
  modelFileSchema.extend({ kind: z.literal('model') }),
  promptFileSchema,
  modelFileSchema,
]);

const sha256Field = z
  .string()
  .regex(/^[0-9a-f]{64}$/, 'expected a SHA-256 digest (64 lowercase hex characters)');

/** `features/<name>.yaml`: one feature's release contract. */
export const featureManifestSchema = z.strictObject({
  feature: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'expected a lowercase feature name such as support-bot'),
  risk_tier: z.enum(riskTiers),
  model: z.string().min(3),
  fallback_model: z.string().min(3).optional(),
  prompt: z
    .string()
    .regex(
      /^[a-z0-9][a-z0-9._-]*@\d+$/,
      'expected name@version with a version number, such as support-answer@3',
    ),
  datasets: z
    .array(
      z.strictObject({
        name: z.string().min(1),
        path: z.string().min(1),
        sha256: sha256Field.optional(),
        /** A row schema (YAML, or JSON Schema) the release gate validates the rows against. */
        schema: z.string().min(1).optional(),
        /** A previous version of the rows, for label drift (needs label_field in the schema). */
        reference: z.string().min(1).optional(),
      }),
    )
    .default([]),
  eval_suites: z
    .array(
      z.strictObject({
        name: z.string().min(1),
        path: z.string().min(1),
        threshold: z.number().min(0).max(1).default(0.85),
        stages: z
          .array(z.enum(['pre-merge', 'staging', 'canary', 'emergency']))
          .default(['pre-merge', 'staging']),
        /** Run only the cases with one of these tags (a smoke subset of a shared dataset). */
        tags: z.array(z.string().min(1)).min(1).optional(),
        /**
         * A model_baseline.json (main's numbers) the gate compares against when the deployed
         * release has no stored run of this suite.
         */
        baseline: z.string().min(1).optional(),
      }),
    )
    .default([]),
  regression: z
    .strictObject({
      max_pass_rate_drop: z.number().min(0).max(1).default(0.02),
      max_p95_latency_increase_pct: z.number().min(0).default(15),
      max_cost_increase_pct: z.number().min(0).default(10),
      /** A p95 increase up to this many milliseconds is timer noise, never a regression. */
      p95_latency_noise_ms: z.number().min(0).default(50),
    })
    .default({
      max_pass_rate_drop: 0.02,
      max_p95_latency_increase_pct: 15,
      max_cost_increase_pct: 10,
      p95_latency_noise_ms: 50,
    }),
  budgets: z
    .strictObject({
      cost_per_call_usd_max: z.number().positive().optional(),
      monthly_usd_max: z.number().positive().optional(),
      p95_latency_ms_max: z.number().positive().optional(),
    })
    .default({}),
  /** The traffic forecast the gate's monthly cost and `monthly_usd_max` are computed for. */
  traffic: z.strictObject({ requests_per_month: z.int().positive() }).optional(),
  rollout_policy: z.string().min(1).optional(),
});

export type FeatureManifest = z.output<typeof featureManifestSchema>;

/** An eval suite as far as policy lint reads it: cases with ids and the variables they render with. */
export const lintSuiteSchema = z.looseObject({
  /** Rows of a JSONL file (relative to the suite) that are cases too. */
  dataset: z.string().min(1).optional(),
  defaults: z.looseObject({ tags: z.array(z.string()).default([]) }).optional(),
  cases: z
    .array(
      z.looseObject({
        id: z.string().optional(),
        vars: z.record(z.string(), z.unknown()).default({}),
        tags: z.array(z.string()).default([]),
      }),
    )
    .default([]),
});
