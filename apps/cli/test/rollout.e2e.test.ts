import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { temporaryDirectory } from '@airlock/vitest-config/temp-dir';
import { describe, expect, it } from 'vitest';
import { runCli } from './cli-process.ts';
import { writeReleaseFile } from './release-files.ts';

const release = (n: number) => `gpt-4o/2024-11-20/v${n}`;

/** Deterministic predictions: `errorEvery` says how often a request fails (0: never). */
function predictions(n: number, count: number, end: number, errorEvery: number): string {
  const lines: string[] = [];
  for (let i = 0; i < count; i++) {
    lines.push(
      JSON.stringify({
        feature: 'support-bot',
        release: release(n),
        model: 'openai/gpt-4o-2024-11-20',
        promptVersion: `support-answer@${n}`,
        requestId: `v${n}-${end}-${i}`,
        input: `question ${i}`,
        at: new Date(end - 40 * 60_000 + (i * 40 * 60_000) / count).toISOString(),
        latencyMs: 400 + (i % 50) * 10,
        status: errorEvery > 0 && i % errorEvery === 0 ? 'error' : 'ok',
        costUsd: 0.005,
        scores: { groundedness: 0.9 + ((i % 7) - 3) * 0.01 },
        ...(i % 2 === 0 ? { feedback: i % 60 === 0 ? 'negative' : 'positive' } : {}),
        tags: [i % 2 === 0 ? 'locale:en' : 'locale:fr'],
      }),
    );
  }
  return `${lines.join('\n')}\n`;
}

function project() {
  const cwd = temporaryDirectory('airlock-rollout-cli-');
  // The seed's policy with no minimum times: with --env the stage's clock is the deploy state's, and a
  // test cannot wait 30 minutes.
  const seedPolicy = readFileSync(join(import.meta.dirname, 'fixtures/policy-search-v1.yaml'), 'utf8');
  writeFileSync(join(cwd, 'policy.yaml'), seedPolicy.replace(/duration_min: \d+/g, 'duration_min: 0'));
  const env = { AIRLOCK_ACTOR: 'ci@corp' };
  return { cwd, run: (...args: string[]) => runCli(args, { cwd, env }) };
}

