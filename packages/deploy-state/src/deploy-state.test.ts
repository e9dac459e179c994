import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AirlockError } from '@airlock/core';
import { describe, expect, it } from 'vitest';
import { createDeployState, type DeployEvent } from './deploy-state.ts';
import { createFileStateStore } from './file-state-store.ts';
import type { ReleaseRef } from './state.ts';

const key = { namespace: 'support', environment: 'production' };
const commitOf = (n: number) => `${n}`.repeat(40).slice(0, 40);
const release = (n: number): ReleaseRef => ({
  id: `gpt-4o/2024-11-20/v${n}`,
  digest: `${n}`.repeat(64),
  feature: 'support-bot',
});
const build = (n: number) => ({
  release: release(n),
  commit: commitOf(n),
  image: `ghcr.io/org/bot:${commitOf(n).slice(0, 12)}`,
});

function setup(start = Date.parse('2026-11-22T10:00:00Z')) {
  const root = mkdtempSync(join(tmpdir(), 'airlock-deploy-'));
  let clock = start;
  const events: DeployEvent[] = [];
  const service = createDeployState({
    store: createFileStateStore({ root }),
    now: () => new Date(clock),
    onEvent: (event) => {
      events.push(event);
    },
  });
  const file = join(root, 'support', 'production', 'deploy_state.json');
  return { root, service, events, file, advance: (minutes: number) => (clock += minutes * 60_000) };
}

async function failure(promise: Promise<unknown>): Promise<AirlockError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof AirlockError) return error;
    throw error;
  }
  throw new Error('expected it to fail');
}

async function threeReleases(service: ReturnType<typeof setup>['service']) {
  await service.record(key, { ...build(1), actor: 'ci', init: true });
  await service.markGood(key, { actor: 'ci' });
  await service.record(key, { ...build(2), actor: 'ci' });
  await service.markGood(key, { actor: 'ci' });
  await service.record(key, { ...build(3), actor: 'ci' });
}

