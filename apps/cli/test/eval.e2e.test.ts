import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { useOpenAIServer } from '@airlock/test-servers/vitest-hooks';
import { temporaryDirectory } from '@airlock/vitest-config/temp-dir';
import { describe, expect, it } from 'vitest';
import { runCli } from './cli-process.ts';

const server = useOpenAIServer([
  { when: { lastUserMessage: /refund/i }, reply: 'Refunds are accepted within 30 days of purchase.' },
  { when: { lastUserMessage: /shipping/i }, reply: 'Shipping takes 3-5 business days.' },
]);

const suite = `
name: smoke
model: openai/gpt-4o-mini-2024-07-18
prompt:
  template: "Answer briefly: {{question}}"
dataset: golden.jsonl
defaults:
  assert:
    - { type: icontains, value: "{{expected}}" }
`;

const golden = [
  { id: 'refund', question: 'What is the refund window?', expected: '30 days', tags: ['smoke'] },
  {
    id: 'shipping',
    question: 'How long does shipping take?',
    expected: '3-5 business days',
    tags: ['smoke'],
  },
]
  .map((row) => JSON.stringify(row))
  .join('\n');

function project(baseURL = server.baseURL) {
  const cwd = temporaryDirectory('airlock-eval-cli-');
  writeFileSync(
    join(cwd, 'airlock.yaml'),
    `version: 1\nproviders:\n  openai:\n    base_url: ${baseURL}\n    api_key_env: TEST_OPENAI_KEY\n`,
  );
  writeFileSync(join(cwd, 'smoke.yaml'), suite);
  writeFileSync(join(cwd, 'golden.jsonl'), `${golden}\n`);
  const run = (args: string[], env: Record<string, string> = { TEST_OPENAI_KEY: 'sk-test' }) =>
    runCli(args, { cwd, env: { AIRLOCK_ACTOR: 'dev@corp', ...env } });
  return { cwd, run };
}

