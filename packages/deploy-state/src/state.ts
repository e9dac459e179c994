import { AirlockError, parseJsonText, parseYamlDocument } from '@airlock/core';
import { z } from 'zod';
import type { StateKey } from './state-store.ts';

/** The format id every `deploy_state.json` carries; a new incompatible shape gets a new one. */
export const deployStateFormat = 'airlock.deploy-state/v1';

/** Namespace and environment names: they become path segments and S3 key parts. */
export const stateNamePattern = /^[a-z0-9][a-z0-9._-]{0,62}$/;

const time = z.iso.datetime({ offset: true });
const sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'expected 64 lowercase hex characters');
const actor = z.string().min(1);

/** What was deployed: a release's identity and what other services need to run it. */
export const releaseRefSchema = z.strictObject({
  /** Human-readable, `model/snapshot/vN`. */
  id: z.string().min(1),
  /** SHA-256 of the release's canonical JSON: its identity. */
  digest: sha256,
  feature: z.string().optional(),
  model: z.string().optional(),
  fallbackModel: z.string().optional(),
  prompt: z.strictObject({ name: z.string(), version: z.int().positive(), sha256 }).optional(),
});

/**
 * What a deployment turned out to be. `deployed`: running (or ran), not yet checked; `known-good`:
 * marked good after post-deploy checks (a rollback target); `rolled-back`: rolled back from;
 * `failed`: a rollback to it whose deploy command failed (it never became current).
 */
export const outcomes = ['deployed', 'known-good', 'rolled-back', 'failed'] as const;
export type Outcome = (typeof outcomes)[number];

export const deploymentSchema = z.strictObject({
  /** 1, 2, 3… in the order deployments were made in this environment. */
  seq: z.int().positive(),
  kind: z.enum(['deploy', 'rollback']),
  release: releaseRefSchema,
  commit: z.string().min(7),
  image: z.string().min(1),
  by: actor,
  at: time,
  outcome: z.enum(outcomes),
  markedGood: z.strictObject({ by: actor, at: time }).optional(),
  /** For `rolled-back`: the rollback that replaced it. For `failed`: why. */
  rollbackId: z.string().optional(),
});

const deploymentPointer = z.strictObject({
  seq: z.int().positive(),
  releaseId: z.string(),
  image: z.string(),
});

export const rollbackSchema = z.strictObject({
  id: z.string().min(1),
  at: time,
  by: actor,
  reason: z.string().min(1),
  from: deploymentPointer,
  to: deploymentPointer,
  /** `abandoned`: its process died while the deploy command ran; what runs is unknown. */
  status: z.enum(['done', 'failed', 'abandoned']),
  command: z.string().optional(),
  detail: z.string().optional(),
});

/** A rollback whose deploy command is running: others must not start a second one meanwhile. */
export const pendingRollbackSchema = z.strictObject({
  id: z.string().min(1),
  since: time,
  by: actor,
  reason: z.string().min(1),
  from: deploymentPointer,
  to: deploymentPointer,
  host: z.string(),
  pid: z.int(),
  command: z.string().optional(),
});

export const haltSchema = z.strictObject({
  since: time,
  reason: z.string().min(1),
  by: actor,
  /** Rollbacks counted in the window when it halted. */
  rollbacks: z.int().nonnegative(),
});

export const unhaltSchema = z.strictObject({
  at: time,
  by: actor,
  role: z.string(),
  reason: z.string().min(1),
  haltedSince: time,
});

/** The current deployment's progressive rollout, when it is in one (set by `airlock rollout`). */
export const rolloutProgressSchema = z.strictObject({
  /** The deployment (seq) being rolled out; anything else current means the rollout ended. */
  seq: z.int().positive(),
  /** The policy file, as given. */
  policy: z.string(),
  /** 1-based stage number. */
  stage: z.int().positive(),
  trafficPct: z.number().gt(0).max(100),
  stageStartedAt: time,
  emergency: z.boolean(),
  startedAt: time,
  by: actor,
});

