import { AirlockError, checkImageReference } from '@airlock/core';
import {
  type Deployment,
  type DeployState,
  deployStateFormat,
  type PendingRollback,
  type ReleaseRef,
  type RollbackRecord,
} from './state.ts';
import type { StateKey } from './state-store.ts';

/**
 * The state machine of one environment's deploy state, with no I/O: each function takes a state
 * and returns the next one (or refuses with an AirlockError). The service reads, calls one of
 * these, and writes with compare-and-swap; on a conflict it calls it again on fresh state.
 */

/** More than `count` rollbacks within `windowMs` halts the environment (seed 002: 2 in 1 hour). */
export interface RollbackLimit {
  count: number;
  windowMs: number;
}

export const defaultRollbackLimit: RollbackLimit = { count: 2, windowMs: 60 * 60 * 1000 };

/** The roles that may clear a halt. */
export const unhaltRoles: readonly string[] = ['release-manager', 'admin'];

/** Entries kept in `history` and `rollbacks`; the oldest go first. */
const keptEntries = 200;

const commitPattern = /^[0-9a-f]{7,64}$/;

function keepNewest<T>(entries: T[]): T[] {
  return entries.length > keptEntries ? entries.slice(entries.length - keptEntries) : entries;
}

function describe(deployment: Pick<Deployment, 'seq' | 'release' | 'image'>): string {
  return `#${deployment.seq} ${deployment.release.id} (${deployment.image})`;
}

function pointer(deployment: Deployment): RollbackRecord['from'] {
  return { seq: deployment.seq, releaseId: deployment.release.id, image: deployment.image };
}

/** A new environment's state, before its first deployment (the writer sets the revision). */
export function emptyState(key: StateKey, at: string, by: string): DeployState {
  return {
    format: deployStateFormat,
    namespace: key.namespace,
    environment: key.environment,
    revision: 0,
    updatedAt: at,
    updatedBy: by,
    current: null,
    history: [],
    rollbacks: [],
    pendingRollback: null,
    halt: null,
    unhalts: [],
    rollout: null,
  };
}

/** Refuses while halted: a person must clear the halt (exit 3). */
export function requireNotHalted(state: DeployState, doing: string): void {
  if (state.halt === null) return;
  throw new AirlockError(
    'HALTED',
    `${state.environment} (namespace ${state.namespace}) is halted since ${state.halt.since}: ${state.halt.reason}. No ${doing} until a release manager runs airlock deploy unhalt --env ${state.environment} --role release-manager --reason "…"`,
    { context: { halt: state.halt } },
  );
}

/** Replaces one deployment (by seq) in history, and in `current` when it is that one. */
function updateDeployment(state: DeployState, seq: number, change: Partial<Deployment>): DeployState {
  const history = state.history.map((entry) => (entry.seq === seq ? { ...entry, ...change } : entry));
  const current = state.current?.seq === seq ? { ...state.current, ...change } : state.current;
  return { ...state, history, current };
}

export interface RecordInput {
  release: ReleaseRef;
  commit: string;
  image: string;
  by: string;
  at: string;
}

/**
 * Records a deployment as current. Refused while halted, for an image that is neither a digest
 * nor commit-tagged, and for an image already recorded for other code (a reused tag). Recording
 * exactly what is current again changes nothing, so a retried pipeline step is harmless.
 */
