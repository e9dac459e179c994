import { describe, expect, it } from 'vitest';
import { appWithTokens } from '../../test/services.ts';

const key = { namespace: 'default', environment: 'production' };
const commitOf = (n: number) => `${n}`.repeat(40);
const build = (n: number) => ({
  release: {
    id: `gpt-4o/2024-11-20/v${n}`,
    digest: `${n}`.repeat(64),
    feature: 'support-bot',
    model: 'openai/gpt-4o-2024-11-20',
    fallbackModel: 'openai/gpt-4o-mini-2024-07-18',
    prompt: { name: 'support-answer', version: n, sha256: 'a'.repeat(64) },
  },
  commit: commitOf(n),
  image: `ghcr.io/org/bot:${commitOf(n).slice(0, 12)}`,
  actor: 'ci@corp',
});

async function setup() {
  const { app, services, reader, deployer } = await appWithTokens('airlock-api-deploy-');
  const deployState = services.deployments.deployState;
  await deployState.record(key, { ...build(1), init: true });
  await deployState.markGood(key, { actor: 'ci@corp' });
  await deployState.record(key, build(2));
  return { app, services, reader, deployer };
}

const errorOf = async (response: Response) =>
  (await response.json()) as { error: { code: string; message: string } };
const auth = (token: string) => ({ Authorization: `Bearer ${token}` });

describe('deployments API', () => {
  it('tells other services what a feature runs, and an environment what it would roll back to', async () => {
    const { app, reader } = await setup();
    const release = await app.request('/v1/features/support-bot/release?env=production', {
      headers: auth(reader),
    });
    expect(release.status).toBe(200);
    expect(await release.json()).toMatchObject({
      feature: 'support-bot',
      environment: 'production',
      release: {
        model: 'openai/gpt-4o-2024-11-20',
        fallbackModel: 'openai/gpt-4o-mini-2024-07-18',
        prompt: { name: 'support-answer', version: 2 },
      },
      image: build(2).image,
      outcome: 'deployed',
      halted: false,
    });
    const other = await app.request('/v1/features/billing-bot/release?env=production', {
      headers: auth(reader),
    });
    expect(other.status).toBe(404);
    expect((await errorOf(other)).error.message).toMatch(/runs support-bot, not billing-bot/);

    const environment = await app.request('/v1/deployments/production', { headers: auth(reader) });
    expect(await environment.json()).toMatchObject({
      current: { seq: 2 },
      knownGood: { seq: 1 },
      halt: null,
      rollbacksInWindow: 0,
      rollbackLimit: { count: 2, windowMs: 3_600_000 },
    });
    const missing = await app.request('/v1/deployments/staging', { headers: auth(reader) });
    expect(missing.status).toBe(404);
    expect((await errorOf(missing)).error.code).toBe('STATE_MISSING');
  });

  it('claims a rollback, answers the image to deploy, and records what the caller reports', async () => {
    const { app, deployer } = await setup();
    const post = (path: string, payload: unknown) =>
      app.request(path, {
        method: 'POST',
        headers: { ...auth(deployer), 'Content-Type': 'application/json' },
        body: JSON.stringify(payload),
      });
    const claimed = await post('/v1/deployments/production/rollback', { reason: 'gate failed' });
    expect(claimed.status).toBe(202);
    const { claim, report } = (await claimed.json()) as {
      claim: { id: string; to: { image: string } };
      report: string;
    };
    expect(claim.to.image).toBe(build(1).image);
    // Until the caller reports, nothing says the target runs, and nobody else can roll back.
    const environment = (await (
      await app.request('/v1/deployments/production', { headers: auth(deployer) })
    ).json()) as {
      current: { seq: number };
    };
    expect(environment.current.seq).toBe(2);
    expect((await post('/v1/deployments/production/rollback', { reason: 'me too' })).status).toBe(409);
    const failed = await post(report, { ok: false, detail: 'argo sync failed' });
    expect(await failed.json()).toMatchObject({
      rollback: { status: 'failed', detail: 'argo sync failed' },
      current: { seq: 2 },
    });
    expect((await post(report, { ok: true })).status).toBe(409);
    const again = (await (await post('/v1/deployments/production/rollback', { reason: 'retry' })).json()) as {
      report: string;
    };
    const done = await post(again.report, { ok: true });
    expect(await done.json()).toMatchObject({
      rollback: { status: 'done' },
      current: { release: { id: 'gpt-4o/2024-11-20/v1' } },
    });
  });

  it('the report URL of a claim in another namespace leads back to it', async () => {
    const { app, deployer, services } = await setup();
    const team = { namespace: 'team', environment: 'production' };
    await services.deployments.deployState.record(team, { ...build(1), init: true });
    await services.deployments.deployState.markGood(team, { actor: 'ci@corp' });
    await services.deployments.deployState.record(team, build(2));
    const post = (path: string, payload: unknown) =>
      app.request(path, {
        method: 'POST',
        headers: { ...auth(deployer), 'Content-Type': 'application/json' },
        body: JSON.stringify(payload),
      });
    const claimed = (await (
      await post('/v1/deployments/production/rollback', { reason: 'x', namespace: 'team' })
    ).json()) as {
      report: string;
    };
    expect(claimed.report).toMatch(/\?namespace=team$/);
    expect(await (await post(claimed.report, { ok: true })).json()).toMatchObject({
      rollback: { status: 'done' },
    });
  });

  it('rolls back for a deployer only, records who, and answers 423 once halted', async () => {
    const { app, reader, deployer, services } = await setup();
    const body = (reason: string, extra: Record<string, unknown> = { deployed: true }) => ({
      method: 'POST',
      headers: { ...auth(deployer), 'Content-Type': 'application/json' },
      body: JSON.stringify({ reason, ...extra }),
    });
    const forbidden = await app.request('/v1/deployments/production/rollback', {
      ...body('gate failed'),
      headers: { ...auth(reader), 'Content-Type': 'application/json' },
    });
    expect(forbidden.status).toBe(403);
    const done = await app.request('/v1/deployments/production/rollback', body('gate failed'));
    expect(done.status).toBe(200);
    expect(await done.json()).toMatchObject({
      rollback: { status: 'done', by: 'deployer@corp', from: { seq: 2 }, to: { seq: 1 } },
      current: { seq: 3, release: { id: 'gpt-4o/2024-11-20/v1' } },
    });
    // Nothing known-good is left to return to.
    const nothing = await app.request('/v1/deployments/production/rollback', body('again'));
    expect(nothing.status).toBe(412);

    await services.deployments.deployState.record(key, build(3));
    await services.deployments.deployState.markGood(key, { actor: 'ci@corp' });
    await services.deployments.deployState.record(key, build(4));
    expect((await app.request('/v1/deployments/production/rollback', body('two'))).status).toBe(200);
    const halted = await app.request('/v1/deployments/production/rollback', body('three'));
    expect(halted.status).toBe(423);
    expect((await errorOf(halted)).error.code).toBe('HALTED');
    const audit = await services.registry.auditLog({
      subject: 'default/production',
      action: 'deploy.rollback',
    });
    expect(audit.map((entry) => entry.actor)).toEqual(['deployer@corp', 'deployer@corp']);
  });
});
