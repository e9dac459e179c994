// `airlock gate` end to end, on a copy of examples/support-bot: the README's main command (the
// example's demo script), the report files (JUnit parsed back, the HTML page in headless
// Chromium), a dataset changed since its pin, the emergency path, and the whole release: staging
// gate → deploy recorded → canary breach → rollback through deploy state → halt on the third.
import {
  appendFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { temporaryDirectory } from '@airlock/vitest-config/temp-dir';
import { XMLParser } from 'fast-xml-parser';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalModel, startLocalModel } from '../../../examples/support-bot/local-model/local-model.ts';
import { setUpRegistry } from '../../../examples/support-bot/scripts/registry-setup.ts';
import { airlockBin, runCli, runNode } from './cli-process.ts';
import { commitOf } from './release-files.ts';

const example = join(import.meta.dirname, '../../../examples/support-bot');
const chromiumPath = '/usr/bin/chromium';
const screenshotPath = join(import.meta.dirname, 'artifacts', 'gate-report.png');

let local: LocalModel;
beforeAll(async () => {
  local = await startLocalModel({ latencyScale: 0.2 });
});
afterAll(async () => {
  await local?.close();
});

/** A fresh copy of the example project (no store), with the CLI pointed at the local model. */
async function project(options: { registry?: boolean } = {}) {
  const cwd = temporaryDirectory('airlock-gate-');
  cpSync(example, cwd, { recursive: true, filter: (source) => !source.includes('/.airlock') });
  const env = {
    SUPPORT_BOT_MODEL_URL: local.url,
    OPENAI_API_KEY: 'local-model',
    AIRLOCK_ACTOR: 'ci@example.com',
    GITHUB_STEP_SUMMARY: '',
  };
  const run = (...args: string[]) => runCli(args, { cwd, env });
  if (options.registry !== false) {
    await setUpRegistry(async (args) => {
      const result = await run(...args);
      return { status: result.code ?? 70, stdout: result.stdout };
    });
  }
  const report = (dir: string) =>
    JSON.parse(readFileSync(join(cwd, '.airlock/reports', dir, 'report.json'), 'utf8'));
  return { cwd, env, run, report };
}