export function recordDeployment(
  state: DeployState,
  input: RecordInput,
): { state: DeployState; deployment: Deployment; changed: boolean } {
  requireNotHalted(state, 'deploys');
  const commit = input.commit.toLowerCase();
  if (!commitPattern.test(commit)) {
    throw new AirlockError(
      'INVALID_INPUT',
      `commit "${input.commit}" is not a git SHA (git rev-parse HEAD prints it)`,
    );
  }
  checkImageReference(input.image, commit);
  const current = state.current;
  if (
    current !== null &&
    current.release.digest === input.release.digest &&
    current.commit === commit &&
    current.image === input.image
  ) {
    return { state, deployment: current, changed: false };
  }
  const runs = current?.release.feature;
  if (runs !== undefined && input.release.feature !== undefined && input.release.feature !== runs) {
    throw new AirlockError(
      'CONFLICT',
      `${state.environment} in namespace ${state.namespace} runs ${runs}; a release of ${input.release.feature} needs its own namespace (--namespace ${input.release.feature}), or a rollback here would deploy the other feature's image`,
      { context: { runs, release: input.release.feature } },
    );
  }
  const reused = state.history.find(
    (entry) =>
      entry.image === input.image &&
      (entry.commit !== commit || entry.release.digest !== input.release.digest),
  );
  if (reused !== undefined) {
    throw new AirlockError(
      'CONFLICT',
      `image ${input.image} was already recorded for commit ${reused.commit.slice(0, 12)}, release ${reused.release.id} (deployment #${reused.seq}): one image reference for two builds means what ran can no longer be told apart; build and tag a new image`,
      { context: { image: input.image, deployment: reused.seq } },
    );
  }
  const deployment: Deployment = {
    seq: (state.history.at(-1)?.seq ?? 0) + 1,
    kind: 'deploy',
    release: input.release,
    commit,
    image: input.image,
    by: input.by,
    at: input.at,
    outcome: 'deployed',
  };
  return {
    state: {
      ...state,
      current: deployment,
      history: keepNewest([...state.history, deployment]),
      rollout: null,
    },
    deployment,
    changed: true,
  };
}

/** Whether `expected` names this deployment: its release id, digest (12+ characters) or image. */
function names(deployment: Deployment, expected: string): boolean {
  return (
    deployment.release.id === expected ||
    deployment.image === expected ||
    (expected.length >= 12 && deployment.release.digest.startsWith(expected))
  );
}

/**
 * Marks the current deployment known-good (after its post-deploy checks): it becomes what a later
 * rollback returns to. `expect` guards against marking something else than was checked.
 */
export function markGood(
  state: DeployState,
  input: { by: string; at: string; expect?: string },
): { state: DeployState; deployment: Deployment; changed: boolean } {
  const current = state.current;
  if (current === null) {
    throw new AirlockError(
      'PRECONDITION_FAILED',
      `nothing is deployed to ${state.environment} yet; nothing to mark good`,
    );
  }
  if (input.expect !== undefined && !names(current, input.expect)) {
    throw new AirlockError(
      'CONFLICT',
      `${state.environment} runs ${describe(current)}, not ${input.expect}; nothing marked (someone deployed since your checks?)`,
      { context: { current: current.release.id } },
    );
  }
  if (current.outcome === 'known-good') return { state, deployment: current, changed: false };
  const next = updateDeployment(state, current.seq, {
    outcome: 'known-good',
    markedGood: { by: input.by, at: input.at },
  });
  return { state: next, deployment: next.current as Deployment, changed: true };
}

/** The rollbacks that count against the limit now: inside the window and since the last unhalt. */
export function rollbacksInWindow(state: DeployState, at: Date, limit: RollbackLimit): RollbackRecord[] {
  const lastUnhalt = state.unhalts.at(-1);
  const since = Math.max(at.getTime() - limit.windowMs, lastUnhalt ? Date.parse(lastUnhalt.at) : 0);
  return state.rollbacks.filter((rollback) => Date.parse(rollback.at) >= since);
}

/**
 * The last known-good release other than the current one. Each release is judged by its latest
 * verdict (marked good, or rolled back from), so a release that was rolled back is never a target
 * again until it is deployed and marked good anew: rolling back twice lands on the release before
 * the last good one, never back on the bad one ("undo of the undo").
 */
export function rollbackTarget(state: DeployState): Deployment | undefined {
  const current = state.current;
  if (current === null) return undefined;
  const verdicts = new Map<string, Deployment>();
  for (const entry of state.history) {
    if (entry.outcome === 'known-good' || entry.outcome === 'rolled-back')
      verdicts.set(entry.release.digest, entry);
  }
  let target: Deployment | undefined;
  for (const entry of verdicts.values()) {
    if (entry.outcome !== 'known-good' || entry.release.digest === current.release.digest) continue;
    if (target === undefined || entry.seq > target.seq) target = entry;
  }
  return target;
}

