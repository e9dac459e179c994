import { join } from 'node:path';
import { applyMigrations, openDatabase, storeMigrations } from '@airlock/db';
import { temporaryDirectory } from '@airlock/vitest-config/temp-dir';
import { describe, expect, it } from 'vitest';
import { registryMigrations } from './migrations.ts';
import { createRegistry } from './registry.ts';
import { createSqliteRegistryStore } from './sqlite-store.ts';

function openRegistry() {
  const database = openDatabase({ path: join(temporaryDirectory('airlock-registry-'), 'airlock.db') });
  applyMigrations(database, [...storeMigrations, ...registryMigrations]);
  let tick = 0;
  const registry = createRegistry({
    store: createSqliteRegistryStore(database),
    now: () => new Date(Date.UTC(2026, 10, 22, 10, 0, tick++)),
  });
  return { registry, database };
}

const model = 'openai/gpt-4o-2024-11-20';

describe('models', () => {
  it('refuses a floating alias and names the pinned snapshots it knows', async () => {
    const { registry, database } = openRegistry();
    await expect(registry.addModel({ id: 'openai/gpt-4o', actor: 'dev@corp' })).rejects.toThrow(
      'openai/gpt-4o is a floating alias that can change under you; pin a dated snapshot such as openai/gpt-4o-YYYY-MM-DD (none of this family is registered yet)',
    );
    await registry.addModel({ id: model, actor: 'dev@corp' });
    await registry.addModel({ id: 'openai/gpt-4o-2024-08-06', actor: 'dev@corp' });
    await registry.addModel({ id: 'openai/gpt-4o-mini-2024-07-18', actor: 'dev@corp' });
    await expect(registry.addModel({ id: 'openai/gpt-4o-latest', actor: 'dev@corp' })).rejects.toThrow(
      'pin one of: openai/gpt-4o-2024-11-20, openai/gpt-4o-2024-08-06',
    );
    database.close();
  });

  it('is idempotent for the same model and refuses changed details', async () => {
    const { registry, database } = openRegistry();
    const first = await registry.addModel({ id: model, actor: 'dev@corp', description: 'main' });
    const again = await registry.addModel({ id: model, actor: 'dev@corp', description: 'main' });
    expect([first.created, again.created]).toEqual([true, false]);
    await expect(
      registry.addModel({ id: model, actor: 'dev@corp', description: 'other' }),
    ).rejects.toMatchObject({
      code: 'CONFLICT',
    });
    expect((await registry.auditLog()).map((entry) => entry.action)).toEqual(['model.publish']);
    database.close();
  });

  it('walks proposed → approved (per tier) → deprecated → retired', async () => {
    const { registry, database } = openRegistry();
    await registry.addModel({ id: model, actor: 'dev@corp' });
    expect((await registry.getModel(model)).status).toBe('proposed');

    await expect(
      registry.approveModel(model, {
        actor: 'dev@corp',
        role: 'release-manager',
        tier: 'high',
        reason: 'mine',
      }),
    ).rejects.toMatchObject({ code: 'FORBIDDEN' });

    const one = await registry.approveModel(model, {
      actor: 'rm@corp',
      role: 'release-manager',
      tier: 'high',
      reason: 'staging evals green',
      evalRunId: 'run_1',
    });
    expect(one.tier).toEqual({ approved: false, missing: ['a risk-partner approval at high tier'] });
    expect(one.model.approvedTiers).toEqual(['low', 'medium']);
    expect(one.model.status).toBe('approved');

    const two = await registry.approveModel(model, {
      actor: 'rp@corp',
      role: 'risk-partner',
      tier: 'high',
      reason: 'deltas within limits',
    });
    expect(two.tier.approved).toBe(true);
    expect((await registry.listModels({ tier: 'high', status: 'approved' })).map((m) => m.id)).toEqual([
      model,
    ]);

    expect(await registry.deployProblems(model, 'high', '2026-11-22')).toEqual([]);
    await registry.deprecateModel(model, { actor: 'rm@corp', endOfLife: '2027-01-31', reason: 'successor' });
    expect(await registry.deployProblems(model, 'high', '2027-02-01')).toEqual([
      'openai/gpt-4o-2024-11-20 passed its end of life (2027-01-31)',
    ]);
    const retired = await registry.retireModel(model, { actor: 'rm@corp', reason: 'gone' });
    expect(retired.status).toBe('retired');
    await expect(
      registry.approveModel(model, { actor: 'x@corp', role: 'approver', tier: 'low', reason: 'late' }),
    ).rejects.toMatchObject({ code: 'CONFLICT' });
    expect(await registry.deployProblems('openai/gpt-4o', 'low', '2026-11-22')).toEqual([
      expect.stringContaining('floating alias'),
    ]);
    database.close();
  });
});

