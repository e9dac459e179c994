import { hostname } from 'node:os';
import { AirlockError, newId } from '@airlock/core';
import {
  checkStateKey,
  type Deployment,
  type DeployState,
  parseDeployState,
  type ReleaseRef,
  type RollbackRecord,
  serializeDeployState,
} from './state.ts';
import type { StateKey, StateStore } from './state-store.ts';
import {
  abandonPendingRollback,
  applyHalt,
  applyRollback,
  defaultRollbackLimit,
  emptyState,
  endRollout,
  markGood,
  planRollback,
  type RollbackLimit,
  type RollbackResult,
  recordDeployment,
  requireNoPendingRollback,
  requireNotHalted,
  setRolloutStage,
  startRollback,
  unhalt,
} from './transitions.ts';

/** A state change, for the audit log (the app appends it; this package has no log of its own). */
export interface DeployEvent {
  action:
    | 'deploy.record'
    | 'deploy.mark-good'
    | 'deploy.rollback'
    | 'deploy.rollback-failed'
    | 'deploy.rollback-abandoned'
    | 'deploy.halt'
    | 'deploy.unhalt'
    | 'rollout.start'
    | 'rollout.emergency'
    | 'rollout.stage'
    | 'rollout.complete';
  /** `namespace/environment`. */
  subject: string;
  actor: string;
  details: Record<string, unknown>;
}

/** The process that claims a rollback while its deploy command runs, and how to tell if one died. */
export interface ProcessIdentity {
  host: string;
  pid: number;
  /** Whether a process on this host is still running. */
  isAlive(pid: number): boolean;
}

export interface DeployStateOptions {
  store: StateStore;
  now?: () => Date;
  /** Default for how old a state may be before a rollback refuses it (1 hour). */
  maxAgeMs?: number;
  rollbackLimit?: RollbackLimit;
  /** A rollback claim older than this is taken as abandoned even on another host (30 minutes). */
  claimTimeoutMs?: number;
  process?: ProcessIdentity;
  /** Called after every change is written (the CLI and API append it to the audit log). */
  onEvent?: (event: DeployEvent) => Promise<void> | void;
}

/** What the deploy command is asked to do: run this deployment's image again. */
export type DeployRunner = (target: Deployment) => Promise<{ ok: boolean; detail?: string }>;

export interface RollbackOptions {
  actor: string;
  reason: string;
  /** Act on a state older than the age limit (after a person checked it). */
  allowStale?: boolean;
  maxAgeMs?: number;
  /**
   * Runs the deploy; its answer decides whether the rollback is recorded as done. `claim`: only
   * claim the environment and return the target; the caller deploys and reports with
   * `finishRollback` (how the API works, across two requests).
   */
  deploy?: DeployRunner | 'claim';
  /** The command, as the user wrote it, recorded with the rollback. */
  command?: string;
}

export interface RollbackOutcome {
  rollback: RollbackRecord;
  current: Deployment | null;
  state: DeployState;
}

/** A claimed rollback whose deploy the caller runs: report its result with `finishRollback`. */
export interface RollbackClaim {
  claim: { id: string; from: Deployment; to: Deployment };
}

export interface StateView {
  state: DeployState;
  location: string;
  /** Milliseconds since the state was last written. */
  ageMs: number;
  stale: boolean;
}

const maxAttempts = 40;

/** Clocks of CI runners drift a little; a state written further in the future than this is suspect. */
const futureToleranceMs = 5 * 60 * 1000;

