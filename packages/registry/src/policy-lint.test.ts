import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { applyMigrations, openDatabase, storeMigrations } from '@airlock/db';
import { temporaryDirectory } from '@airlock/vitest-config/temp-dir';
import { describe, expect, it } from 'vitest';
import { loadManifestSources } from './manifest-files.ts';
import { registryMigrations } from './migrations.ts';
import { lintManifest } from './policy-lint.ts';
import { createRegistry } from './registry.ts';
import { createSqliteRegistryStore } from './sqlite-store.ts';

async function project() {
  const root = temporaryDirectory('airlock-lint-');
  const database = openDatabase({ path: join(root, '.airlock', 'airlock.db') });
  applyMigrations(database, [...storeMigrations, ...registryMigrations]);
  const registry = createRegistry({ store: createSqliteRegistryStore(database) });
  for (const id of ['openai/gpt-4o-2024-11-20', 'openai/gpt-4o-mini-2024-07-18']) {
    await registry.addModel({ id, actor: 'dev@corp' });
    await registry.approveModel(id, {
      actor: 'rm@corp',
      role: 'release-manager',
      tier: 'high',
      reason: 'ok',
    });
    await registry.approveModel(id, { actor: 'rp@corp', role: 'risk-partner', tier: 'high', reason: 'ok' });
  }
  await registry.publishPrompt(
    { name: 'support-answer', template: 'Answer {{question}} in {{locale}}', parameters: {} },
    'dev@corp',
  );
  mkdirSync(join(root, 'features'));
  mkdirSync(join(root, 'evals'));
  mkdirSync(join(root, 'datasets'));
  writeFileSync(
    join(root, 'evals', 'smoke.yaml'),
    'cases:\n  - id: refund\n    vars: { question: "refund policy?", locale: en }\n  - id: hello\n    vars: { question: "hi" }\n',
  );
  writeFileSync(
    join(root, 'datasets', 'golden.jsonl'),
    '{"question":"where is my order?","locale":"en"}\n{"question":"mail jane.doe@example.com","locale":"en"}\n',
  );
  return { root, registry, database };
}

const goodManifest = `feature: support-bot
risk_tier: high
model: openai/gpt-4o-2024-11-20
fallback_model: openai/gpt-4o-mini-2024-07-18
prompt: support-answer@1
datasets:
  - name: golden
    path: datasets/golden.jsonl
eval_suites:
  - name: smoke
    path: evals/smoke.yaml
`;