describe('airlock rollout', () => {
  it('promotes a healthy canary stage, rolls a failing one back through the deploy state, and halts on the third', {
    timeout: 180_000,
  }, async () => {
    const { cwd, run } = project();
    const env = ['--env', 'production'];
    const exec = ['--exec', 'echo {release} >> deployed.log'];
    expect(
      (await run('deploy', 'record', ...env, '--release', writeReleaseFile(cwd, 1), '--init')).code,
    ).toBe(0);
    expect((await run('deploy', 'mark-good', ...env)).code).toBe(0);
    expect((await run('deploy', 'record', ...env, '--release', writeReleaseFile(cwd, 2))).code).toBe(0);
    const started = await run('rollout', 'start', ...env, '--policy', 'policy.yaml');
    expect(started.code).toBe(0);
    expect(started.stdout).toMatch(
      /gpt-4o\/2024-11-20\/v2 in production \(namespace default\): stage 1 of 4 at 1% of units/,
    );

    // A window with no traffic yet: inconclusive, hold (exit 9), nothing changes.
    const end = Date.now();
    const window = (name: string, extra: string[] = []) =>
      run(
        'rollout',
        'metrics',
        '--feature',
        'support-bot',
        '--release',
        release(2),
        '--since',
        '1h',
        '--to',
        new Date(end).toISOString(),
        '--stage-started',
        new Date(end - 45 * 60_000).toISOString(),
        '--out',
        name,
        ...extra,
      );
    expect((await window('empty.json')).code).toBe(0);
    const hold = await run(
      'rollout',
      'evaluate',
      '--policy',
      'policy.yaml',
      '--metrics',
      'empty.json',
      ...env,
      ...exec,
    );
    expect(hold.code).toBe(9);
    expect(hold.stdout).toMatch(/^HOLD stage 1 \(1%\)/);
    expect(hold.stdout).toContain('no canary requests in the window: inconclusive, never a pass');

    // Healthy canary and baseline: promote to stage 2 (10%).
    writeFileSync(join(cwd, 'healthy.jsonl'), predictions(2, 400, end, 400) + predictions(1, 800, end, 400));
    const recorded = await run('rollout', 'record', 'healthy.jsonl');
    expect(recorded.stdout).toBe('recorded 1200 prediction(s)\n');
    expect((await window('healthy.json')).code).toBe(0);
    const promote = await run(
      'rollout',
      'evaluate',
      '--policy',
      'policy.yaml',
      '--metrics',
      'healthy.json',
      ...env,
      ...exec,
    );
    expect(promote.stdout).toMatch(/^PROMOTE stage 1 \(1%\)/);
    expect(promote.stdout).toContain('promoted to stage 2: 10% of units');
    expect(promote.code).toBe(0);
    const status = JSON.parse((await run('deploy', 'status', ...env, '--json')).stdout);
    expect(status.rollout).toMatchObject({
      stage: 2,
      trafficPct: 10,
      policy: 'policy.yaml',
      emergency: false,
    });

    // The canary starts failing one request in ten: rollback through the deploy state.
    const failing = (n: number, at: number) => {
      writeFileSync(
        join(cwd, `failing-${n}.jsonl`),
        predictions(n, 400, at, 10) + predictions(1, 800, at, 400),
      );
      return run('rollout', 'record', `failing-${n}.jsonl`);
    };
    await failing(2, end + 1);
    const metricsFor = (n: number, at: number) =>
      run(
        'rollout',
        'metrics',
        '--feature',
        'support-bot',
        '--release',
        release(n),
        '--since',
        '1h',
        '--to',
        new Date(at).toISOString(),
        '--stage-started',
        new Date(at - 45 * 60_000).toISOString(),
        '--out',
        `failing-${n}.json`,
      );
    await metricsFor(2, end + 1);
    const rollback = await run(
      'rollout',
      'evaluate',
      '--policy',
      'policy.yaml',
      '--metrics',
      'failing-2.json',
      ...env,
      ...exec,
    );
    expect(rollback.code).toBe(1);
    expect(rollback.stdout).toMatch(/^ROLLBACK stage 2 \(10%\)/);
    expect(rollback.stdout).toMatch(/trigger:error_rate: error rate \d+\.\d+% \(\d+\/\d+\) > 1\.00%/);
    expect(rollback.stdout).toMatch(
      /rolled back to gpt-4o\/2024-11-20\/v1; notify slack #ai-platform-incidents, pager ai-feature-on-call/,
    );
    expect(readFileSync(join(cwd, 'deployed.log'), 'utf8')).toBe('gpt-4o/2024-11-20/v1\n');

    // Two more failing canaries: the second rollback is done, the third halts (exit 3), nothing deployed.
    for (const n of [3, 4]) {
      expect((await run('deploy', 'record', ...env, '--release', writeReleaseFile(cwd, n))).code).toBe(0);
      expect((await run('rollout', 'start', ...env, '--policy', 'policy.yaml')).code).toBe(0);
      await failing(n, end + n);
      await metricsFor(n, end + n);
      const result = await run(
        'rollout',
        'evaluate',
        '--policy',
        'policy.yaml',
        '--metrics',
        `failing-${n}.json`,
        ...env,
        ...exec,
      );
      if (n === 3) expect(result.code).toBe(1);
      else {
        expect(result.code).toBe(3);
        expect(result.stderr).toMatch(/production halted/);
      }
    }
    expect(readFileSync(join(cwd, 'deployed.log'), 'utf8')).toBe(
      'gpt-4o/2024-11-20/v1\ngpt-4o/2024-11-20/v1\n',
    );
    const audit = JSON.parse((await run('audit', 'log', '--subject', 'default/production', '--json')).stdout);
    const actions = audit.entries.map((entry: { action: string }) => entry.action);
    expect(actions.filter((action: string) => action === 'deploy.rollback')).toHaveLength(2);
    expect(actions.at(-1)).toBe('deploy.halt');
    expect(actions).toContain('rollout.stage');
  });

  it('the emergency path starts at 50%, is its own audit entry, and judges a stage without --env', {
    timeout: 60_000,
  }, async () => {
    const { cwd, run } = project();
    const env = ['--env', 'production'];
    await run('deploy', 'record', ...env, '--release', writeReleaseFile(cwd, 1), '--init');
    const noStable = await run('rollout', 'start', ...env, '--policy', 'policy.yaml', '--emergency');
    expect(noStable.code).toBe(2);
    expect(noStable.stderr).toMatch(/nothing known-good to serve the other 50% of units/);
    await run('deploy', 'mark-good', ...env);
    await run('deploy', 'record', ...env, '--release', writeReleaseFile(cwd, 2));
    const started = await run('rollout', 'start', ...env, '--policy', 'policy.yaml', '--emergency');
    expect(started.stdout).toMatch(
      /stage 1 of 2 at 50% of units \(emergency path: recorded in the audit log\)/,
    );
    const audit = JSON.parse((await run('audit', 'log', '--action', 'rollout.emergency', '--json')).stdout);
    expect(audit.entries).toHaveLength(1);
    const again = await run('rollout', 'start', ...env, '--policy', 'policy.yaml');
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/already rolling out .* pass --restart/);

    // With --env the deploy state decides: another stage, another policy or another release's window is refused.
    writeFileSync(
      join(cwd, 'other.json'),
      JSON.stringify({
        format: 'airlock.rollout-metrics/v1',
        feature: 'support-bot',
        window: { from: '2026-11-22T09:00:00Z', to: '2026-11-22T10:00:00Z' },
        canary: { release: 'gpt-4o/2024-11-20/v9', requests: 0, errors: 0 },
      }),
    );
    const otherRelease = await run('rollout', 'evaluate', '--metrics', 'other.json', ...env, '--record-only');
    expect(otherRelease.code).toBe(2);
    expect(otherRelease.stderr).toMatch(
      /the metrics window is about canary gpt-4o\/2024-11-20\/v9 \(running: gpt-4o\/2024-11-20\/v2\)/,
    );
    const otherStage = await run('rollout', 'evaluate', '--metrics', 'other.json', '--stage', '2', ...env);
    expect(otherStage.stderr).toMatch(/the rollout is at stage 1, not 2/);
    copyFileSync(join(cwd, 'policy.yaml'), join(cwd, 'other-policy.yaml'));
    const otherPolicy = await run(
      'rollout',
      'evaluate',
      '--policy',
      'other-policy.yaml',
      '--metrics',
      'other.json',
      ...env,
    );
    expect(otherPolicy.stderr).toMatch(/follows policy\.yaml, not other-policy\.yaml/);

    const bad = await run(
      'rollout',
      'evaluate',
      '--policy',
      'missing.yaml',
      '--stage',
      '1',
      '--metrics',
      'x.json',
    );
    expect(bad.code).toBe(2);
    writeFileSync(join(cwd, 'broken.json'), '{"format": "airlock.rollout-metrics/v1", "window": {}}');
    const broken = await run(
      'rollout',
      'evaluate',
      '--policy',
      'policy.yaml',
      '--stage',
      '1',
      '--metrics',
      'broken.json',
    );
    expect(broken.code).toBe(2);
    expect(broken.stderr).toMatch(/^error: broken\.json:1:\d+: /m);
  });

  it('assigns units stickily, and prints the published algorithm', { timeout: 30_000 }, async () => {
    const { run } = project();
    const first = JSON.parse(
      (await run('rollout', 'assign', '--feature', 'search', '--unit', 'user-42', '--traffic', '1', '--json'))
        .stdout,
    );
    const later = JSON.parse(
      (
        await run(
          'rollout',
          'assign',
          '--feature',
          'search',
          '--unit',
          'user-42',
          '--traffic',
          '50',
          '--json',
        )
      ).stdout,
    );
    expect(first.rolloutBucket).toBe(later.rolloutBucket);
    expect(first.algorithm).toBe('airlock-assign/v1');
    if (first.inRollout) expect(later.inRollout).toBe(true);
    const bad = await run('rollout', 'assign', '--feature', 'search', '--unit', 'u', '--traffic', '0');
    expect(bad.code).toBe(2);
  });
});
