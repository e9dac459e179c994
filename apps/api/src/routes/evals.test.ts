import { join } from 'node:path';
import { silentLogger } from '@airlock/core';
import type { EvalRun } from '@airlock/evals';
import { temporaryDirectory } from '@airlock/vitest-config/temp-dir';
import { describe, expect, it } from 'vitest';
import { servicesFor } from '../../test/services.ts';
import { createApp } from '../app.ts';
import { openProjectStore, storeReadiness } from '../store.ts';

function run(id: string, feature: string, startedAt: string): EvalRun {
  return {
    id,
    feature,
    suite: { name: 'smoke', file: 'evals/smoke.yaml', sha256: 'a'.repeat(64), cases: 2 },
    datasets: [{ path: 'datasets/golden.jsonl', sha256: 'b'.repeat(64) }],
    model: 'openai/gpt-4o-2024-11-20',
    prompt: 'support-answer@3',
    parameters: { temperature: 0 },
    provider: 'test',
    options: { concurrency: 8, repeat: 1, tags: [] },
    startedAt,
    finishedAt: startedAt,
    durationMs: 10,
    interrupted: false,
    metrics: {
      cases: 2,
      repeats: 1,
      results: 2,
      passed: 1,
      failed: 1,
      errors: 0,
      passRate: 0.5,
      checkPassRate: 0.5,
      checksPassed: 1,
      checksTotal: 2,
      passAllRepeats: 0.5,
      slices: {},
      tokens: { input: 10, output: 5, cachedInput: 0 },
      cachedResults: 0,
    },
  };
}

describe('eval runs API', () => {
  it('lists runs by feature, newest first, and returns one run with its cases', async () => {
    const database = openProjectStore(join(temporaryDirectory('airlock-api-evals-'), 'airlock.db'));
    const services = servicesFor(database);
    const app = createApp({
      version: '1',
      logger: silentLogger,
      readiness: () => storeReadiness(database),
      ...services,
    });
    const { token } = await services.registry.createToken({
      actor: 'ci@corp',
      role: 'reader',
      createdBy: 'admin@corp',
    });
    const outcomes = [
      { caseId: 'a', passFraction: 1, weight: 1, tags: ['smoke'], errors: 0 },
      {
        caseId: 'b',
        passFraction: 0,
        weight: 1,
        tags: [],
        errors: 0,
        detail: 'contains 30 days: does not contain "30 days"',
      },
    ];
    services.evalRuns.saveRun(run('run_1', 'support-bot', '2026-11-20T10:00:00.000Z'), outcomes);
    services.evalRuns.saveRun(run('run_2', 'support-bot', '2026-11-21T10:00:00.000Z'), outcomes);
    services.evalRuns.saveRun(run('run_3', 'search', '2026-11-22T10:00:00.000Z'), outcomes);
    const get = (path: string, headers: Record<string, string> = {}) =>
      app.request(path, { headers: { Authorization: `Bearer ${token}`, ...headers } });

    const listed = await get('/v1/evals/runs?feature=support-bot');
    expect(listed.status).toBe(200);
    expect(((await listed.json()) as { runs: EvalRun[] }).runs.map((item: EvalRun) => item.id)).toEqual([
      'run_2',
      'run_1',
    ]);
    const cached = await get('/v1/evals/runs?feature=support-bot', {
      'If-None-Match': listed.headers.get('etag') ?? '',
    });
    expect(cached.status).toBe(304);

    const one = await get('/v1/evals/runs/run_1');
    expect(one.status).toBe(200);
    const body = (await one.json()) as { run: EvalRun; cases: unknown[] };
    expect(body.run).toMatchObject({ id: 'run_1', prompt: 'support-answer@3', metrics: { passRate: 0.5 } });
    expect(body.cases[1]).toEqual(outcomes[1]);

    expect((await get('/v1/evals/runs/run_9')).status).toBe(404);
    expect((await get('/v1/evals/runs?limit=0')).status).toBe(400);
    expect((await app.request('/v1/evals/runs')).status).toBe(401);
    database.close();
  });
});