describe('deploy state over the local file store', () => {
  it('three releases, two good: rollbacks land on known-good, the third halts, record waits for unhalt', async () => {
    const { service, events, file, advance } = setup();
    await threeReleases(service);
    const first = await service.rollback(key, { actor: 'ci', reason: 'gate failed' });
    expect(first.current?.release.id).toBe(release(2).id);
    advance(5);
    const second = await service.rollback(key, { actor: 'ci', reason: 'gate failed again' });
    expect(second.current?.release.id).toBe(release(1).id);
    advance(5);
    const before = readFileSync(file, 'utf8');
    const deployed: string[] = [];
    const halted = await failure(
      service.rollback(key, {
        actor: 'ci',
        reason: 'third time',
        deploy: async (target) => {
          deployed.push(target.image);
          return { ok: true };
        },
      }),
    );
    expect(halted.code).toBe('HALTED');
    expect(deployed).toEqual([]);
    const { state } = await service.read(key);
    expect(state.current?.release.id).toBe(release(1).id);
    expect(state.halt?.rollbacks).toBe(2);
    expect(state.revision).toBe(JSON.parse(before).revision + 1);
    expect((await failure(service.record(key, { ...build(4), actor: 'ci' }))).code).toBe('HALTED');
    expect((await failure(service.rollback(key, { actor: 'ci', reason: 'again' }))).code).toBe('HALTED');
    expect((await failure(service.unhalt(key, { actor: 'dev', role: 'deployer', reason: 'go' }))).code).toBe(
      'FORBIDDEN',
    );
    await service.unhalt(key, { actor: 'rm@corp', role: 'release-manager', reason: 'flaky check fixed' });
    await service.record(key, { ...build(4), actor: 'ci' });
    expect(events.map((event) => event.action)).toEqual([
      'deploy.record',
      'deploy.mark-good',
      'deploy.record',
      'deploy.mark-good',
      'deploy.record',
      'deploy.rollback',
      'deploy.rollback',
      'deploy.halt',
      'deploy.unhalt',
      'deploy.record',
    ]);
  });

  it('refuses a release of another feature in the same namespace, and returns the revision written', async () => {
    const { service } = setup();
    const recorded = await service.record(key, { ...build(1), actor: 'ci', init: true });
    expect(recorded.state.revision).toBe(1);
    const other = { ...build(2), release: { ...release(2), feature: 'billing-bot' } };
    const refused = await failure(service.record(key, { ...other, actor: 'ci' }));
    expect(refused.code).toBe('CONFLICT');
    expect(refused.message).toMatch(/runs support-bot; a release of billing-bot needs its own namespace/);
    expect((await service.record(key, { ...build(2), actor: 'ci' })).state.revision).toBe(2);
  });

  it('starting a rollout needs a known-good release to serve the rest, and never silently restarts one', async () => {
    const { service } = setup();
    await service.record(key, { ...build(1), actor: 'ci', init: true });
    const stage = { actor: 'ci', policy: 'p.yaml', stage: 1, trafficPct: 1, emergency: false };
    const start = { ...stage, start: { restart: false } };
    expect((await failure(service.setRolloutStage(key, start))).message).toMatch(
      /nothing known-good to serve the other 99% of units/,
    );
    await service.markGood(key, { actor: 'ci' });
    await service.record(key, { ...build(2), actor: 'ci' });
    await service.setRolloutStage(key, start);
    await service.setRolloutStage(key, { ...stage, stage: 2, trafficPct: 10 });
    expect((await failure(service.setRolloutStage(key, start))).message).toMatch(
      /already rolling out .* \(stage 2, 10%\)/,
    );
    const restarted = await service.setRolloutStage(key, { ...start, start: { restart: true } });
    expect(restarted.rollout).toMatchObject({ stage: 1, trafficPct: 1 });
  });

  it('a state written in the future (a wrong clock) is not trusted for rollback', async () => {
    const { service, file } = setup();
    await threeReleases(service);
    const state = JSON.parse(readFileSync(file, 'utf8'));
    writeFileSync(file, JSON.stringify({ ...state, updatedAt: '2099-01-01T00:00:00.000Z' }, null, 2));
    const future = await failure(service.rollback(key, { actor: 'ci', reason: 'gate failed' }));
    expect(future.code).toBe('STATE_STALE');
    expect(future.message).toMatch(/in the future: a clock is wrong/);
    expect((await service.read(key)).stale).toBe(true);
  });

  it('a missing state is an error, not an empty one; --init creates it', async () => {
    const { service, file } = setup();
    const missing = await failure(service.read(key));
    expect(missing.code).toBe('STATE_MISSING');
    expect(missing.message).toContain(file);
    expect((await failure(service.record(key, { ...build(1), actor: 'ci' }))).code).toBe('STATE_MISSING');
    await service.record(key, { ...build(1), actor: 'ci', init: true });
    expect((await service.read(key)).state.revision).toBe(1);
  });

  it('records nothing over a deploy it did not see (expectCurrent), and records when nothing moved', async () => {
    const { service } = setup();
    await service.record(key, { ...build(1), actor: 'ci', init: true });
    // A gate judged against #1; meanwhile someone deployed #2.
    await service.record(key, { ...build(2), actor: 'other' });
    const conflict = await failure(service.record(key, { ...build(3), actor: 'gate', expectCurrent: 1 }));
    expect(conflict.code).toBe('CONFLICT');
    expect(conflict.message).toMatch(/it ran deployment #1, now #2 .*; nothing was recorded/);
    expect((await service.read(key)).state.current?.seq).toBe(2);
    const recorded = await service.record(key, { ...build(3), actor: 'gate', expectCurrent: 2 });
    expect(recorded.deployment.seq).toBe(3);
  });

  it('refuses a stale state for rollback unless allowed, and the wrong namespace always', async () => {
    const { service, advance, root } = setup();
    await threeReleases(service);
    advance(61);
    const stale = await failure(service.rollback(key, { actor: 'ci', reason: 'gate failed' }));
    expect(stale.code).toBe('STATE_STALE');
    expect(stale.message).toMatch(/last written 61 min ago \(limit 60 min\)/);
    const done = await service.rollback(key, { actor: 'ci', reason: 'checked it', allowStale: true });
    expect(done.rollback.status).toBe('done');

    // Someone copied production's state into staging's place: every read refuses it.
    const staging = { namespace: 'support', environment: 'staging' };
    const copy = createFileStateStore({ root });
    const text = readFileSync(join(root, 'support', 'production', 'deploy_state.json'), 'utf8');
    await copy.write(staging, text, undefined);
    const mismatch = await failure(service.read(staging));
    expect(mismatch.code).toBe('STATE_MISMATCH');
    expect(mismatch.message).toMatch(/holds the state of production in namespace support, not staging/);
    expect((await failure(service.record(staging, { ...build(9), actor: 'ci' }))).code).toBe(
      'STATE_MISMATCH',
    );
    expect(readFileSync(join(root, 'support', 'staging', 'deploy_state.json'), 'utf8')).toBe(text);
  });

  it('corrupted JSON and a wrong format are located errors, and nothing is overwritten', async () => {
    const { service, file } = setup();
    await service.record(key, { ...build(1), actor: 'ci', init: true });
    const good = readFileSync(file, 'utf8');
    writeFileSync(file, good.replace('"revision": 1,', '"revision": 1'));
    const corrupt = await failure(service.record(key, { ...build(2), actor: 'ci' }));
    expect(corrupt.code).toBe('STATE_CORRUPT');
    expect(corrupt.describe()[0]).toMatch(/deploy_state\.json:\d+:\d+: not JSON/);
    expect(readFileSync(file, 'utf8')).toBe(good.replace('"revision": 1,', '"revision": 1'));
    writeFileSync(file, good.replace('"revision": 1,', '"revision": "one",'));
    const wrong = await failure(service.read(key));
    expect(wrong.code).toBe('STATE_CORRUPT');
    expect(wrong.describe()[0]).toMatch(/deploy_state\.json:5:15: revision: /);
  });

  it('a failing deploy command records a failed rollback; the release stays current', async () => {
    const { service } = setup();
    await threeReleases(service);
    const outcome = await service.rollback(key, {
      actor: 'ci',
      reason: 'gate failed',
      command: 'deploy {image}',
      deploy: async () => ({ ok: false, detail: 'exit 1' }),
    });
    expect(outcome.rollback).toMatchObject({ status: 'failed', detail: 'exit 1', command: 'deploy {image}' });
    expect(outcome.current?.release.id).toBe(release(3).id);
    expect((await service.read(key)).state.pendingRollback).toBeNull();
  });

  it('while a deploy command runs, a second rollback and a record are refused', async () => {
    const { service } = setup();
    await threeReleases(service);
    let inner: AirlockError[] = [];
    await service.rollback(key, {
      actor: 'ci',
      reason: 'gate failed',
      deploy: async () => {
        inner = [
          await failure(service.rollback(key, { actor: 'other', reason: 'me too' })),
          await failure(service.record(key, { ...build(5), actor: 'other' })),
          await failure(service.markGood(key, { actor: 'other' })),
        ];
        return { ok: true };
      },
    });
    expect(inner.map((error) => error.code)).toEqual(['CONFLICT', 'CONFLICT', 'CONFLICT']);
    expect(inner[0]?.message).toMatch(/is in progress/);
  });

  it('a claim left by a process that died is closed as abandoned, and counts toward the limit', async () => {
    const root = mkdtempSync(join(tmpdir(), 'airlock-deploy-'));
    const store = createFileStateStore({ root });
    const host = 'ci-1';
    const dying = createDeployState({ store, process: { host, pid: 999_999, isAlive: () => true } });
    await threeReleases(dying);
    // Its deploy command never returns: the process is killed with the claim written.
    let claimed!: () => void;
    const written = new Promise<void>((resolve) => {
      claimed = resolve;
    });
    void dying.rollback(key, {
      actor: 'ci',
      reason: 'gate failed',
      deploy: () => {
        claimed();
        return new Promise(() => {});
      },
    });
    await written;
    expect((await dying.read(key)).state.pendingRollback?.pid).toBe(999_999);
    const next = createDeployState({
      store,
      process: { host, pid: 1234, isAlive: (pid) => pid !== 999_999 },
    });
    const outcome = await next.rollback(key, { actor: 'ci', reason: 'gate failed, retried' });
    expect(outcome.state.rollbacks.map((rollback) => rollback.status)).toEqual(['abandoned', 'done']);
    expect(outcome.current?.release.id).toBe(release(2).id);
    expect((await failure(next.rollback(key, { actor: 'ci', reason: 'third' }))).code).toBe('HALTED');
  });
});