describe('the README main command (pnpm example)', () => {
  it('passes the release, blocks the trimmed-prompt candidate with its reasons, and writes the four reports', {
    timeout: 120_000,
  }, async () => {
    const { cwd } = await project({ registry: false });
    // As on a fresh machine: no key, so the demo starts the local model itself.
    const demo = await runNode([join(cwd, 'scripts/demo.ts')], {
      cwd,
      env: { OPENAI_API_KEY: '', AIRLOCK_BIN: airlockBin },
    });
    expect(demo.stderr).not.toMatch(/error:/);
    expect(demo.code).toBe(0);
    expect(demo.stdout).toMatch(/model: the local stand-in at http:\/\/127\.0\.0\.1:\d+\/v1/);
    expect(demo.stdout).toMatch(/✓ policy lint .* checks passed/);
    expect(demo.stdout).toMatch(/✓ datasets .* golden@ab4f9a48e960 as pinned, 36 rows valid/);
    expect(demo.stdout).toMatch(/✓ suite smoke .* 12\/12 passed \(100\.0%, threshold 85\.0%\)/);
    expect(demo.stdout).toMatch(/DEPLOY gpt-4o\/2024-11-20\/v1 \(pre-merge/);
    expect(demo.stdout).toMatch(/✗ suite smoke .* 9\/12 passed \(75\.0%, threshold 85\.0%\)/);
    expect(demo.stdout).toMatch(/BLOCKED gpt-4o\/2024-11-20\/v2 \(pre-merge/);
    expect(demo.stdout).toContain(
      'case refund-how-long: icontains 5 business days: does not contain "5 business days"',
    );
    expect(demo.stdout).toMatch(
      /as expected: the release passed \(exit 0\), the candidate was blocked \(exit 1\)/,
    );

    for (const dir of ['support-bot-pre-merge', 'support-bot-pre-merge-candidates-support-bot']) {
      for (const file of ['report.json', 'summary.md', 'junit.xml', 'report.html']) {
        expect(existsSync(join(cwd, '.airlock/reports', dir, file)), `${dir}/${file}`).toBe(true);
      }
    }
    const blocked = JSON.parse(
      readFileSync(
        join(cwd, '.airlock/reports/support-bot-pre-merge-candidates-support-bot/report.json'),
        'utf8',
      ),
    );
    expect(blocked).toMatchObject({
      schema: 'airlock.gate-report/v1',
      decision: 'blocked',
      exitCode: 1,
      candidate: { id: 'gpt-4o/2024-11-20/v2', prompt: 'support-answer@2' },
    });
    expect(blocked.steps.map((step: { id: string; status: string }) => `${step.id}:${step.status}`)).toEqual([
      'lint:pass',
      'datasets:pass',
      'suite:smoke:fail',
      'cost:pass',
      'regression:warn',
    ]);
    expect(blocked.reasons.join('\n')).toContain('threshold: pass rate 75.0% (threshold 85.0%)');

    const markdown = readFileSync(
      join(cwd, '.airlock/reports/support-bot-pre-merge-candidates-support-bot/summary.md'),
      'utf8',
    );
    expect(markdown).toMatch(/^## ❌ Release gate: blocked — support-bot \(pre-merge\)/);
    expect(markdown).toContain('| Accuracy (pass rate) | 100.0% | 75.0% | -25.0 pts |');

    // JUnit, parsed back: the steps as one testsuite, then one testcase per eval case.
    const junit = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' }).parse(
      readFileSync(
        join(cwd, '.airlock/reports/support-bot-pre-merge-candidates-support-bot/junit.xml'),
        'utf8',
      ),
    );
    const [steps, smoke] = junit.testsuites.testsuite;
    expect(steps.name).toBe('support-bot/pre-merge/steps');
    expect(steps.failures).toBe('1');
    expect(smoke.tests).toBe('12');
    expect(smoke.failures).toBe('3');
    const failed = smoke.testcase.filter((testcase: { failure?: unknown }) => testcase.failure);
    expect(failed.map((testcase: { name: string }) => testcase.name).sort()).toEqual([
      'refund-de-dauer',
      'refund-fr-delai',
      'refund-how-long',
    ]);

    // The HTML page in headless Chromium, from the file, with no network.
    if (!existsSync(chromiumPath)) throw new Error(`${chromiumPath} is missing (.ci/run installs chromium)`);
    const browser = await chromium.launch({
      executablePath: chromiumPath,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
      ],
    });
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      const consoleErrors: string[] = [];
      const requests: string[] = [];
      page.on('console', (message) => {
        if (message.type() === 'error') consoleErrors.push(message.text());
      });
      page.on('pageerror', (error) => consoleErrors.push(error.message));
      page.on('request', (request) => requests.push(request.url()));
      const url = pathToFileURL(
        join(cwd, '.airlock/reports/support-bot-pre-merge-candidates-support-bot/report.html'),
      ).href;
      await page.goto(url, { waitUntil: 'load' });
      expect(consoleErrors).toEqual([]);
      expect(requests).toEqual([url]);
      const heading = page.getByRole('heading', { name: 'Decision: Blocked' });
      expect(await heading.isVisible()).toBe(true);
      expect((await heading.boundingBox())?.y).toBeLessThan(900);
      expect((await page.locator('#decision .reasons').textContent()) ?? '').toContain('suite smoke');
      // Failing cases first, visible, with their output.
      const first = page.locator('#cases tbody tr').first();
      expect(await first.getAttribute('data-status')).toBe('fail');
      expect(await first.isVisible()).toBe(true);
      expect(await first.locator('th code').textContent()).toMatch(/^smoke › refund-/);
      expect(await page.locator('#steps tbody tr').count()).toBe(5);
      mkdirSync(join(import.meta.dirname, 'artifacts'), { recursive: true });
      await page.screenshot({ path: screenshotPath, fullPage: true });
      expect(statSync(screenshotPath).size).toBeGreaterThan(10_000);
    } finally {
      await browser.close();
    }
  });
});

