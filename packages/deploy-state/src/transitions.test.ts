import { AirlockError } from '@airlock/core';
import { describe, expect, it } from 'vitest';
import type { DeployState, ReleaseRef } from './state.ts';
import {
  applyHalt,
  applyRollback,
  defaultRollbackLimit,
  emptyState,
  markGood,
  planRollback,
  recordDeployment,
  rollbackTarget,
  unhalt,
} from './transitions.ts';

const key = { namespace: 'support', environment: 'production' };
const commitOf = (n: number) =>
  `${n}`
    .repeat(40)
    .slice(0, 40)
    .replace(/[^0-9a-f]/g, 'a');
const release = (n: number): ReleaseRef => ({
  id: `gpt-4o/2024-11-20/v${n}`,
  digest: `${n}`.repeat(64).slice(0, 64),
});
const minute = 60_000;
const t0 = Date.parse('2026-11-22T10:00:00Z');
const at = (minutes: number) => new Date(t0 + minutes * minute);

function deploy(state: DeployState, n: number, minutes = 0): DeployState {
  return recordDeployment(state, {
    release: release(n),
    commit: commitOf(n),
    image: `ghcr.io/org/bot:${commitOf(n).slice(0, 12)}`,
    by: 'ci',
    at: at(minutes).toISOString(),
  }).state;
}

function good(state: DeployState, minutes = 0): DeployState {
  return markGood(state, { by: 'ci', at: at(minutes).toISOString() }).state;
}

function rollBack(state: DeployState, minutes: number): DeployState {
  const plan = planRollback(state, at(minutes), defaultRollbackLimit);
  if (plan.kind !== 'rollback') throw new Error(`expected a rollback, got ${plan.kind}`);
  return applyRollback(state, {
    id: `rb${minutes}`,
    at: at(minutes).toISOString(),
    by: 'ci',
    reason: 'gate failed',
    from: plan.from,
    to: plan.to,
    ok: true,
  });
}

function codeOf(action: () => unknown): string | undefined {
  try {
    action();
  } catch (error) {
    if (error instanceof AirlockError) return error.code;
    throw error;
  }
  return undefined;
}

const threeReleases = () =>
  deploy(good(deploy(good(deploy(emptyState(key, at(0).toISOString(), 'ci'), 1)), 2)), 3);

describe('rollback to the last known-good release', () => {
  it('goes 3 → 2 → 1, never back to a release it rolled back from, and the third halts', () => {
    let state = threeReleases();
    state = rollBack(state, 1);
    expect(state.current?.release.id).toBe(release(2).id);
    expect(state.history.find((entry) => entry.seq === 3)?.outcome).toBe('rolled-back');
    state = rollBack(state, 2);
    expect(state.current?.release.id).toBe(release(1).id);
    // Release 2 was rolled back from: it is no longer a target; release 3 never was.
    expect(rollbackTarget(state)).toBeUndefined();
    expect(planRollback(state, at(3), defaultRollbackLimit)).toEqual({ kind: 'halt', counted: 2 });
  });

  it('counts only the window, and starts counting again after an unhalt', () => {
    let state = deploy(
      good(deploy(good(deploy(good(deploy(emptyState(key, at(0).toISOString(), 'ci'), 1)), 2)), 3)),
      4,
    );
    state = rollBack(state, 0); // 4 → 3
    state = rollBack(state, 10); // 3 → 2
    expect(planRollback(state, at(59), defaultRollbackLimit).kind).toBe('halt');
    // 61 minutes after the first, only one is inside the hour.
    expect(planRollback(state, at(61), defaultRollbackLimit).kind).toBe('rollback');
    state = applyHalt(state, { at: at(20).toISOString(), by: 'ci', reason: 'too many', rollbacks: 2 });
    expect(codeOf(() => planRollback(state, at(21), defaultRollbackLimit))).toBe('HALTED');
    expect(codeOf(() => deploy(state, 5, 21))).toBe('HALTED');
    expect(
      codeOf(() => unhalt(state, { at: at(22).toISOString(), by: 'dev', role: 'publisher', reason: 'ok' })),
    ).toBe('FORBIDDEN');
    state = unhalt(state, {
      at: at(22).toISOString(),
      by: 'rm',
      role: 'release-manager',
      reason: 'fixed the flaky check',
    });
    expect(state.halt).toBeNull();
    expect(planRollback(state, at(23), defaultRollbackLimit).kind).toBe('rollback');
  });

  it('a failed deploy command leaves current alone, counts, and keeps the target a target', () => {
    const state = threeReleases();
    const plan = planRollback(state, at(1), defaultRollbackLimit);
    if (plan.kind !== 'rollback') throw new Error('expected a rollback');
    const next = applyRollback(state, {
      id: 'rb1',
      at: at(1).toISOString(),
      by: 'ci',
      reason: 'gate failed',
      from: plan.from,
      to: plan.to,
      ok: false,
      detail: 'kubectl exited 1',
    });
    expect(next.current?.seq).toBe(3);
    expect(next.rollbacks.at(-1)?.status).toBe('failed');
    expect(next.history.at(-1)?.outcome).toBe('failed');
    expect(rollbackTarget(next)?.release.id).toBe(release(2).id);
  });

  it('refuses with nothing deployed, or nothing known-good', () => {
    const empty = emptyState(key, at(0).toISOString(), 'ci');
    expect(codeOf(() => planRollback(empty, at(0), defaultRollbackLimit))).toBe('PRECONDITION_FAILED');
    expect(codeOf(() => planRollback(deploy(deploy(empty, 1), 2), at(0), defaultRollbackLimit))).toBe(
      'PRECONDITION_FAILED',
    );
  });
});

describe('recording deployments', () => {
  const empty = () => emptyState(key, at(0).toISOString(), 'ci');

  it('refuses reusable image tags and a tag reused for other code', () => {
    const base = { release: release(1), commit: commitOf(1), by: 'ci', at: at(0).toISOString() };
    expect(codeOf(() => recordDeployment(empty(), { ...base, image: 'ghcr.io/org/bot:latest' }))).toBe(
      'INVALID_INPUT',
    );
    const image = `ghcr.io/org/bot@sha256:${'c'.repeat(64)}`;
    const state = recordDeployment(empty(), { ...base, image }).state;
    expect(codeOf(() => recordDeployment(state, { ...base, release: release(2), image }))).toBe('CONFLICT');
  });

  it('recording what is current again changes nothing', () => {
    const state = deploy(empty(), 1);
    const again = recordDeployment(state, {
      release: release(1),
      commit: commitOf(1),
      image: state.current?.image ?? '',
      by: 'ci',
      at: at(5).toISOString(),
    });
    expect(again.changed).toBe(false);
    expect(again.state).toBe(state);
  });

  it('mark-good checks it marks what was checked', () => {
    const state = deploy(empty(), 1);
    expect(codeOf(() => markGood(state, { by: 'ci', at: at(1).toISOString(), expect: release(2).id }))).toBe(
      'CONFLICT',
    );
    const marked = markGood(state, { by: 'ci', at: at(1).toISOString(), expect: release(1).id });
    expect(marked.deployment.outcome).toBe('known-good');
    expect(marked.state.history[0]?.outcome).toBe('known-good');
  });
});