export const deployStateSchema = z.strictObject({
  format: z.literal(deployStateFormat, { message: `expected "${deployStateFormat}"` }),
  namespace: z.string().regex(stateNamePattern),
  environment: z.string().regex(stateNamePattern),
  /** +1 on every write: a writer replaces only the revision it read. */
  revision: z.int().positive(),
  updatedAt: time,
  updatedBy: actor,
  current: deploymentSchema.nullable(),
  /** Oldest first; the newest entries are kept when it grows past the limit. */
  history: z.array(deploymentSchema),
  rollbacks: z.array(rollbackSchema),
  pendingRollback: pendingRollbackSchema.nullable(),
  halt: haltSchema.nullable(),
  unhalts: z.array(unhaltSchema),
  /** Absent in files written before rollouts existed: read as null. */
  rollout: rolloutProgressSchema.nullable().default(null),
});

export type ReleaseRef = z.infer<typeof releaseRefSchema>;
export type Deployment = z.infer<typeof deploymentSchema>;
export type RollbackRecord = z.infer<typeof rollbackSchema>;
export type PendingRollback = z.infer<typeof pendingRollbackSchema>;
export type Halt = z.infer<typeof haltSchema>;
export type DeployState = z.output<typeof deployStateSchema>;
export type RolloutProgress = z.infer<typeof rolloutProgressSchema>;

/** Refuses a namespace or environment name that cannot be a path segment or key part. */
export function checkStateKey(key: StateKey): StateKey {
  for (const [what, value] of [
    ['namespace', key.namespace],
    ['environment', key.environment],
  ] as const) {
    if (!stateNamePattern.test(value)) {
      throw new AirlockError(
        'INVALID_INPUT',
        `${what} ${JSON.stringify(value)} is not a name: lowercase letters, digits, ".", "_" or "-", starting with a letter or digit`,
      );
    }
  }
  return key;
}

/**
 * Reads a stored state and checks it is the one asked for (seed 002: "rollback reads
 * deploy_state.json from the wrong namespace"). Not JSON, or not the format → STATE_CORRUPT with
 * `location:line:col`; another environment's or namespace's → STATE_MISMATCH.
 */
export function parseDeployState(text: string, key: StateKey, location: string): DeployState {
  try {
    parseJsonText(text, location);
  } catch (error) {
    if (!(error instanceof AirlockError)) throw error;
    throw new AirlockError('STATE_CORRUPT', `${location} is not JSON; nothing was changed`, {
      issues: error.issues,
      context: { location },
    });
  }
  let state: DeployState;
  try {
    // JSON is YAML: the YAML reader gives each problem its line and column.
    state = parseYamlDocument(text, { file: location, schema: deployStateSchema });
  } catch (error) {
    if (error instanceof AirlockError) {
      throw new AirlockError(
        'STATE_CORRUPT',
        `${location} is not a ${deployStateFormat} file; nothing was changed`,
        {
          issues: error.issues,
          context: { location },
        },
      );
    }
    throw error;
  }
  if (state.namespace !== key.namespace || state.environment !== key.environment) {
    throw new AirlockError(
      'STATE_MISMATCH',
      `${location} holds the state of ${state.environment} in namespace ${state.namespace}, not ${key.environment} in ${key.namespace}: the path or bucket points at another environment's state; nothing was changed`,
      { context: { location, found: { namespace: state.namespace, environment: state.environment } } },
    );
  }
  const latest = state.history.at(-1);
  if (state.current !== null && (latest === undefined || state.current.seq > latest.seq)) {
    throw new AirlockError(
      'STATE_CORRUPT',
      `${location}: current deployment ${state.current.seq} is not in history`,
      {
        context: { location },
      },
    );
  }
  return state;
}

/** The text written: stable key order, one field a line, a trailing newline (diffable in review). */
export function serializeDeployState(state: DeployState): string {
  return `${JSON.stringify(deployStateSchema.parse(state), null, 2)}\n`;
}
