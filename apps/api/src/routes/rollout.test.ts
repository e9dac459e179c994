import { createHash } from 'node:crypto';
import { aggregatePredictions, createSqlitePredictionStore, inRollout } from '@airlock/rollout';
import { describe, expect, it } from 'vitest';
import { appWithTokens } from '../../test/services.ts';

const setup = () => appWithTokens('airlock-api-rollout-');

const post = (token: string, body: unknown) => ({
  method: 'POST',
  headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
  body: JSON.stringify(body),
});

describe('prediction log over HTTP', () => {
  it('posted predictions aggregate to the p95 and error rate computed by hand; re-posting counts nothing twice', async () => {
    const { app, database, deployer, reader } = await setup();
    // 20 requests at 100, 200, … 2000 ms; requests 5, 10 and 15 failed.
    const predictions = Array.from({ length: 20 }, (_, i) => ({
      feature: 'support-bot',
      release: 'gpt-4o/2024-11-20/v3',
      model: 'openai/gpt-4o-2024-11-20',
      promptVersion: 'support-answer@3',
      requestId: `req-${i + 1}`,
      input: `question ${i + 1}`,
      at: new Date(Date.parse('2026-11-01T10:00:00Z') + i * 1000).toISOString(),
      latencyMs: (i + 1) * 100,
      status: (i + 1) % 5 === 0 && i + 1 < 20 ? 'error' : 'ok',
      costUsd: 0.002,
      scores: { groundedness: 0.9 },
    }));
    expect((await app.request('/v1/predictions', post(reader, { predictions }))).status).toBe(403);
    const first = await app.request('/v1/predictions', post(deployer, { predictions }));
    expect(first.status).toBe(200);
    expect(await first.json()).toEqual({ inserted: 20, duplicates: 0, feedbackAdded: 0 });
    expect(await (await app.request('/v1/predictions', post(deployer, { predictions }))).json()).toEqual({
      inserted: 0,
      duplicates: 20,
      feedbackAdded: 0,
    });
    // Feedback arrives later: posting the request id again with it adds it, once.
    const late = { ...predictions[0], feedback: 'negative' };
    expect(
      await (await app.request('/v1/predictions', post(deployer, { predictions: [late] }))).json(),
    ).toEqual({
      inserted: 0,
      duplicates: 1,
      feedbackAdded: 1,
    });

    const store = createSqlitePredictionStore(database);
    const window = [
      ...store.window('support-bot', new Date('2026-11-01T10:00:00Z'), new Date('2026-11-01T11:00:00Z')),
    ];
    expect(window).toHaveLength(20);
    // The raw input is never kept by default: only its SHA-256.
    expect(window[0]).not.toHaveProperty('input');
    expect(window[0]?.inputSha256).toBe(createHash('sha256').update('question 1').digest('hex'));
    const metrics = aggregatePredictions(window, {
      feature: 'support-bot',
      release: 'gpt-4o/2024-11-20/v3',
      from: new Date('2026-11-01T10:00:00Z'),
      to: new Date('2026-11-01T11:00:00Z'),
    });
    // p95 by hand: position (20 − 1) × 0.95 = 18.05 → 1900 + 0.05 × (2000 − 1900) = 1905 ms.
    expect(metrics.canary.latencyMs?.p95).toBeCloseTo(1905, 9);
    // p50: position 9.5 → 1000 + 0.5 × 100 = 1050 ms.
    expect(metrics.canary.latencyMs?.p50).toBeCloseTo(1050, 9);
    expect(metrics.canary.errors / metrics.canary.requests).toBe(3 / 20);
    expect(metrics.canary.cost).toEqual({ calls: 20, totalUsd: expect.closeTo(0.04, 12) });
    expect(metrics.canary.feedback).toEqual({ negative: 1, total: 1 });
  });

  it('refuses a malformed prediction, listing the problem, and logs nothing', async () => {
    const { app, deployer, database } = await setup();
    const response = await app.request(
      '/v1/predictions',
      post(deployer, {
        predictions: [
          { feature: 'x', release: 'r', model: 'm', requestId: '1', latencyMs: -5, status: 'fine' },
        ],
      }),
    );
    expect(response.status).toBe(400);
    const body = (await response.json()) as { error: { issues: { path: string }[] } };
    expect(body.error.issues.map((issue) => issue.path)).toEqual([
      'predictions.0.latencyMs',
      'predictions.0.status',
    ]);
    const future = await app.request(
      '/v1/predictions',
      post(deployer, {
        predictions: [
          {
            feature: 'x',
            release: 'r',
            model: 'm',
            requestId: '2',
            latencyMs: 5,
            status: 'ok',
            at: '2099-01-01T00:00:00Z',
          },
        ],
      }),
    );
    expect(future.status).toBe(400);
    expect(((await future.json()) as { error: { message: string } }).error.message).toMatch(
      /in the future; check the client's clock/,
    );
    const store = createSqlitePredictionStore(database);
    expect([...store.window('x', new Date(0), new Date('2100-01-01'))]).toEqual([]);
  });
});

describe('routing a unit', () => {
  it('sends the rollout share to the canary and the rest to the stable release, with Cache-Control', async () => {
    const { app, services, reader } = await setup();
    const deploy = services.deployments.deployState;
    const key = { namespace: 'default', environment: 'production' };
    const release = (n: number) => ({
      release: {
        id: `gpt-4o/2024-11-20/v${n}`,
        digest: `${n}`.repeat(64),
        feature: 'support-bot',
        model: 'openai/gpt-4o-2024-11-20',
        prompt: { name: 'support-answer', version: n, sha256: 'a'.repeat(64) },
      },
      commit: `${n}`.repeat(40),
      image: `ghcr.io/org/bot:${`${n}`.repeat(12)}`,
      actor: 'ci@corp',
    });
    await deploy.record(key, { ...release(1), init: true });
    await deploy.markGood(key, { actor: 'ci@corp' });
    await deploy.record(key, release(2));
    await deploy.setRolloutStage(key, {
      actor: 'ci@corp',
      policy: 'p.yaml',
      stage: 2,
      trafficPct: 10,
      emergency: false,
    });
    const arms = { canary: 0, stable: 0 };
    for (let i = 0; i < 200; i++) {
      const response = await app.request(`/v1/features/support-bot/route?unit=user-${i}&env=production`, {
        headers: { Authorization: `Bearer ${reader}` },
      });
      expect(response.headers.get('Cache-Control')).toBe('private, max-age=30');
      const body = (await response.json()) as {
        arm: 'canary' | 'stable';
        release: string;
        promptVersion: string;
      };
      arms[body.arm]++;
      expect(body.arm).toBe(inRollout('support-bot', `user-${i}`, 10) ? 'canary' : 'stable');
      expect(body.release).toBe(body.arm === 'canary' ? 'gpt-4o/2024-11-20/v2' : 'gpt-4o/2024-11-20/v1');
      expect(body.promptVersion).toBe(body.arm === 'canary' ? 'support-answer@2' : 'support-answer@1');
    }
    expect(arms.canary).toBeGreaterThan(5);
    expect(arms.stable).toBeGreaterThan(150);
  });
});
