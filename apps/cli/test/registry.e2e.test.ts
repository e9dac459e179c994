import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openDatabase } from '@airlock/db';
import { temporaryDirectory } from '@airlock/vitest-config/temp-dir';
import { describe, expect, it } from 'vitest';
import { runCli } from './cli-process.ts';

function project() {
  const cwd = temporaryDirectory('airlock-registry-cli-');
  for (const dir of ['models', 'prompts', 'features', 'evals', 'datasets']) mkdirSync(join(cwd, dir));
  writeFileSync(join(cwd, 'airlock.yaml'), 'version: 1\n');
  const write = (path: string, text: string) => writeFileSync(join(cwd, path), text);
  const as = (actor: string, ...args: string[]) => runCli(args, { cwd, env: { AIRLOCK_ACTOR: actor } });
  return { cwd, write, as };
}

const approve = (tier: string, role: string, reason = 'staging evals green') => [
  'registry',
  'model',
  'approve',
  'openai/gpt-4o-2024-11-20',
  '--tier',
  tier,
  '--role',
  role,
  '--reason',
  reason,
];

describe('airlock registry, policy and audit, end to end', () => {
  it('walks a release through the registry rules', { timeout: 180_000 }, async () => {
    const { cwd, write, as } = project();

    const floating = await as('dev@corp', 'registry', 'model', 'add', 'openai/gpt-4o');
    expect(floating.code).toBe(2);
    expect(floating.stderr).toContain('openai/gpt-4o is a floating alias that can change under you');

    write('models/gpt-4o.yaml', 'kind: model\nid: openai/gpt-4o-2024-11-20\ndescription: main model\n');
    write('models/gpt-4o-mini.yaml', 'kind: model\nid: openai/gpt-4o-mini-2024-07-18\n');
    const published = await as(
      'dev@corp',
      'registry',
      'publish',
      'models/gpt-4o.yaml',
      'models/gpt-4o-mini.yaml',
    );
    expect(published.code).toBe(0);
    expect(published.stdout).toContain('published  openai/gpt-4o-2024-11-20');

    const suggestion = await as('dev@corp', 'registry', 'model', 'add', 'openai/gpt-4o-latest');
    expect(suggestion.stderr).toContain('pin one of: openai/gpt-4o-2024-11-20');

    const own = await as('dev@corp', ...approve('low', 'approver'));
    expect(own.code).toBe(2);
    expect(own.stderr).toContain('dev@corp published openai/gpt-4o-2024-11-20 and cannot approve it');

    expect((await as('ana@corp', ...approve('low', 'approver'))).code).toBe(0);
    const first = await as('rm@corp', ...approve('high', 'release-manager'));
    expect(first.stdout).toContain('high tier still needs a risk-partner approval at high tier');
    const shown = JSON.parse(
      (await as('x', 'registry', 'model', 'show', 'openai/gpt-4o-2024-11-20', '--json')).stdout,
    );
    expect(shown.approvedTiers).toEqual(['low', 'medium']);
    const second = await as('rp@corp', ...approve('high', 'risk-partner', 'deltas within limits'));
    expect(second.stdout).toContain('approved openai/gpt-4o-2024-11-20 for high tier');
    const approvedHigh = JSON.parse(
      (await as('x', 'registry', 'model', 'list', '--status', 'approved', '--tier', 'high', '--json')).stdout,
    );
    expect(approvedHigh.models.map((model: { id: string }) => model.id)).toEqual([
      'openai/gpt-4o-2024-11-20',
    ]);
    for (const [actor, role] of [
      ['rm@corp', 'release-manager'],
      ['rp@corp', 'risk-partner'],
    ] as const) {
      await as(
        actor,
        'registry',
        'model',
        'approve',
        'openai/gpt-4o-mini-2024-07-18',
        '--tier',
        'high',
        '--role',
        role,
        '--reason',
        'ok',
      );
    }

    write(
      'prompts/support-answer.yaml',
      'name: support-answer\ntemplate: "Answer {{question}} in {{locale}}"\n',
    );
    const v1 = await as('dev@corp', 'registry', 'prompt', 'publish', 'prompts/support-answer.yaml');
    const again = await as('dev@corp', 'registry', 'prompt', 'publish', 'prompts/support-answer.yaml');
    expect(v1.stdout).toContain('published support-answer@1');
    expect(again.stdout).toContain('support-answer@1 has this content already');
    write(
      'prompts/support-answer.yaml',
      'name: support-answer\ntemplate: "Answer briefly {{question}} in {{locale}}"\n',
    );
    expect(
      (await as('dev@corp', 'registry', 'prompt', 'publish', 'prompts/support-answer.yaml')).stdout,
    ).toContain('published support-answer@2');
    const label = await as(
      'rm@corp',
      'registry',
      'prompt',
      'label',
      'support-answer',
      'production',
      '--version',
      '2',
    );
    expect(label.stdout).toBe('support-answer:production → 2 (new label)\n');

    write('evals/smoke.yaml', 'cases:\n  - id: refund\n    vars: { question: "refund?", locale: en }\n');
    write('datasets/golden.jsonl', '{"question":"where is my order?","locale":"en"}\n');
    const manifest = (model: string, prompt: string) =>
      [
        'feature: support-bot',
        'risk_tier: high',
        `model: ${model}`,
        'fallback_model: openai/gpt-4o-mini-2024-07-18',
        `prompt: ${prompt}`,
        'datasets:',
        '  - { name: golden, path: datasets/golden.jsonl }',
        'eval_suites:',
        '  - { name: smoke, path: evals/smoke.yaml }',
        '',
      ].join('\n');
    write('features/support-bot.yaml', manifest('openai/gpt-4o-2024-11-20', 'support-answer@2'));
    const good = await as('ci@corp', 'policy', 'lint', 'features/support-bot.yaml');
    expect(good.code).toBe(0);
    expect(good.stdout).toContain('ok support-bot: 8 checks passed, 1 skipped (one-change-at-a-time)');

    // A pinned dataset must be exactly its pin for lint to pass.
    expect((await as('dev@corp', 'dataset', 'pin', 'datasets/golden.jsonl')).code).toBe(0);
    expect((await as('ci@corp', 'policy', 'lint', 'features/support-bot.yaml')).code).toBe(0);
    write('datasets/golden.jsonl', '{"question":"where is my parcel?","locale":"en"}\n');
    const drifted = await as('ci@corp', 'policy', 'lint', 'features/support-bot.yaml');
    expect(drifted.code).toBe(1);
    expect(drifted.stdout).toMatch(
      /features\/support-bot\.yaml:7:\d+: dataset golden: datasets\/golden\.jsonl changed since it was pinned/,
    );
    expect((await as('dev@corp', 'dataset', 'checkout', 'datasets/golden.jsonl')).code).toBe(0);

    write(
      'evals/bad.yaml',
      'cases:\n  - id: leak\n    vars: { question: "my card is 4111 1111 1111 1111" }\n',
    );
    write(
      'features/bad.yaml',
      manifest('openai/gpt-4o-mini', 'support-answer@7').replace('evals/smoke.yaml', 'evals/bad.yaml'),
    );
    const bad = await as('ci@corp', 'policy', 'lint', 'features/bad.yaml');
    expect(bad.code).toBe(1);
    expect(bad.stdout.trim().split('\n')).toEqual([
      'error: evals/bad.yaml:3:35: card-number in eval data (41***************11); strip it or replace it with a synthetic value [pii]',
      'error: features/bad.yaml:3:8: openai/gpt-4o-mini is a floating alias that can change under you; pin one of: openai/gpt-4o-mini-2024-07-18 [model]',
      'error: features/bad.yaml:5:9: prompt support-answer has no version 7 (versions 1–2) [prompt]',
      'blocked support-bot: 3 problem(s)',
    ]);

    write('features/previous.yaml', manifest('openai/gpt-4o-mini-2024-07-18', 'support-answer@1'));
    const both = await as(
      'ci@corp',
      'policy',
      'lint',
      'features/support-bot.yaml',
      '--against',
      'features/previous.yaml',
    );
    expect(both.code).toBe(1);
    expect(both.stdout).toContain('the prompt (support-answer@1 → support-answer@2) and the model');
    const emergency = await as(
      'rm@corp',
      'policy',
      'lint',
      'features/support-bot.yaml',
      '--against',
      'features/previous.yaml',
      '--emergency',
    );
    expect(emergency.code).toBe(0);
    expect(emergency.stdout).toContain('(emergency path recorded)');

    const verified = await as('x', 'audit', 'verify');
    expect(verified.code).toBe(0);
    expect(verified.stdout).toMatch(/^ok 1[0-9] entries, chain intact; head [0-9a-f]{64}\n$/);
    const log = JSON.parse((await as('x', 'audit', 'log', '--json', '--action', 'policy.emergency')).stdout);
    expect(log.entries).toEqual([expect.objectContaining({ actor: 'rm@corp', subject: 'support-bot' })]);

    const database = openDatabase({ path: join(cwd, '.airlock', 'airlock.db') });
    database.sqlite
      .prepare("UPDATE audit_log SET actor = 'mallory@corp' WHERE action = 'prompt.label'")
      .run();
    const seq = (
      database.sqlite.prepare("SELECT seq FROM audit_log WHERE action = 'prompt.label'").get() as {
        seq: number;
      }
    ).seq;
    database.close();
    const broken = await as('x', 'audit', 'verify');
    expect(broken.code).toBe(1);
    expect(broken.stdout).toBe(
      `broken entry #${seq} (prompt.label support-answer:production) was altered: its content no longer matches its hash\n`,
    );
  });

  it('rejects malformed files at path:line:col with exit 2 and writes nothing', async () => {
    const { write, as } = project();
    write(
      'prompts/bad.yaml',
      'name: Support Answer\ntemplate: "x"\nmessages:\n  - role: robot\n    content: hi\n',
    );
    write('models/bad.yaml', 'kind: model\nid: 42\ncontext_window: -1\n');
    write('models/good.yaml', 'kind: model\nid: openai/gpt-4o-2024-11-20\n');
    write('features/bad.yaml', 'feature: support-bot\nrisk_tier: high\nmodel: [x]\nprompt: p@1\nextra: 1\n');

    const prompt = await as('dev@corp', 'registry', 'prompt', 'publish', 'prompts/bad.yaml');
    expect(prompt.code).toBe(2);
    expect(prompt.stderr.trim().split('\n')).toEqual([
      'error: prompts/bad.yaml:1:1: expected exactly one of template (a single message) or messages (a chat)',
      'error: prompts/bad.yaml:1:7: name: expected a lowercase name such as support-answer',
      'error: prompts/bad.yaml:4:11: messages[0].role: expected one of "system"|"user"|"assistant"',
    ]);

    const models = await as('dev@corp', 'registry', 'publish', 'models/good.yaml', 'models/bad.yaml');
    expect(models.code).toBe(2);
    expect(models.stderr).toContain('error: models/bad.yaml:2:5: id: expected string, received number');
    expect(models.stderr).toContain('error: models/bad.yaml:3:17: context_window: too small');

    const lint = await as('dev@corp', 'policy', 'lint', 'features/bad.yaml');
    expect(lint.code).toBe(2);
    expect(lint.stderr.trim().split('\n')).toEqual([
      'error: features/bad.yaml:3:8: model: expected string, received array',
      'error: features/bad.yaml:5:1: unknown key "extra" at the top level (expected one of: feature, risk_tier, model, fallback_model, prompt, datasets, eval_suites, regression, budgets, traffic, rollout_policy)',
    ]);

    const audit = JSON.parse((await as('x', 'audit', 'log', '--json')).stdout);
    expect(audit.entries).toEqual([]);
    const listed = JSON.parse((await as('x', 'registry', 'model', 'list', '--json')).stdout);
    expect(listed.models).toEqual([]);
  });

  it('refuses to act for nobody', async () => {
    const { cwd } = project();
    const result = await runCli(['registry', 'model', 'add', 'openai/gpt-4o-2024-11-20'], {
      cwd,
      env: { AIRLOCK_ACTOR: '', GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1', HOME: cwd },
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('who is acting? pass --actor');
  });
});
