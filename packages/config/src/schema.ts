import { parseDuration } from '@airlock/core';
import { z } from 'zod';

const relativeOrAbsolutePath = z.string().min(1, 'expected a non-empty path');

/** Where an OpenAI-compatible provider is and which environment variable holds its key. */
export const providerSchema = z.strictObject({
  type: z.literal('openai').default('openai'),
  /** Any OpenAI-compatible endpoint: OpenAI, Azure, vLLM, Ollama, a LiteLLM proxy. */
  base_url: z.url({ message: 'expected a URL such as https://api.openai.com/v1' }).optional(),
  /**
   * An environment variable that, when set, replaces base_url: the same project then runs against
   * a local OpenAI-compatible server in a demo or a test and against the real endpoint otherwise.
   */
  base_url_env: z
    .string()
    .regex(/^[A-Z_][A-Z0-9_]*$/, 'expected an environment variable name such as MODEL_BASE_URL')
    .optional(),
  /** The name of the environment variable holding the API key; the key itself never goes in this file. */
  api_key_env: z
    .string()
    .regex(/^[A-Z_][A-Z0-9_]*$/, 'expected an environment variable name such as OPENAI_API_KEY')
    .default('OPENAI_API_KEY'),
  /** Stream answers (time to first token, cut streams seen as errors); default: whole answers. */
  stream: z.boolean().default(false),
});

/** An S3 (or S3-compatible) remote for dataset objects and shared deploy state. */
export const s3RemoteSchema = z.strictObject({
  bucket: z.string().min(3, 'expected a bucket name (3 characters or more)'),
  prefix: z.string().default(''),
  region: z.string().default('us-east-1'),
  /** For S3-compatible servers (R2, MinIO, s3rver); omit for AWS. */
  endpoint: z.url({ message: 'expected a URL such as https://s3.example.com' }).optional(),
  force_path_style: z.boolean().default(false),
});

const duration = z
  .string({ error: 'expected a duration such as 30m, 1h or 1h30m' })
  .refine((text) => parseDuration(text) !== undefined, 'expected a duration such as 30m, 1h or 1h30m');

/** Where shared deploy state lives in S3: the remote's keys, plus the one risk a user may accept. */
export const deployS3Schema = s3RemoteSchema.extend({
  /**
   * Use a server that ignores If-Match / If-None-Match (s3rver, some S3-compatible stores): two
   * pipelines racing could then both write. Off by default; Airlock probes the server first.
   */
  accept_unenforced_conditional_writes: z.boolean().default(false),
});

/** deploy_state.json: where it lives, how old it may be, and the rollback-rate limit (seed 002). */
export const deploySchema = z.strictObject({
  /** A team, cluster namespace or feature: one deploy state per environment in it. */
  namespace: z
    .string()
    .regex(/^[a-z0-9][a-z0-9._-]{0,62}$/, 'expected a lowercase name such as support-bot')
    .default('default'),
  /** A state older than this is refused for rollback unless --allow-stale. */
  max_age: duration.default('1h'),
  rollback_limit: z
    .strictObject({
      /** More than this many rollbacks inside the window halts the environment. */
      count: z.int().positive().default(2),
      window: duration.default('1h'),
    })
    .default({ count: 2, window: '1h' }),
  /** The rollback's deploy command; {image}, {commit}, {release}, {env} and {namespace} are filled in. */
  command: z.string().min(1).optional(),
  /** The local store's folder (each state at <dir>/<namespace>/<env>/deploy_state.json). */
  dir: relativeOrAbsolutePath.default('.airlock/deploy'),
  /** Keep the state in S3 instead (shared between CI runners); `dir` is then unused. */
  s3: deployS3Schema.optional(),
});

/**
 * `airlock.yaml`: the project file. Every key is optional; the defaults keep everything embedded
 * (one SQLite file and a cache folder under `.airlock/`), so a new project runs with no server.
 */
export const projectConfigSchema = z.strictObject({
  version: z.literal(1, { message: 'expected 1 (the only format this Airlock reads)' }).default(1),
  store: z
    .strictObject({
      /** The SQLite file, relative to this file's folder. */
      path: relativeOrAbsolutePath.default('.airlock/airlock.db'),
    })
    .default({ path: '.airlock/airlock.db' }),
  cache: z
    .strictObject({
      /** The local content-addressed cache folder, relative to this file's folder. */
      dir: relativeOrAbsolutePath.default('.airlock/cache'),
    })
    .default({ dir: '.airlock/cache' }),
  remote: z.strictObject({ s3: s3RemoteSchema }).optional(),
  /** A price override file (YAML) for private or negotiated prices, relative to this file. */
  prices: z.strictObject({ overrides: relativeOrAbsolutePath }).optional(),
  deploy: deploySchema.default({
    namespace: 'default',
    max_age: '1h',
    rollback_limit: { count: 2, window: '1h' },
    dir: '.airlock/deploy',
  }),
  /** The prediction log (POST /v1/predictions, airlock rollout record). */
  predictions: z
    .strictObject({
      /** Keep raw inputs; by default only their SHA-256 is stored (inputs can carry personal data). */
      keep_inputs: z.boolean().default(false),
    })
    .default({ keep_inputs: false }),
  /** Without this key, OpenAI with its key from OPENAI_API_KEY; with it, exactly the providers listed. */
  providers: z
    .record(z.string().regex(/^[a-z][a-z0-9-]*$/, 'expected a lowercase provider name'), providerSchema)
    .default({ openai: { type: 'openai', api_key_env: 'OPENAI_API_KEY', stream: false } }),
});

/** `airlock.yaml` as written (before defaults). */
export type ProjectConfigInput = z.input<typeof projectConfigSchema>;
/** `airlock.yaml` as validated, with defaults filled in (paths still as written). */
export type ProjectConfigFile = z.output<typeof projectConfigSchema>;