describe('airlock gate', () => {
  it('cannot run (exit 2, naming the file) on a dataset changed since its pin, and calls no model', {
    timeout: 60_000,
  }, async () => {
    const { cwd, run } = await project();
    appendFileSync(
      join(cwd, 'datasets/golden.jsonl'),
      '{"id":"new","question":"Hi?","expected":"hello","tags":[]}\n',
    );
    const before = local.requests();
    const gate = await run('gate', 'support-bot', '--stage', 'pre-merge');
    expect(gate.code).toBe(2);
    expect(gate.stdout).toMatch(/✗ datasets .*datasets\/golden\.jsonl/);
    expect(gate.stdout).toMatch(/- suite smoke .* not run: policy lint failed/);
    expect(gate.stdout).toMatch(/^COULD NOT RUN gpt-4o\/2024-11-20\/v1/m);
    expect(local.requests()).toBe(before);
  });

  it('checks its flags before any suite runs', { timeout: 60_000 }, async () => {
    const { cwd, run } = await project();
    const before = local.requests();
    const commit = await run(
      'gate',
      'support-bot',
      '--stage',
      'staging',
      '--record',
      '--commit',
      'deadbeef',
      '--image',
      'bot:latest',
    );
    expect(commit.code).toBe(2);
    expect(commit.stderr).toContain('commit "deadbeef" is not a full git SHA');
    const init = await run(
      'gate',
      'support-bot',
      '--stage',
      'staging',
      '--record',
      '--commit',
      commitOf(4),
      '--image',
      `ghcr.io/acme/support-bot:${commitOf(4).slice(0, 12)}`,
    );
    expect(init.code).toBe(5);
    expect(init.stderr).toMatch(
      /no deploy state for production \(namespace support\): for its first deploy add --init/,
    );
    writeFileSync(join(cwd, 'not-a-folder'), '');
    const reports = await run('gate', 'support-bot', '--stage', 'pre-merge', '--reports', 'not-a-folder');
    expect(reports.code).toBe(2);
    expect(reports.stderr).toContain('--reports not-a-folder is a file; give a folder');
    const canary = await run('gate', 'support-bot', '--stage', 'canary');
    expect(canary.code).toBe(2);
    expect(canary.stderr).toContain('--stage canary needs --metrics <window.json>');
    // A suite that cannot be read: the gate could not run (not "blocked"), at the file's line.
    writeFileSync(join(cwd, 'evals/adversarial.yaml'), 'cases:\n  - id: x\n    vars: [unclosed\n');
    const unreadable = await run('gate', 'support-bot', '--stage', 'staging');
    expect(unreadable.code).toBe(2);
    expect(unreadable.stdout).toMatch(/✗ policy lint .* 1 file the manifest names could not be read/);
    expect(unreadable.stdout).toMatch(/ {4}evals\/adversarial\.yaml:4:1: invalid YAML/);
    expect(local.requests()).toBe(before);
  });

  it('lets an emergency fix through when it costs more than the +10% limit (a warning), where staging blocks it', {
    timeout: 120_000,
  }, async () => {
    const { cwd, run, report } = await project();
    const image = `ghcr.io/acme/support-bot:${commitOf(5).slice(0, 12)}`;
    const staged = await run(
      'gate',
      'support-bot',
      '--stage',
      'staging',
      '--record',
      '--init',
      '--commit',
      commitOf(5),
      '--image',
      image,
    );
    expect(staged.code, staged.stdout).toBe(0);
    expect(report('support-bot-staging').recorded).toEqual({
      environment: 'production',
      seq: 1,
      changed: true,
    });
    // The fix: one more fact in the prompt (data residency), so every call is ~16% longer.
    const prompt = readFileSync(join(cwd, 'prompts/support-answer.yaml'), 'utf8').replace(
      '      Facts:\n',
      '      Facts:\n      - Your data is stored in the European Union only, in our Frankfurt and Dublin regions, encrypted at rest with keys rotated every 90 days, and backed up nightly to a second region for 35 days. [topics: where is my data, data residency, stockage, speicherort]\n',
    );
    writeFileSync(join(cwd, 'candidates/support-answer-residency.yaml'), prompt);
    expect((await run('registry', 'publish', 'candidates/support-answer-residency.yaml')).code).toBe(0);
    writeFileSync(
      join(cwd, 'candidates/residency.yaml'),
      readFileSync(join(cwd, 'features/support-bot.yaml'), 'utf8').replace(
        'prompt: support-answer@1',
        'prompt: support-answer@3',
      ),
    );
    const emergency = await run(
      'gate',
      'support-bot',
      '--stage',
      'emergency',
      '--manifest',
      'candidates/residency.yaml',
      '--reason',
      'INC-7: regulator asks where data lives',
    );
    expect(emergency.code, emergency.stdout).toBe(0);
    const steps = report('support-bot-emergency-candidates-residency').steps;
    const regression = steps.find((step: { id: string }) => step.id === 'regression');
    expect(regression.status).toBe('warn');
    // Compared with the runs that let the deployed release through staging (from the audit log).
    expect(regression.summary).toMatch(/^smoke: 100\.0% → 100\.0% on 12 paired cases/);
    expect(regression.details.join('\n')).toMatch(
      /smoke cost \(allowed on the emergency path\): cost per 1k requests \$1\.2898 → \$1\.\d+ \(\+1\d\.\d%/,
    );
    const cost = steps.find((step: { id: string }) => step.id === 'cost');
    expect(cost.status).toBe('warn');
    expect(cost.summary).toMatch(/\(\+1\d\.\d% against gpt-4o\/2024-11-20\/v1\)/);
    const staging = await run(
      'gate',
      'support-bot',
      '--stage',
      'staging',
      '--manifest',
      'candidates/residency.yaml',
    );
    expect(staging.code).toBe(1);
    expect(staging.stdout).toMatch(/✗ cost vs deployed .*\(\+1\d\.\d% against gpt-4o\/2024-11-20\/v1\)/);
    expect(staging.stdout).toMatch(/✗ regression .* cost failed/);
  });

  it('runs the emergency path on smoke and adversarial only, records it, and the next normal gate says so until staging passes', {
    timeout: 120_000,
  }, async () => {
    const { cwd, env, run, report } = await project();
    const refused = await run('gate', 'support-bot', '--stage', 'emergency');
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('--stage emergency needs --reason');

    const emergency = await run(
      'gate',
      'support-bot',
      '--stage',
      'emergency',
      '--reason',
      'INC-42: refunds answered wrongly',
    );
    expect(emergency.code).toBe(0);
    const steps = report('support-bot-emergency').steps.map((step: { id: string }) => step.id);
    expect(steps).toEqual(['lint', 'datasets', 'suite:smoke', 'suite:adversarial', 'cost', 'regression']);
    const audit = JSON.parse((await run('audit', 'log', '--action', 'gate.emergency', '--json')).stdout);
    expect(audit.entries).toHaveLength(1);
    expect(audit.entries[0]).toMatchObject({
      actor: 'ci@example.com',
      subject: 'support-bot',
      details: {
        release: 'gpt-4o/2024-11-20/v1',
        decision: 'deploy',
        reason: 'INC-42: refunds answered wrongly',
      },
    });

    // As in GitHub Actions: the summary is appended to the job's step summary file too.
    const stepSummary = join(cwd, 'step-summary.md');
    writeFileSync(stepSummary, '# earlier step\n');
    const next = await runCli(['gate', 'support-bot', '--stage', 'pre-merge'], {
      cwd,
      env: { ...env, GITHUB_STEP_SUMMARY: stepSummary },
    });
    expect(next.code).toBe(0);
    const summary = readFileSync(stepSummary, 'utf8');
    expect(summary).toMatch(/^# earlier step\n## ✅ Release gate: deploy — support-bot \(pre-merge\)/);
    expect(summary).toContain('> **Note:** an emergency gate ran on');
    expect(next.stdout).toMatch(
      /note: an emergency gate ran on .* by ci@example\.com for gpt-4o\/2024-11-20\/v1 \(deploy\): "INC-42: refunds answered wrongly"/,
    );
    expect(report('support-bot-pre-merge').notices).toHaveLength(1);

    const staging = await run('gate', 'support-bot', '--stage', 'staging');
    expect(staging.code).toBe(0);
    expect(staging.stdout).toContain('note: an emergency gate ran');
    const after = await run('gate', 'support-bot', '--stage', 'pre-merge');
    expect(after.stdout).not.toContain('emergency');
    expect(report('support-bot-pre-merge').notices).toEqual([]);
  });

  it('staging passes and records the release, a canary breach rolls back through deploy state, and the third rollback in the hour halts (exit 3)', {
    timeout: 240_000,
  }, async () => {
    const { cwd, run, report } = await project();
    // What production ran before: the same prompt on the August snapshot, deployed and known-good.
    writeFileSync(
      join(cwd, 'models/gpt-4o-2024-08-06.yaml'),
      'id: openai/gpt-4o-2024-08-06\ndescription: the previous snapshot\n',
    );
    await setUpRegistry(
      async (args) => {
        const result = await run(...args);
        return { status: result.code ?? 70, stdout: result.stdout };
      },
      ['models/gpt-4o-2024-08-06.yaml'],
      ['openai/gpt-4o-2024-08-06'],
    );
    writeFileSync(
      join(cwd, 'features/previous.yaml'),
      readFileSync(join(cwd, 'features/support-bot.yaml'), 'utf8').replace(
        'model: openai/gpt-4o-2024-11-20',
        'model: openai/gpt-4o-2024-08-06',
      ),
    );
    const env = ['--env', 'production'];
    const image = (n: number) => `ghcr.io/acme/support-bot:${commitOf(n).slice(0, 12)}`;
    const first = await run(
      'deploy',
      'record',
      ...env,
      '--release',
      'features/previous.yaml',
      '--commit',
      commitOf(1),
      '--image',
      image(1),
      '--init',
    );
    expect(first.code, first.stderr).toBe(0);
    expect((await run('deploy', 'mark-good', ...env)).code).toBe(0);

    // The staging gate: full, adversarial and smoke suites, slices, budgets; lint against what runs.
    const staging = await run(
      'gate',
      'support-bot',
      '--stage',
      'staging',
      '--record',
      '--commit',
      commitOf(2),
      '--image',
      image(2),
    );
    expect(staging.code, staging.stdout + staging.stderr).toBe(0);
    expect(staging.stdout).toMatch(/✓ policy lint .*\(against gpt-4o\/2024-08-06\/v1\)/);
    expect(staging.stdout).toMatch(/✓ suite full .* 35\/36 passed \(97\.2%, threshold 90\.0%\)/);
    expect(staging.stdout).toMatch(/✓ suite adversarial .* 8\/8 passed/);
    expect(staging.stdout).toMatch(/✓ cost vs deployed .*\(0\.0% against gpt-4o\/2024-08-06\/v1\)/);
    expect(staging.stdout).toMatch(/✓ record release .* #2: gpt-4o\/2024-11-20\/v1 .* recorded as deployed/);
    const staged = report('support-bot-staging');
    expect(staged.suites.map((suite: { name: string }) => suite.name)).toEqual([
      'smoke',
      'full',
      'adversarial',
    ]);
    expect(staged.suites[1].report.run.metrics.slices['locale:de']).toEqual({ cases: 9, passRate: 8 / 9 });

    // A blocked staging gate never touches deploy state.
    const blocked = await run(
      'gate',
      'support-bot',
      '--stage',
      'staging',
      '--manifest',
      'candidates/support-bot.yaml',
      '--record',
      '--commit',
      commitOf(3),
      '--image',
      image(3),
    );
    expect(blocked.code).toBe(1);
    expect(blocked.stdout).toMatch(
      /- record release .* not recorded: the gate did not pass \(deploy state untouched\)/,
    );
    expect(blocked.stdout).toMatch(/✗ suite full .* 27\/36 passed/);
    expect(blocked.stdout).toMatch(/✓ policy lint .*\(against gpt-4o\/2024-11-20\/v1\)/);
    expect(JSON.parse((await run('deploy', 'status', ...env, '--json')).stdout).current.seq).toBe(2);

    // A canary window where one request in ten fails: rollback through deploy state.
    const breach = (n: number) => {
      const now = Date.now();
      writeFileSync(
        join(cwd, `breach-${n}.json`),
        JSON.stringify({
          format: 'airlock.rollout-metrics/v1',
          feature: 'support-bot',
          window: { from: new Date(now - 30 * 60_000).toISOString(), to: new Date(now).toISOString() },
          canary: { release: 'gpt-4o/2024-11-20/v1', requests: 2000, errors: 200 },
          baseline: { release: 'gpt-4o/2024-08-06/v1', requests: 20000, errors: 20 },
        }),
      );
      return `breach-${n}.json`;
    };
    const canary = async (n: number) => {
      expect((await run('rollout', 'start', ...env, '--policy', 'rollouts/support-bot.yaml')).code).toBe(0);
      return run('gate', 'support-bot', '--stage', 'canary', '--metrics', breach(n));
    };
    const redeploy = () =>
      run(
        'deploy',
        'record',
        ...env,
        '--release',
        'features/support-bot.yaml',
        '--commit',
        commitOf(2),
        '--image',
        image(2),
      );

    const one = await canary(1);
    expect(one.code, one.stdout + one.stderr).toBe(1);
    expect(one.stdout).toMatch(
      /✗ rollout evaluate .* rollback at stage 1 \(1%\): rolled back to gpt-4o\/2024-08-06\/v1/,
    );
    expect(report('support-bot-canary')).toMatchObject({
      decision: 'blocked',
      rollout: { decision: 'rollback', stage: 1 },
    });
    let state = JSON.parse((await run('deploy', 'status', ...env, '--json')).stdout);
    expect(state.current).toMatchObject({ kind: 'rollback', release: { id: 'gpt-4o/2024-08-06/v1' } });

    expect((await redeploy()).code).toBe(0);
    const two = await canary(2);
    expect(two.code).toBe(1);
    expect(two.stdout).toContain('rolled back to gpt-4o/2024-08-06/v1');

    expect((await redeploy()).code).toBe(0);
    const three = await canary(3);
    expect(three.code, three.stdout + three.stderr).toBe(3);
    expect(three.stdout).toMatch(/^HALTED gpt-4o\/2024-11-20\/v1/m);
    expect(report('support-bot-canary')).toMatchObject({ decision: 'halted', exitCode: 3 });
    state = JSON.parse((await run('deploy', 'status', ...env, '--json')).stdout);
    expect(state.halt).not.toBeNull();
    expect(state.current.release.id).toBe('gpt-4o/2024-11-20/v1');
  });
});