describe('airlock eval, end to end', () => {
  it('runs a pinned suite, gates it, writes Markdown and JUnit, and compares with a baseline', {
    timeout: 60_000,
  }, async () => {
    const { cwd, run } = project();
    expect((await run(['dataset', 'pin', 'golden.jsonl'])).code).toBe(0);
    const first = await run([
      'eval',
      'run',
      'smoke.yaml',
      '--feature',
      'support-bot',
      '--markdown',
      'out/eval.md',
      '--junit',
      'out/eval.xml',
      '--html',
      'out/eval.html',
    ]);
    expect(first.stderr).toBe(
      `smoke · openai/gpt-4o-mini-2024-07-18 · openai-compatible ${server.baseURL}\n`,
    );
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(
      /pass rate 100\.0% \(2\/2 cases passed\) · checks 2\/2 \(100\.0%\) · errors 0 · p95 \d+ ms · \$\d\.\d{4} per 1k requests/,
    );
    expect(first.stdout).toContain('gate: PASS');
    const runId = /run (run_[0-9A-Z]+)/.exec(first.stdout)?.[1] as string;
    expect(readFileSync(join(cwd, 'out/eval.md'), 'utf8')).toContain(
      '| Accuracy (pass rate) | – | 100.0% | – |',
    );
    expect(readFileSync(join(cwd, 'out/eval.xml'), 'utf8')).toContain(
      '<testcase classname="support-bot/smoke" name="refund"/>',
    );
    expect(existsSync(join(cwd, '.airlock', 'runs', `${runId}.jsonl`))).toBe(true);
    // The HTML report is one file with the decision and each case's output from the results file.
    const html = readFileSync(join(cwd, 'out/eval.html'), 'utf8');
    expect(html).toContain('Decision: Deploy');
    expect(html).toMatch(/refund/);
    expect(html).not.toMatch(/(src|href)="https?:/);

    // The cost estimator prefers what the run measured (the provider's usage) to guesses.
    const estimate = await run(['cost', 'estimate', '--from-run', runId, '--requests', '1000000', '--json']);
    expect(estimate.code).toBe(0);
    const measured = JSON.parse(estimate.stdout);
    expect(measured.model).toBe('openai/gpt-4o-mini-2024-07-18');
    expect(measured.measuredIn).toMatch(new RegExp(`^tokens measured in eval run ${runId} over 2 calls`));
    expect(measured.request.inputTokens).toBeGreaterThan(5);

    expect((await run(['eval', 'baseline', 'set', runId])).code).toBe(0);
    const baseline = JSON.parse(readFileSync(join(cwd, 'model_baseline.json'), 'utf8'));
    expect(baseline).toMatchObject({
      schema: 'airlock.model-baseline/v1',
      run_id: runId,
      cases: { refund: { pass: 1 } },
    });
    // Into a folder that does not exist yet: created, as for every report file.
    expect((await run(['eval', 'baseline', 'set', runId, '--file', 'baselines/smoke.json'])).code).toBe(0);
    expect(JSON.parse(readFileSync(join(cwd, 'baselines/smoke.json'), 'utf8')).run_id).toBe(runId);

    await server.setRules([
      { when: { lastUserMessage: /shipping/i }, reply: 'Shipping takes 3-5 business days.' },
    ]);
    const second = await run([
      'eval',
      'run',
      'smoke.yaml',
      '--baseline',
      'model_baseline.json',
      '--json',
      '--no-cache',
    ]);
    expect(second.code).toBe(1);
    const report = JSON.parse(second.stdout);
    expect(report.schema).toBe('airlock.eval-report/v1');
    expect(report.gate.decision).toBe('blocked');
    expect(
      report.gate.checks.map((check: { id: string; status: string }) => `${check.id}:${check.status}`),
    ).toEqual(expect.arrayContaining(['threshold:fail', 'regression:warn']));

    const listed = await run(['eval', 'list', '--json']);
    expect(JSON.parse(listed.stdout).runs).toHaveLength(2);
    const compared = await run(['eval', 'compare', runId, report.run.id]);
    expect(compared.stdout).toContain('| Accuracy (pass rate) | 100.0% | 50.0% | -50.0 pts |');
  });

  it('refuses a dataset changed after pinning: exit 2, names the file, and calls no provider', {
    timeout: 60_000,
  }, async () => {
    const { cwd, run } = project();
    expect((await run(['dataset', 'pin', 'golden.jsonl'])).code).toBe(0);
    appendFileSync(
      join(cwd, 'golden.jsonl'),
      `${JSON.stringify({ id: 'new', question: 'refund?', expected: '30' })}\n`,
    );
    const refused = await run(['eval', 'run', 'smoke.yaml']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/^error: golden\.jsonl changed since it was pinned/);
    expect(await server.requests()).toEqual([]);
  });

  it('says what is wrong when it cannot run: unpinned data, a bad suite, no key (2), no provider (4)', {
    timeout: 60_000,
  }, async () => {
    const { cwd, run } = project();
    const unpinned = await run(['eval', 'run', 'smoke.yaml']);
    expect(unpinned.code).toBe(2);
    expect(unpinned.stderr).toMatch(/golden\.jsonl is not pinned/);
    expect((await run(['dataset', 'pin', 'golden.jsonl'])).code).toBe(0);

    writeFileSync(
      join(cwd, 'bad.yaml'),
      'cases:\n  - id: a\n    vars: { input: hi }\n    assert: [{ type: contians, value: x }]\n',
    );
    const bad = await run(['eval', 'run', 'bad.yaml', '--model', 'openai/gpt-4o-2024-11-20']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^error: bad\.yaml:4:\d+: .*unknown assertion type "contians"/);

    const noKey = await run(['eval', 'run', 'smoke.yaml'], {});
    expect(noKey.code).toBe(2);
    expect(noKey.stderr).toMatch(/TEST_OPENAI_KEY is not set/);

    const down = project('http://127.0.0.1:9/v1');
    writeFileSync(
      join(down.cwd, 'smoke.yaml'),
      suite.replace('dataset: golden.jsonl', 'cases: [{ id: a, vars: { question: q, expected: x } }]'),
    );
    const unreachable = await down.run(['eval', 'run', 'smoke.yaml']);
    expect(unreachable.code).toBe(4);
    expect(unreachable.stderr).toMatch(/provider is unreachable/);
  });

  it('records a cassette and replays it offline, never through the response cache', {
    timeout: 60_000,
  }, async () => {
    const { cwd, run } = project();
    expect((await run(['dataset', 'pin', 'golden.jsonl'])).code).toBe(0);
    // A first run fills the response cache; recording must still ask the provider for everything.
    expect((await run(['eval', 'run', 'smoke.yaml'])).code).toBe(0);
    expect((await run(['eval', 'run', 'smoke.yaml', '--record', 'cassettes/smoke.jsonl'])).code).toBe(0);
    expect(readFileSync(join(cwd, 'cassettes/smoke.jsonl'), 'utf8').trim().split('\n')).toHaveLength(2);
    const calls = (await server.requests()).length;
    const replayed = await run(['eval', 'run', 'smoke.yaml', '--replay', 'cassettes/smoke.jsonl'], {});
    expect(replayed.code).toBe(0);
    expect(replayed.stdout).not.toContain('from cache');
    expect((await server.requests()).length).toBe(calls);
    // Replaying another cassette answers nothing from the cache either.
    writeFileSync(join(cwd, 'empty.jsonl'), '');
    const empty = await run(['eval', 'run', 'smoke.yaml', '--replay', 'empty.jsonl', '--json'], {});
    expect(empty.code).toBe(1);
    expect(JSON.parse(empty.stdout).run.metrics.errors).toBe(2);
  });

  it('refuses what would be silently wrong: a misspelled feature, a folder as a report, a broken baseline', {
    timeout: 60_000,
  }, async () => {
    const { cwd, run } = project();
    expect((await run(['dataset', 'pin', 'golden.jsonl'])).code).toBe(0);
    mkdirSync(join(cwd, 'features'));
    writeFileSync(
      join(cwd, 'features', 'support-bot.yaml'),
      'feature: support-bot\nrisk_tier: low\nmodel: openai/gpt-4o-mini-2024-07-18\nprompt: answer@1\n',
    );
    const typo = await run(['eval', 'run', 'smoke.yaml', '--feature', 'support-bto']);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toMatch(/no feature manifest features\/support-bto\.yaml \(features: support-bot\)/);
    const folder = await run(['eval', 'run', 'smoke.yaml', '--out', 'features']);
    expect(folder.code).toBe(2);
    expect(folder.stderr).toMatch(/--out features is a folder/);
    expect(await server.requests()).toEqual([]);

    await server.addFault({ fault: { kind: 'status', status: 500 }, when: { lastUserMessage: /shipping/ } });
    const broken = await run(['eval', 'run', 'smoke.yaml', '--json']);
    expect(broken.code).toBe(1);
    const runId = JSON.parse(broken.stdout).run.id;
    const refused = await run(['eval', 'baseline', 'set', runId]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/had 1 provider errors; a baseline should be a complete, clean run/);
    // The decision is stored with the run, so its reports can be rebuilt later.
    const shown = JSON.parse((await run(['eval', 'show', runId, '--json'])).stdout);
    expect(shown.gate.decision).toBe('blocked');
    // compare applies no threshold unless asked (the 50% pass rate is not held against it);
    // the provider error still blocks.
    const compared = await run(['eval', 'compare', runId, runId]);
    expect(compared.code).toBe(1);
    expect(compared.stdout).toContain('- ✅ **threshold**: pass rate 50.0% (threshold 0.0%)');
    expect(compared.stdout).toContain('- ❌ **errors**: 1 provider error or timeout (limit 0)');
  });
});