describe('prompts', () => {
  const file = {
    name: 'support-answer',
    template: 'Answer {{question}} for {{customer}}',
    parameters: { temperature: 0 },
  };

  it('gives the same content the same version and changed content the next', async () => {
    const { registry, database } = openRegistry();
    const first = await registry.publishPrompt(file, 'dev@corp');
    const same = await registry.publishPrompt({ ...file, description: 'reworded description' }, 'dev@corp');
    const changed = await registry.publishPrompt(
      { ...file, template: 'Answer briefly: {{question}}' },
      'dev@corp',
    );
    expect([first.prompt.version, same.prompt.version, changed.prompt.version]).toEqual([1, 1, 2]);
    expect([first.created, same.created, changed.created]).toEqual([true, false, true]);
    expect(first.prompt.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(changed.prompt.sha256).not.toBe(first.prompt.sha256);
    database.close();
  });

  it('moves labels between versions and records every move', async () => {
    const { registry, database } = openRegistry();
    await registry.publishPrompt(file, 'dev@corp');
    await registry.publishPrompt({ ...file, template: 'v2 {{question}}' }, 'dev@corp');
    await registry.moveLabel({ name: 'support-answer', label: 'production', version: 1, actor: 'rm@corp' });
    await registry.moveLabel({ name: 'support-answer', label: 'production', version: 2, actor: 'rm@corp' });
    expect((await registry.getPrompt('support-answer', { label: 'production' })).version).toBe(2);
    expect(
      (await registry.labelHistory('support-answer', 'production')).map((move) => [
        move.fromVersion,
        move.toVersion,
      ]),
    ).toEqual([
      [undefined, 1],
      [1, 2],
    ]);
    await expect(
      registry.moveLabel({ name: 'support-answer', label: 'production', version: 9, actor: 'rm@corp' }),
    ).rejects.toThrow('prompt support-answer has no version 9 (versions 1–2)');
    expect(await registry.listPrompts()).toEqual([
      { name: 'support-answer', latestVersion: 2, versions: 2, labels: { production: 2 } },
    ]);
    database.close();
  });

  it('renders with every missing variable reported at once', async () => {
    const { registry, database } = openRegistry();
    await registry.publishPrompt(file, 'dev@corp');
    await expect(registry.renderPrompt('support-answer', { version: 1 }, {})).rejects.toThrow(
      'support-answer@1 needs {{question}}, {{customer}}',
    );
    const { messages } = await registry.renderPrompt(
      'support-answer',
      {},
      { question: 'refund?', customer: 'Bob' },
    );
    expect(messages).toEqual([{ role: 'user', content: 'Answer refund? for Bob' }]);
    database.close();
  });
});

describe('audit log', () => {
  it('chains every change and names the first entry edited behind its back', async () => {
    const { registry, database } = openRegistry();
    await registry.addModel({ id: model, actor: 'dev@corp' });
    await registry.approveModel(model, { actor: 'ana@corp', role: 'approver', tier: 'low', reason: 'ok' });
    await registry.publishPrompt({ name: 'p', template: 'x', parameters: {} }, 'dev@corp');
    await registry.moveLabel({ name: 'p', label: 'staging', version: 1, actor: 'ana@corp' });
    const verified = await registry.verifyAudit();
    expect(verified).toMatchObject({ ok: true, entries: 4 });

    database.sqlite.prepare("UPDATE audit_log SET actor = 'mallory@corp' WHERE seq = 2").run();
    expect(await registry.verifyAudit()).toMatchObject({
      ok: false,
      seq: 2,
      problem:
        'entry #2 (model.approve openai/gpt-4o-2024-11-20) was altered: its content no longer matches its hash',
    });
    database.close();
  });
});

describe('API tokens', () => {
  it('stores only a hash, authenticates, and can be revoked', async () => {
    const { registry, database } = openRegistry();
    const created = await registry.createToken({
      actor: 'ci@corp',
      role: 'publisher',
      createdBy: 'admin@corp',
    });
    expect(created.token).toMatch(/^alk_[A-Za-z0-9_-]{32}$/);
    const stored = database.sqlite.prepare('SELECT token_hash FROM api_tokens').all() as {
      token_hash: string;
    }[];
    expect(JSON.stringify(stored)).not.toContain(created.token);
    expect(await registry.authenticate(created.token)).toEqual({
      tokenId: created.id,
      actor: 'ci@corp',
      role: 'publisher',
    });
    expect(await registry.authenticate('alk_wrong')).toBeUndefined();
    await registry.revokeToken(created.id, 'admin@corp');
    expect(await registry.authenticate(created.token)).toBeUndefined();
    database.close();
  });
});

describe('rules that must not be skipped', () => {
  it('treats actors case-insensitively, for separation of duties and the two-person rule', async () => {
    const { registry, database } = openRegistry();
    await registry.addModel({ id: model, actor: 'alice@corp' });
    await expect(
      registry.approveModel(model, { actor: ' Alice@Corp ', role: 'approver', tier: 'low', reason: 'x' }),
    ).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await registry.approveModel(model, {
      actor: 'bob@corp',
      role: 'release-manager',
      tier: 'high',
      reason: 'x',
    });
    await expect(
      registry.approveModel(model, { actor: 'BOB@corp', role: 'risk-partner', tier: 'high', reason: 'x' }),
    ).rejects.toMatchObject({
      code: 'CONFLICT',
      message: 'bob@corp already approved openai/gpt-4o-2024-11-20 at high tier',
    });
    expect((await registry.getModel(model)).approvedTiers).toEqual(['low', 'medium']);
    database.close();
  });

  it('does not let a concurrent deprecate bring a retired model back', async () => {
    const { registry, database } = openRegistry();
    await registry.addModel({ id: model, actor: 'dev@corp' });
    const results = await Promise.allSettled([
      registry.retireModel(model, { actor: 'rm@corp', reason: 'gone' }),
      registry.deprecateModel(model, { actor: 'rm@corp', endOfLife: '2027-01-31', reason: 'later' }),
    ]);
    const final = await registry.getModel(model);
    expect(final.retiredAt).toBeDefined();
    expect(final.status).toBe('retired');
    const actions = (await registry.auditLog()).map((entry) => entry.action);
    expect(actions.filter((action) => action === 'model.deprecate').length).toBe(
      results[1].status === 'fulfilled' ? 1 : 0,
    );
    database.close();
  });

  it('answers concurrent identical registrations with "unchanged", not a conflict', async () => {
    const { registry, database } = openRegistry();
    const results = await Promise.all(
      Array.from({ length: 5 }, () => registry.addModel({ id: model, actor: 'dev@corp', description: 'x' })),
    );
    expect(results.filter((result) => result.created)).toHaveLength(1);
    database.close();
  });

  it('lists only usable models for a tier (never retired ones), and refuses impossible dates', async () => {
    const { registry, database } = openRegistry();
    await registry.addModel({ id: model, actor: 'dev@corp' });
    await registry.approveModel(model, { actor: 'ana@corp', role: 'approver', tier: 'low', reason: 'ok' });
    await registry.retireModel(model, { actor: 'rm@corp', reason: 'gone' });
    expect(await registry.listModels({ tier: 'low' })).toEqual([]);
    await registry.addModel({ id: 'openai/gpt-4o-mini-2024-07-18', actor: 'dev@corp' });
    await expect(
      registry.deprecateModel('openai/gpt-4o-mini-2024-07-18', {
        actor: 'rm@corp',
        endOfLife: '2099-02-30',
        reason: 'x',
      }),
    ).rejects.toThrow('end of life "2099-02-30" is not a date');
    database.close();
  });
});

describe('audit verify against the registry state', () => {
  it('fails when a row was written around the registry, even with an intact chain', async () => {
    const { registry, database } = openRegistry();
    await registry.addModel({ id: model, actor: 'dev@corp' });
    database.sqlite
      .prepare(
        "INSERT INTO registry_approvals (subject_kind, subject, tier, actor, role, reason, approved_at) VALUES ('model', ?, 'high', 'ghost@corp', 'risk-partner', 'forged', '2026-01-01')",
      )
      .run(model);
    expect(await registry.verifyAudit()).toEqual({
      ok: false,
      entries: 1,
      problem:
        'the high-tier approval of openai/gpt-4o-2024-11-20 by ghost@corp (risk-partner) is in the registry but not in the audit log: it was written around the registry',
    });
    database.close();
  });

  it('records nothing when a label already points at the version', async () => {
    const { registry, database } = openRegistry();
    await registry.publishPrompt({ name: 'p', template: 'x', parameters: {} }, 'dev@corp');
    await registry.moveLabel({ name: 'p', label: 'production', version: 1, actor: 'rm@corp' });
    await registry.moveLabel({ name: 'p', label: 'production', version: 1, actor: 'rm@corp' });
    expect((await registry.labelHistory('p')).length).toBe(1);
    expect(await registry.verifyAudit()).toMatchObject({ ok: true, entries: 2 });
    database.close();
  });
});