describe('policy lint', () => {
  it('lists every problem, each where it is', async () => {
    const { root, registry, database } = await project();
    writeFileSync(
      join(root, 'features', 'support-bot.yaml'),
      goodManifest
        .replace('openai/gpt-4o-mini-2024-07-18', 'openai/gpt-4o-mini')
        .replace('support-answer@1', 'support-answer@1'),
    );
    const sources = loadManifestSources('features/support-bot.yaml', { root, cwd: root });
    const report = await lintManifest(registry, sources, { day: '2026-11-22' });
    expect(report.ok).toBe(false);
    expect(
      report.findings.map(
        (finding) =>
          `${finding.file}:${finding.line}:${finding.column}: [${finding.check}] ${finding.message}`,
      ),
    ).toEqual([
      'datasets/golden.jsonl:2:19: [pii] email in eval data (ja****************om); strip it or replace it with a synthetic value',
      'evals/smoke.yaml:4:5: [prompt-renders] case hello: support-answer@1 needs {{locale}}, which the case does not supply',
      'features/support-bot.yaml:4:17: [fallback-model] fallback: openai/gpt-4o-mini is a floating alias that can change under you; pin one of: openai/gpt-4o-mini-2024-07-18',
    ]);
    database.close();
  });

  it('passes a clean manifest, and refuses a prompt and a model change together unless on the emergency path', async () => {
    const { root, registry, database } = await project();
    writeFileSync(
      join(root, 'datasets', 'golden.jsonl'),
      '{"question":"where is my order?","locale":"en"}\n',
    );
    writeFileSync(
      join(root, 'evals', 'smoke.yaml'),
      'cases:\n  - id: refund\n    vars: { question: "refund?", locale: en }\n',
    );
    writeFileSync(join(root, 'features', 'support-bot.yaml'), goodManifest);
    const sources = loadManifestSources(join(root, 'features', 'support-bot.yaml'), { root, cwd: root });
    expect((await lintManifest(registry, sources, { day: '2026-11-22' })).findings).toEqual([]);

    const previous = { model: 'openai/gpt-4o-2024-08-06', prompt: 'support-answer@2', file: 'old.yaml' };
    const blocked = await lintManifest(registry, sources, { day: '2026-11-22', previous });
    expect(blocked.ok).toBe(false);
    expect(blocked.findings[0]?.check).toBe('one-change-at-a-time');
    const emergency = await lintManifest(registry, sources, { day: '2026-11-22', previous, emergency: true });
    expect(emergency.ok).toBe(true);
    expect(emergency.findings[0]?.severity).toBe('warning');
    database.close();
  });

  it('reads the cases a YAML suite draws from its dataset, and names every other file the manifest names that is missing', async () => {
    const { root, registry, database } = await project();
    writeFileSync(join(root, 'datasets', 'golden.jsonl'), '{"id":"a","question":"refund?"}\n');
    writeFileSync(join(root, 'evals', 'smoke.yaml'), 'dataset: ../datasets/golden.jsonl\n');
    writeFileSync(
      join(root, 'features', 'support-bot.yaml'),
      `${goodManifest.replace('    path: datasets/golden.jsonl', '    path: datasets/golden.jsonl\n    schema: datasets/golden.schema.yaml')}    baseline: baselines/smoke.json\nrollout_policy: rollouts/bot.yaml\n`,
    );
    const sources = loadManifestSources('features/support-bot.yaml', { root, cwd: root });
    const report = await lintManifest(registry, sources, { day: '2026-11-22' });
    expect(
      report.findings.map(
        (finding) =>
          `${finding.file}:${finding.line}:${finding.column}: [${finding.check}] ${finding.message}`,
      ),
    ).toEqual([
      'datasets/golden.jsonl:1:1: [prompt-renders] case a: support-answer@1 needs {{locale}}, which the case does not supply',
      'features/support-bot.yaml:9:13: [datasets] datasets/golden.schema.yaml does not exist',
      'features/support-bot.yaml:13:15: [eval-suites] baselines/smoke.json does not exist',
      'features/support-bot.yaml:14:17: [files] rollouts/bot.yaml does not exist',
    ]);
    database.close();
  });

  it('reports a dataset row once however many suites draw on it, and only the rows a suite’s tags pick', async () => {
    const { root, registry, database } = await project();
    writeFileSync(
      join(root, 'datasets', 'golden.jsonl'),
      '{"id":"a","question":"refund?","locale":"en","tags":["smoke"]}\n{"id":"b","question":"hi?","tags":[]}\n',
    );
    writeFileSync(join(root, 'evals', 'smoke.yaml'), 'dataset: ../datasets/golden.jsonl\n');
    writeFileSync(join(root, 'evals', 'full.yaml'), 'dataset: ../datasets/golden.jsonl\n');
    const manifest = (smokeTags: string) =>
      goodManifest.replace(
        '  - name: smoke\n    path: evals/smoke.yaml\n',
        `  - name: smoke\n    path: evals/smoke.yaml\n${smokeTags}  - name: full\n    path: evals/full.yaml\n`,
      );
    writeFileSync(join(root, 'features', 'support-bot.yaml'), manifest(''));
    const both = await lintManifest(
      registry,
      loadManifestSources('features/support-bot.yaml', { root, cwd: root }),
      {
        day: '2026-11-22',
      },
    );
    expect(both.findings.map((finding) => `${finding.file}:${finding.line}`)).toEqual([
      'datasets/golden.jsonl:2',
    ]);

    // Only the full suite runs row b; the smoke suite picks row a, which renders.
    writeFileSync(
      join(root, 'evals', 'full.yaml'),
      'dataset: ../datasets/golden.jsonl\ndefaults: { tags: [smoke] }\n',
    );
    writeFileSync(
      join(root, 'features', 'support-bot.yaml'),
      manifest('    tags: [smoke]\n').replace(
        '  - name: full\n    path: evals/full.yaml\n',
        '  - name: full\n    path: evals/full.yaml\n    tags: [nightly]\n',
      ),
    );
    const picked = await lintManifest(
      registry,
      loadManifestSources('features/support-bot.yaml', { root, cwd: root }),
      {
        day: '2026-11-22',
      },
    );
    expect(picked.findings).toEqual([]);
    database.close();
  });

  it('reports a malformed manifest at its line and column', async () => {
    const { root, database } = await project();
    writeFileSync(
      join(root, 'features', 'bad.yaml'),
      'feature: Support Bot\nrisk_tier: extreme\nmodel: x\nprompt: support-answer@latest\n',
    );
    expect(() => loadManifestSources('features/bad.yaml', { root, cwd: root })).toThrowError(
      expect.objectContaining({
        issues: [
          expect.objectContaining({ line: 1, column: 10, message: expect.stringContaining('feature:') }),
          expect.objectContaining({ line: 2, column: 12, message: expect.stringContaining('risk_tier:') }),
          expect.objectContaining({ line: 3, column: 8 }),
          expect.objectContaining({ line: 4, column: 9, message: expect.stringContaining('name@version') }),
        ],
      }),
    );
    database.close();
  });
});

describe('policy lint with a malformed eval file', () => {
  it('reports the malformed file as one more finding and still checks everything else', async () => {
    const { root, registry, database } = await project();
    writeFileSync(join(root, 'evals', 'broken.jsonl'), '{"question":"ok","locale":"en"}\n{not json\n');
    writeFileSync(
      join(root, 'features', 'support-bot.yaml'),
      goodManifest
        .replace('evals/smoke.yaml', 'evals/broken.jsonl')
        .replace('openai/gpt-4o-2024-11-20', 'openai/gpt-4o'),
    );
    const sources = loadManifestSources('features/support-bot.yaml', { root, cwd: root });
    const report = await lintManifest(registry, sources, { day: '2026-11-22' });
    expect(report.findings.map((finding) => [finding.check, finding.file, finding.line])).toEqual([
      ['pii', 'datasets/golden.jsonl', 2],
      ['eval-suites', 'evals/broken.jsonl', 2],
      ['model', 'features/support-bot.yaml', 3],
    ]);
    expect(report.checks.find((check) => check.check === 'one-change-at-a-time')?.status).toBe('skipped');
    database.close();
  });
});