export type RollbackPlan =
  | { kind: 'rollback'; from: Deployment; to: Deployment; counted: number }
  | { kind: 'halt'; counted: number };

/**
 * Decides what a rollback does now: returns to the last known-good release, or — when it would
 * make more than `limit.count` rollbacks within the window — halts instead, deploying nothing.
 */
export function planRollback(state: DeployState, at: Date, limit: RollbackLimit): RollbackPlan {
  requireNotHalted(state, 'rollbacks');
  const from = state.current;
  if (from === null) {
    throw new AirlockError(
      'PRECONDITION_FAILED',
      `nothing is deployed to ${state.environment}; nothing to roll back`,
    );
  }
  // The rate limit comes first: a third rollback within the hour halts whether or not anything
  // known-good is left, since asking for it is the sign that something keeps going wrong.
  const counted = rollbacksInWindow(state, at, limit).length;
  if (counted >= limit.count) return { kind: 'halt', counted };
  const to = rollbackTarget(state);
  if (to === undefined) {
    throw new AirlockError(
      'PRECONDITION_FAILED',
      `no known-good release to roll back to from ${describe(from)}: mark a release good (airlock deploy mark-good) after its checks pass`,
      { context: { current: from.release.id } },
    );
  }
  return { kind: 'rollback', from, to, counted };
}

export function applyHalt(
  state: DeployState,
  input: { at: string; by: string; reason: string; rollbacks: number },
): DeployState {
  return {
    ...state,
    halt: { since: input.at, by: input.by, reason: input.reason, rollbacks: input.rollbacks },
  };
}

export interface RollbackResult {
  id: string;
  at: string;
  by: string;
  reason: string;
  from: Deployment;
  to: Deployment;
  ok: boolean;
  command?: string;
  detail?: string;
}

/**
 * Records a finished rollback. Done: a new deployment of the target release becomes current and
 * the one rolled back from is marked so. Failed (the deploy command said no): what ran keeps
 * running; the attempt is in history as `failed` and still counts against the limit.
 */
export function applyRollback(state: DeployState, result: RollbackResult): DeployState {
  const record: RollbackRecord = {
    id: result.id,
    at: result.at,
    by: result.by,
    reason: result.reason,
    from: pointer(result.from),
    to: pointer(result.to),
    status: result.ok ? 'done' : 'failed',
    ...(result.command === undefined ? {} : { command: result.command }),
    ...(result.detail === undefined ? {} : { detail: result.detail }),
  };
  const deployment: Deployment = {
    seq: (state.history.at(-1)?.seq ?? 0) + 1,
    kind: 'rollback',
    release: result.to.release,
    commit: result.to.commit,
    image: result.to.image,
    by: result.by,
    at: result.at,
    outcome: result.ok ? 'known-good' : 'failed',
    ...(result.ok && result.to.markedGood ? { markedGood: result.to.markedGood } : {}),
    rollbackId: result.id,
  };
  const base = { ...state, pendingRollback: null, rollbacks: keepNewest([...state.rollbacks, record]) };
  if (!result.ok) return { ...base, history: keepNewest([...state.history, deployment]) };
  const marked = updateDeployment(base, result.from.seq, { outcome: 'rolled-back', rollbackId: result.id });
  return {
    ...marked,
    current: deployment,
    history: keepNewest([...marked.history, deployment]),
    rollout: null,
  };
}

/** Claims the environment while a deploy command runs, so a second rollback waits or is refused. */
export function startRollback(state: DeployState, pending: PendingRollback): DeployState {
  return { ...state, pendingRollback: pending };
}

/** The claim as the state holds it, or a refusal when another rollback holds it. */
export function requireNoPendingRollback(state: DeployState): void {
  const pending = state.pendingRollback;
  if (pending === null) return;
  throw new AirlockError(
    'CONFLICT',
    `a rollback of ${state.environment} to ${pending.to.releaseId} is in progress (by ${pending.by}, pid ${pending.pid} on ${pending.host}, since ${pending.since}); nothing done`,
    { context: { pendingRollback: pending } },
  );
}

/**
 * Closes a claim whose process died while its deploy command ran. What runs is unknown, so the
 * attempt counts against the limit and nothing changes `current`; a person should check.
 */