function defaultProcess(): ProcessIdentity {
  return {
    host: hostname(),
    pid: process.pid,
    isAlive(pid) {
      try {
        process.kill(pid, 0);
        return true;
      } catch (error) {
        // EPERM: it exists but belongs to someone else.
        return (error as NodeJS.ErrnoException).code === 'EPERM';
      }
    },
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function requireText(value: string, what: string): string {
  if (value.trim() === '') throw new AirlockError('INVALID_INPUT', `${what} is required`);
  return value.trim();
}

/**
 * The deploy-state service: what is deployed in each environment, rollback to the last
 * known-good release, and the rollback-rate halt, over a `StateStore`. Every change is a
 * read–decide–compare-and-swap loop: a writer that loses re-reads and decides again, so two
 * pipelines never lose an update and never both roll back.
 */
export function createDeployState(options: DeployStateOptions) {
  const { store } = options;
  const now = options.now ?? (() => new Date());
  const limit = options.rollbackLimit ?? defaultRollbackLimit;
  const maxAgeMs = options.maxAgeMs ?? 60 * 60 * 1000;
  const claimTimeoutMs = options.claimTimeoutMs ?? 30 * 60 * 1000;
  const self = options.process ?? defaultProcess();
  const subjectOf = (key: StateKey) => `${key.namespace}/${key.environment}`;

  async function load(key: StateKey): Promise<{ state?: DeployState; version?: string }> {
    const stored = await store.read(key);
    if (stored === undefined) return {};
    return { state: parseDeployState(stored.text, key, store.locate(key)), version: stored.version };
  }

  function missing(key: StateKey): AirlockError {
    const location = store.locate(key);
    return new AirlockError(
      'STATE_MISSING',
      `no deploy state at ${location} (${key.environment} in namespace ${key.namespace}): check the environment, namespace and store; for an environment's first deploy, record with --init`,
      { context: { location } },
    );
  }

  function isAbandoned(state: DeployState, at: Date): boolean {
    const pending = state.pendingRollback;
    if (pending === null) return false;
    if (pending.host === self.host && !self.isAlive(pending.pid)) return true;
    return at.getTime() - Date.parse(pending.since) > claimTimeoutMs;
  }

  interface Change<T> {
    /** The next state, or undefined when nothing changes. */
    next?: DeployState;
    events?: DeployEvent[];
    result: T;
    /** Thrown after the write (a halt is written, then reported). */
    error?: AirlockError;
    /** The result from the state as written (with its new revision), instead of `result`. */
    after?: (written: DeployState) => T;
  }

  /**
   * Reads, decides with `decide`, and writes only if nobody wrote in between; otherwise decides
   * again on the fresh state. A rollback claim whose process died is closed first.
   */
  async function change<T>(
    key: StateKey,
    actor: string,
    decide: (state: DeployState | undefined, at: Date) => Change<T>,
  ): Promise<T> {
    checkStateKey(key);
    for (let attempt = 1; ; attempt++) {
      const { state: read, version } = await load(key);
      const at = now();
      let state = read;
      const events: DeployEvent[] = [];
      if (state !== undefined && isAbandoned(state, at)) {
        const pending = state.pendingRollback;
        state = abandonPendingRollback(state, at.toISOString());
        events.push({
          action: 'deploy.rollback-abandoned',
          subject: subjectOf(key),
          actor,
          details: { rollback: pending?.id, by: pending?.by, to: pending?.to.releaseId },
        });
      }
      const decided = decide(state, at);
      const next = decided.next ?? (state === read ? undefined : state);
      let final = read;
      if (next !== undefined) {
        const written: DeployState = {
          ...next,
          revision: (read?.revision ?? 0) + 1,
          updatedAt: at.toISOString(),
          updatedBy: actor,
        };
        try {
          await store.write(key, serializeDeployState(written), version);
        } catch (error) {
          if (error instanceof AirlockError && error.code === 'CONFLICT' && attempt < maxAttempts) {
            // Someone else wrote first: back off a little (jittered, so racers spread) and decide again.
            await sleep(5 + Math.random() * Math.min(200, 10 * attempt));
            continue;
          }
          throw error;
        }
        final = written;
        for (const event of [...events, ...(decided.events ?? [])]) await options.onEvent?.(event);
      }
      if (decided.error) throw decided.error;
      return decided.after && final !== undefined ? decided.after(final) : decided.result;
    }
  }

  /** The write that records a finished rollback (done or failed), and its audit event. */
  function finishedChange(
    key: StateKey,
    state: DeployState,
    result: RollbackResult,
  ): Change<RollbackOutcome> {
    const next = applyRollback(state, result);
    const rollback = next.rollbacks.at(-1) as RollbackRecord;
    return {
      next,
      result: { rollback, current: next.current, state: next },
      after: (written) => ({ rollback, current: written.current, state: written }),
      events: [
        {
          action: result.ok ? 'deploy.rollback' : 'deploy.rollback-failed',
          subject: subjectOf(key),
          actor: result.by,
          details: {
            rollback: result.id,
            from: rollback.from,
            to: rollback.to,
            reason: result.reason,
            ...(result.detail === undefined ? {} : { detail: result.detail }),
          },
        },
      ],
    };
  }

  /** Records the outcome of a claimed rollback; the claim must still be this one. */
  function finishClaim(
    key: StateKey,
    input: { actor: string; claimId: string; ok: boolean; detail?: string },
  ): Promise<RollbackOutcome> {
    return change(key, input.actor, (read, at) => {
      const state = requireState(read, key);
      const pending = state.pendingRollback;
      if (pending?.id !== input.claimId) {
        throw new AirlockError(
          'CONFLICT',
          `the rollback claim ${input.claimId} on ${key.environment} is not open (it finished, or was closed as abandoned while the deploy ran; the deploy ${input.ok ? 'succeeded' : 'failed'}); check airlock deploy status`,
        );
      }
      const bySeq = (seq: number) => state.history.find((entry) => entry.seq === seq) as Deployment;
      return finishedChange(key, state, {
        id: pending.id,
        at: at.toISOString(),
        by: pending.by,
        reason: pending.reason,
        from: bySeq(pending.from.seq),
        to: bySeq(pending.to.seq),
        ok: input.ok,
        ...(pending.command === undefined ? {} : { command: pending.command }),
        ...(input.detail === undefined ? {} : { detail: input.detail }),
      });
    });
  }

  function requireState(state: DeployState | undefined, key: StateKey): DeployState {
    if (state === undefined) throw missing(key);
    return state;
  }

  async function rollbackOrClaim(
    key: StateKey,
    input: RollbackOptions,
  ): Promise<RollbackOutcome | RollbackClaim> {
    const actor = requireText(input.actor, 'the actor');
    const reason = requireText(input.reason, 'a reason (--reason)');
    const ageLimit = input.maxAgeMs ?? maxAgeMs;
    const id = newId('rb');
    const decide = (read: DeployState | undefined, at: Date) => {
      const state = requireState(read, key);
      requireNotHalted(state, 'rollbacks');
      requireNoPendingRollback(state);
      const ageMs = at.getTime() - Date.parse(state.updatedAt);
      if (ageMs < -futureToleranceMs && input.allowStale !== true) {
        throw new AirlockError(
          'STATE_STALE',
          `${store.locate(key)} says it was written at ${state.updatedAt}, ${Math.round(-ageMs / 60000)} min in the future: a clock is wrong (the writer's or this machine's), so its age cannot be trusted. Check it, then pass --allow-stale; nothing was rolled back`,
          { context: { location: store.locate(key), updatedAt: state.updatedAt } },
        );
      }
      if (ageMs > ageLimit && input.allowStale !== true) {
        throw new AirlockError(
          'STATE_STALE',
          `${store.locate(key)} was last written ${Math.round(ageMs / 60000)} min ago (limit ${Math.round(ageLimit / 60000)} min): it may not describe what runs now. Check it (airlock deploy status), then pass --allow-stale or a larger --max-age; nothing was rolled back`,
          { context: { location: store.locate(key), updatedAt: state.updatedAt } },
        );
      }
      return { state, plan: planRollback(state, at, limit) };
    };
    const halted = (state: DeployState, counted: number, at: Date): Change<never> => {
      const haltReason = `a rollback was asked for after ${counted} within ${Math.round(limit.windowMs / 60000)} min (the limit is ${limit.count}); it was not performed`;
      return {
        next: applyHalt(state, { at: at.toISOString(), by: actor, reason: haltReason, rollbacks: counted }),
        result: undefined as never,
        events: [
          {
            action: 'deploy.halt',
            subject: subjectOf(key),
            actor,
            details: { reason: haltReason, rollbacks: counted },
          },
        ],
        error: new AirlockError(
          'HALTED',
          `${key.environment} halted: ${haltReason}. Nothing was deployed; deploys and rollbacks are refused until a release manager runs airlock deploy unhalt --env ${key.environment} --role release-manager --reason "…"`,
          { context: { rollbacks: counted } },
        ),
      };
    };
    const common = {
      id,
      by: actor,
      reason,
      ...(input.command === undefined ? {} : { command: input.command }),
    };

    if (input.deploy === undefined) {
      return change(key, actor, (read, at) => {
        const { state, plan } = decide(read, at);
        if (plan.kind === 'halt') return halted(state, plan.counted, at);
        return finishedChange(key, state, {
          ...common,
          at: at.toISOString(),
          from: plan.from,
          to: plan.to,
          ok: true,
        });
      });
    }
    // Claim, run the deploy command outside any lock, then record what it said.
    const claimed = await change(key, actor, (read, at) => {
      const { state, plan } = decide(read, at);
      if (plan.kind === 'halt') return halted(state, plan.counted, at);
      const pointerOf = (deployment: Deployment) => ({
        seq: deployment.seq,
        releaseId: deployment.release.id,
        image: deployment.image,
      });
      const pending = {
        ...common,
        since: at.toISOString(),
        from: pointerOf(plan.from),
        to: pointerOf(plan.to),
        host: self.host,
        pid: self.pid,
      };
      return { next: startRollback(state, pending), result: { from: plan.from, to: plan.to } };
    });
    if (input.deploy === 'claim') return { claim: { id, from: claimed.from, to: claimed.to } };
    let answer: { ok: boolean; detail?: string };
    try {
      answer = await input.deploy(claimed.to);
    } catch (error) {
      answer = { ok: false, detail: error instanceof Error ? error.message : String(error) };
    }
    return finishClaim(key, {
      actor,
      claimId: id,
      ok: answer.ok,
      ...(answer.detail === undefined ? {} : { detail: answer.detail }),
    });
  }

  return {
    /** Where an environment's state lives. */
    locate(key: StateKey): string {
      return store.locate(checkStateKey(key));
    },

    /** The state, validated (format, environment, namespace); missing is STATE_MISSING. */
    async read(key: StateKey): Promise<StateView> {
      checkStateKey(key);
      const { state } = await load(key);
      const found = requireState(state, key);
      const ageMs = now().getTime() - Date.parse(found.updatedAt);
      return {
        state: found,
        location: store.locate(key),
        ageMs: Math.max(0, ageMs),
        stale: ageMs > maxAgeMs || ageMs < -futureToleranceMs,
      };
    },

    /**
     * Records a deployment as current. A missing state is created only with `init` (an
     * environment's first deploy), so a wrong path or bucket is an error rather than a new, empty
     * history.
     */
    async record(
      key: StateKey,
      input: {
        release: ReleaseRef;
        commit: string;
        image: string;
        actor: string;
        init?: boolean;
        /**
         * The deployment (seq) the caller judged against, null for "nothing deployed": when the
         * environment moved on meanwhile, CONFLICT instead of recording over what it never saw.
         */
        expectCurrent?: number | null;
      },
    ): Promise<{ deployment: Deployment; changed: boolean; state: DeployState }> {
      const actor = requireText(input.actor, 'the actor');
      const { expectCurrent, ...recordInput } = input;
      return change(key, actor, (read, at) => {
        if (read === undefined && input.init !== true) throw missing(key);
        const base = read ?? emptyState(key, at.toISOString(), actor);
        const now = base.current?.seq ?? null;
        if (expectCurrent !== undefined && now !== expectCurrent) {
          throw new AirlockError(
            'CONFLICT',
            `${key.environment} (namespace ${key.namespace}) changed while this was judged: it ran ${expectCurrent === null ? 'nothing' : `deployment #${expectCurrent}`}, now ${now === null ? 'nothing' : `#${now} ${base.current?.release.id}`}; nothing was recorded — run the gate again`,
          );
        }
        requireNoPendingRollback(base);
        const recorded = recordDeployment(base, { ...recordInput, by: actor, at: at.toISOString() });
        const result = { deployment: recorded.deployment, changed: recorded.changed, state: recorded.state };
        if (!recorded.changed) return { result };
        return {
          next: recorded.state,
          result,
          after: (written) => ({ ...result, state: written }),
          events: [
            {
              action: 'deploy.record',
              subject: subjectOf(key),
              actor,
              details: {
                seq: recorded.deployment.seq,
                release: recorded.deployment.release.id,
                digest: recorded.deployment.release.digest,
                commit: recorded.deployment.commit,
                image: recorded.deployment.image,
              },
            },
          ],
        };
      });
    },

    /** Marks the current deployment known-good; `expect` must name it when given. */
    async markGood(
      key: StateKey,
      input: { actor: string; expect?: string },
    ): Promise<{ deployment: Deployment; changed: boolean }> {
      const actor = requireText(input.actor, 'the actor');
      return change(key, actor, (read, at) => {
        const state = requireState(read, key);
        requireNoPendingRollback(state);
        const marked = markGood(state, { by: actor, at: at.toISOString(), ...input });
        const result = { deployment: marked.deployment, changed: marked.changed };
        if (!marked.changed) return { result };
        const details = { seq: marked.deployment.seq, release: marked.deployment.release.id };
        return {
          next: marked.state,
          result,
          events: [{ action: 'deploy.mark-good', subject: subjectOf(key), actor, details }],
        };
      });
    },

    /**
     * Rolls back to the last known-good release. Over the rate limit it halts instead (HALTED,
     * written first, nothing deployed). With `deploy`, the environment is claimed while the
     * command runs, so a second rollback is refused rather than run twice.
     */
    rollback(key: StateKey, input: RollbackOptions & { deploy?: DeployRunner }): Promise<RollbackOutcome> {
      return rollbackOrClaim(key, input) as Promise<RollbackOutcome>;
    },

    /**
     * Claims a rollback without deploying: returns the target, and holds the environment (other
     * rollbacks and records are refused) until `finishRollback` reports what the deploy did.
     */
    claimRollback(key: StateKey, input: Omit<RollbackOptions, 'deploy' | 'command'>): Promise<RollbackClaim> {
      return rollbackOrClaim(key, { ...input, deploy: 'claim' }) as Promise<RollbackClaim>;
    },

    /** Records what the deploy of a claimed rollback did (`ok`: the target now runs). */
    async finishRollback(
      key: StateKey,
      input: { actor: string; claimId: string; ok: boolean; detail?: string },
    ): Promise<RollbackOutcome> {
      checkStateKey(key);
      return finishClaim(key, { ...input, actor: requireText(input.actor, 'the actor') });
    },

    /**
     * Moves the current deployment's rollout to a stage (stage 1 starts it; an emergency start is
     * its own audit event, seed 004: "use of the emergency pipeline is itself logged").
     */
    async setRolloutStage(
      key: StateKey,
      input: {
        actor: string;
        policy: string;
        stage: number;
        trafficPct: number;
        emergency: boolean;
        expectSeq?: number;
        start?: { restart: boolean };
      },
    ): Promise<DeployState> {
      const actor = requireText(input.actor, 'the actor');
      return change(key, actor, (read, at) => {
        const state = requireState(read, key);
        requireNoPendingRollback(state);
        const next = setRolloutStage(state, { ...input, by: actor, at: at.toISOString() });
        const starting = input.start !== undefined || state.rollout?.seq !== next.rollout?.seq;
        const action = starting ? (input.emergency ? 'rollout.emergency' : 'rollout.start') : 'rollout.stage';
        return {
          next,
          result: next,
          after: (written) => written,
          events: [
            {
              action,
              subject: subjectOf(key),
              actor,
              details: {
                release: next.current?.release.id,
                seq: next.current?.seq,
                policy: input.policy,
                stage: input.stage,
                trafficPct: input.trafficPct,
              },
            },
          ],
        };
      });
    },

    /** The rollout reached 100% with every check passing: the release is known-good, the rollout ends. */
    async completeRollout(key: StateKey, input: { actor: string; expectSeq?: number }): Promise<DeployState> {
      const actor = requireText(input.actor, 'the actor');
      return change(key, actor, (read, at) => {
        const state = requireState(read, key);
        const expect =
          input.expectSeq === undefined
            ? undefined
            : state.history.find((entry) => entry.seq === input.expectSeq);
        if (input.expectSeq !== undefined && state.current?.seq !== input.expectSeq) {
          throw new AirlockError(
            'CONFLICT',
            `${key.environment} no longer runs deployment #${input.expectSeq}${expect ? ` (${expect.release.id})` : ''}; the rollout decision is stale`,
          );
        }
        const marked = markGood(state, { by: actor, at: at.toISOString() });
        const next = endRollout(marked.state);
        const details = { seq: marked.deployment.seq, release: marked.deployment.release.id };
        return {
          next,
          result: next,
          after: (written) => written,
          events: [
            { action: 'rollout.complete', subject: subjectOf(key), actor, details },
            ...(marked.changed
              ? [{ action: 'deploy.mark-good' as const, subject: subjectOf(key), actor, details }]
              : []),
          ],
        };
      });
    },

    /** Clears a halt (release manager or admin, with a reason); rollbacks before it stop counting. */
    async unhalt(
      key: StateKey,
      input: { actor: string; role: string; reason: string },
    ): Promise<DeployState> {
      const actor = requireText(input.actor, 'the actor');
      return change(key, actor, (read, at) => {
        const state = requireState(read, key);
        const next = unhalt(state, { ...input, by: actor, at: at.toISOString() });
        return {
          next,
          result: next,
          after: (written) => written,
          events: [
            {
              action: 'deploy.unhalt',
              subject: subjectOf(key),
              actor,
              details: { role: input.role, reason: input.reason, haltedSince: state.halt?.since },
            },
          ],
        };
      });
    },
  };
}

export type DeployStateService = ReturnType<typeof createDeployState>;