export function abandonPendingRollback(state: DeployState, at: string): DeployState {
  const pending = state.pendingRollback;
  if (pending === null) return state;
  const record: RollbackRecord = {
    id: pending.id,
    at: pending.since,
    by: pending.by,
    reason: pending.reason,
    from: pending.from,
    to: pending.to,
    status: 'abandoned',
    ...(pending.command === undefined ? {} : { command: pending.command }),
    detail: `its process (pid ${pending.pid} on ${pending.host}) ended before recording the result; noticed ${at}`,
  };
  return { ...state, pendingRollback: null, rollbacks: keepNewest([...state.rollbacks, record]) };
}

/** Clears a halt: a release manager (or admin), with a reason. Earlier rollbacks stop counting. */
export function unhalt(
  state: DeployState,
  input: { at: string; by: string; role: string; reason: string },
): DeployState {
  if (!unhaltRoles.includes(input.role)) {
    throw new AirlockError(
      'FORBIDDEN',
      `clearing a halt needs the release-manager role (${input.by} acts as ${input.role})`,
      { context: { role: input.role } },
    );
  }
  if (input.reason.trim() === '')
    throw new AirlockError('INVALID_INPUT', 'a reason is required to clear a halt');
  const halt = state.halt;
  if (halt === null) {
    throw new AirlockError('PRECONDITION_FAILED', `${state.environment} is not halted; nothing to clear`);
  }
  const record = {
    at: input.at,
    by: input.by,
    role: input.role,
    reason: input.reason.trim(),
    haltedSince: halt.since,
  };
  return { ...state, halt: null, unhalts: keepNewest([...state.unhalts, record]) };
}

/**
 * Moves the current deployment's rollout to a stage (starting it at the first). Refused while
 * halted, with nothing deployed, or when `expectSeq` is not what is current (someone deployed or
 * rolled back since the decision was made).
 */
export function setRolloutStage(
  state: DeployState,
  input: {
    expectSeq?: number;
    policy: string;
    stage: number;
    trafficPct: number;
    emergency: boolean;
    at: string;
    by: string;
    /** Starting a rollout (stage 1): refused while one of this deployment is under way, unless restarting. */
    start?: { restart: boolean };
  },
): DeployState {
  requireNotHalted(state, 'rollout changes');
  const current = state.current;
  if (current === null) {
    throw new AirlockError(
      'PRECONDITION_FAILED',
      `nothing is deployed to ${state.environment}; nothing to roll out`,
    );
  }
  if (input.expectSeq !== undefined && current.seq !== input.expectSeq) {
    throw new AirlockError(
      'CONFLICT',
      `${state.environment} now runs ${describe(current)}, not deployment #${input.expectSeq}; the rollout decision is stale`,
    );
  }
  const ongoing = state.rollout?.seq === current.seq ? state.rollout : null;
  if (input.start !== undefined) {
    const where = `${state.environment} (namespace ${state.namespace})`;
    if (ongoing !== null && !input.start.restart) {
      throw new AirlockError(
        'CONFLICT',
        `${current.release.id} is already rolling out in ${where} (stage ${ongoing.stage}, ${ongoing.trafficPct}%); starting again would take it back to ${input.trafficPct}% — pass --restart if that is what you want`,
      );
    }
    if (input.trafficPct < 100 && rollbackTarget(state) === undefined) {
      throw new AirlockError(
        'PRECONDITION_FAILED',
        `nothing known-good to serve the other ${100 - input.trafficPct}% of units in ${where}: mark a release good first (airlock deploy mark-good), or deploy it to everyone without a rollout`,
      );
    }
  }
  return {
    ...state,
    rollout: {
      seq: current.seq,
      policy: input.policy,
      stage: input.stage,
      trafficPct: input.trafficPct,
      stageStartedAt: input.at,
      emergency: input.emergency,
      startedAt: ongoing?.startedAt ?? input.at,
      by: input.by,
    },
  };
}

/** Ends the rollout of the current deployment (it reached 100%, and is marked known-good by the caller). */
export function endRollout(state: DeployState): DeployState {
  return { ...state, rollout: null };
}
