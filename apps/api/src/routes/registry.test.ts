import { writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { silentLogger } from '@airlock/core';
import { type Role, roles } from '@airlock/registry';
import { temporaryDirectory } from '@airlock/vitest-config/temp-dir';
import { serve } from '@hono/node-server';
import { describe, expect, it } from 'vitest';
import { servicesFor } from '../../test/services.ts';
import { createApp } from '../app.ts';
import { openProjectStore, storeReadiness } from '../store.ts';

/** The real app on a real port, with one token per role. */
async function serveApi() {
  const database = openProjectStore(join(temporaryDirectory('airlock-api-registry-'), 'airlock.db'));
  const services = servicesFor(database);
  const { registry } = services;
  const app = createApp({
    version: '1',
    logger: silentLogger,
    readiness: () => storeReadiness(database),
    ...services,
  });
  const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' });
  await new Promise((resolve) => server.once('listening', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const tokens = {} as Record<Role, string>;
  for (const role of roles) {
    tokens[role] = (
      await registry.createToken({ actor: `${role}@corp`, role, createdBy: 'admin@corp' })
    ).token;
  }
  const call = (
    method: string,
    path: string,
    options: { token?: string; body?: unknown; headers?: Record<string, string> } = {},
  ) =>
    fetch(`${url}${path}`, {
      method,
      headers: {
        ...(options.token ? { Authorization: `Bearer ${options.token}` } : {}),
        ...(options.body === undefined ? {} : { 'Content-Type': 'application/json' }),
        ...options.headers,
      },
      ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
    });
  const close = async () => {
    await new Promise((resolve) => server.close(resolve));
    database.close();
  };
  return { registry, datasets: services.datasets, tokens, call, close, url, root: database.path };
}

const model = 'openai/gpt-4o-2024-11-20';

describe('registry API', () => {
  it('enforces roles on every mutating route: 401 without a token, 403 with the wrong role, 2xx with the right one', async () => {
    const api = await serveApi();
    await api.registry.addModel({ id: 'openai/gpt-4o-mini-2024-07-18', actor: 'someone@corp' });
    await api.registry.publishPrompt({ name: 'base', template: 'hi {{x}}', parameters: {} }, 'someone@corp');
    let sequence = 0;
    const routes: { method: string; path: () => string; body: () => unknown; allowed: Role[] }[] = [
      {
        method: 'POST',
        path: () => '/v1/models',
        body: () => ({ id: `openai/gpt-4o-2024-11-${String(10 + sequence++).padStart(2, '0')}` }),
        allowed: ['publisher', 'admin'],
      },
      {
        method: 'POST',
        path: () => '/v1/models/openai/gpt-4o-mini-2024-07-18/approvals',
        body: () => ({ tier: 'low', reason: 'ok' }),
        allowed: ['approver', 'release-manager', 'risk-partner', 'admin'],
      },
      {
        method: 'POST',
        path: () => '/v1/prompts',
        body: () => ({ name: `p${sequence++}`, template: 'Hello {{name}}' }),
        allowed: ['publisher', 'admin'],
      },
      {
        method: 'PUT',
        path: () => '/v1/prompts/base/labels/production',
        body: () => ({ version: 1 }),
        allowed: ['release-manager', 'admin'],
      },
    ];
    for (const route of routes) {
      const anonymous = await api.call(route.method, route.path(), { body: route.body() });
      expect(anonymous.status, `${route.method} ${route.path()} without a token`).toBe(401);
      expect(anonymous.headers.get('www-authenticate')).toContain('Bearer');
      const bogus = await api.call(route.method, route.path(), {
        body: route.body(),
        token: 'alk_not_a_token',
      });
      expect(bogus.status).toBe(401);
      for (const role of roles) {
        const response = await api.call(route.method, route.path(), {
          body: route.body(),
          token: api.tokens[role],
        });
        const label = `${route.method} ${route.path()} as ${role}`;
        if (route.allowed.includes(role)) expect(response.status, label).toBeLessThan(300);
        else {
          expect(response.status, label).toBe(403);
          expect(((await response.json()) as { error: { code: string } }).error.code).toBe('FORBIDDEN');
        }
      }
    }
    await api.close();
  });

  it('enforces separation of duties and the high-tier rule through the API too', async () => {
    const api = await serveApi();
    const created = await api.call('POST', '/v1/models', { token: api.tokens.admin, body: { id: model } });
    expect(created.status).toBe(201);
    const own = await api.call('POST', `/v1/models/${model}/approvals`, {
      token: api.tokens.admin,
      body: { tier: 'high', reason: 'mine' },
    });
    expect(own.status).toBe(403);
    expect(await own.json()).toMatchObject({
      error: { code: 'FORBIDDEN', message: expect.stringContaining('separation of duties') },
    });

    const first = await api.call('POST', `/v1/models/${model}/approvals`, {
      token: api.tokens['release-manager'],
      body: { tier: 'high', reason: 'staging green' },
    });
    expect(await first.json()).toMatchObject({
      tier: { approved: false, missing: ['a risk-partner approval at high tier'] },
    });
    const second = await api.call('POST', `/v1/models/${model}/approvals`, {
      token: api.tokens['risk-partner'],
      body: { tier: 'high', reason: 'deltas ok', evalRunId: 'run_42' },
    });
    expect(await second.json()).toMatchObject({ tier: { approved: true } });

    const floating = await api.call('POST', '/v1/models', {
      token: api.tokens.publisher,
      body: { id: 'openai/gpt-4o' },
    });
    expect(floating.status).toBe(400);
    expect(await floating.json()).toMatchObject({
      error: { message: expect.stringContaining(`pin one of: ${model}`) },
    });

    const approved = await api.call('GET', '/v1/models?status=approved&tier=high', {
      token: api.tokens.reader,
    });
    expect(((await approved.json()) as { models: { id: string }[] }).models.map((item) => item.id)).toEqual([
      model,
    ]);
    const audit = await api.call('GET', `/v1/audit?subject=${encodeURIComponent(model)}`, {
      token: api.tokens.reader,
    });
    expect(((await audit.json()) as { entries: { action: string; actor: string }[] }).entries).toEqual([
      expect.objectContaining({ action: 'model.publish', actor: 'admin@corp' }),
      expect.objectContaining({ action: 'model.approve', actor: 'release-manager@corp' }),
      expect.objectContaining({ action: 'model.approve', actor: 'risk-partner@corp' }),
    ]);
    await api.close();
  });

  it('answers a repeated read carrying its ETag with 304, and a changed resource with 200', async () => {
    const api = await serveApi();
    await api.registry.publishPrompt(
      { name: 'support-answer', template: 'Answer {{q}}', parameters: {} },
      'dev@corp',
    );
    const first = await api.call('GET', '/v1/prompts/support-answer', { token: api.tokens.reader });
    expect(first.status).toBe(200);
    const tag = first.headers.get('etag') ?? '';
    expect(tag).toMatch(/^W?\/?".+"$/);
    const again = await api.call('GET', '/v1/prompts/support-answer', {
      token: api.tokens.reader,
      headers: { 'If-None-Match': tag },
    });
    expect(again.status).toBe(304);
    expect(await again.text()).toBe('');

    await api.registry.moveLabel({
      name: 'support-answer',
      label: 'production',
      version: 1,
      actor: 'rm@corp',
    });
    const changed = await api.call('GET', '/v1/prompts/support-answer', {
      token: api.tokens.reader,
      headers: { 'If-None-Match': tag },
    });
    expect(changed.status).toBe(200);
    expect(((await changed.json()) as { labels: string[] }).labels).toEqual(['production']);

    const byLabel = await api.call('GET', '/v1/prompts/support-answer?label=staging', {
      token: api.tokens.reader,
    });
    expect(byLabel.status).toBe(404);
    await api.close();
  });

  it('rejects a malformed body with every problem, and writes nothing', async () => {
    const api = await serveApi();
    const response = await api.call('POST', '/v1/prompts', {
      token: api.tokens.publisher,
      body: { name: 'Bad Name', messages: [{ role: 'robot', content: '' }] },
    });
    expect(response.status).toBe(400);
    const body = (await response.json()) as { error: { code: string; issues: { path: string }[] } };
    expect(body.error.code).toBe('INVALID_INPUT');
    expect(body.error.issues.map((issue) => issue.path)).toEqual(
      expect.arrayContaining(['name', 'messages.0.role', 'messages.0.content']),
    );
    expect(await api.registry.listPrompts()).toEqual([]);
    await api.close();
  });

  it('documents the registry routes and the bearer scheme in /openapi.json', async () => {
    const api = await serveApi();
    const document = (await (await api.call('GET', '/openapi.json')).json()) as {
      paths: Record<string, object>;
      components: { securitySchemes: Record<string, unknown> };
    };
    expect(Object.keys(document.paths)).toEqual(
      expect.arrayContaining([
        '/v1/models',
        '/v1/models/{provider}/{name}',
        '/v1/models/{provider}/{name}/approvals',
        '/v1/prompts',
        '/v1/prompts/{name}',
        '/v1/prompts/{name}/labels/{label}',
        '/v1/audit',
      ]),
    );
    expect(document.components.securitySchemes.bearerAuth).toMatchObject({ type: 'http', scheme: 'bearer' });
    await api.close();
  });
});

describe('registry API, bad requests', () => {
  it('answers malformed or mistyped bodies with 400 and the error body, never 500', async () => {
    const api = await serveApi();
    const send = (body: string, contentType?: string) =>
      fetch(`${api.url}/v1/models`, {
        method: 'POST',
        headers: {
          Authorization: `Bearer ${api.tokens.publisher}`,
          ...(contentType ? { 'Content-Type': contentType } : {}),
        },
        body,
      });
    // Malformed JSON is 400; a body that is not JSON at all is 415 Unsupported Media Type.
    for (const [body, type, status] of [
      ['{not json', 'application/json', 400],
      ['', 'application/json', 400],
      ['{"id":"openai/gpt-4o-2024-11-20"}', undefined, 415],
      ['id=x', 'text/plain', 415],
    ] as const) {
      const response = await send(body, type);
      expect(response.status, `${type} ${body}`).toBe(status);
      expect(((await response.json()) as { error: { code: string } }).error.code).toBe('INVALID_INPUT');
    }
    const unknownKey = await api.call('POST', '/v1/models', {
      token: api.tokens.publisher,
      body: { id: 'openai/gpt-4o-2024-11-20', context_window: 128000 },
    });
    expect(unknownKey.status).toBe(400);
    expect(await api.registry.listModels()).toEqual([]);
    const both = await api.call('GET', '/v1/prompts/x?version=1&label=production', {
      token: api.tokens.reader,
    });
    expect(both.status).toBe(400);
    await api.close();
  });
});

describe('datasets API', () => {
  it('lists pinned datasets and their versions', async () => {
    const api = await serveApi();
    const folder = join(api.root, '..');
    writeFileSync(join(folder, 'golden.jsonl'), '{"a":1}\n');
    await api.datasets.pin(join(folder, 'golden.jsonl'), { actor: 'dev@corp' });
    writeFileSync(join(folder, 'golden.jsonl'), '{"a":1}\n{"a":2}\n');
    const second = await api.datasets.pin(join(folder, 'golden.jsonl'), { actor: 'dev@corp' });
    const list = await api.call('GET', '/v1/datasets', { token: api.tokens.reader });
    expect(await list.json()).toEqual({
      datasets: [
        {
          name: 'golden',
          versions: 2,
          latest: expect.objectContaining({ sha256: second.pin.sha256, rows: 2 }),
        },
      ],
    });
    const versions = await api.call('GET', '/v1/datasets/golden/versions', { token: api.tokens.reader });
    expect(((await versions.json()) as { versions: unknown[] }).versions).toHaveLength(2);
    expect(
      (await api.call('GET', '/v1/datasets/nothing/versions', { token: api.tokens.reader })).status,
    ).toBe(404);
    expect((await api.call('GET', '/v1/datasets')).status).toBe(401);
    await api.close();
  });
});

describe('cost API', () => {
  it('serves a model’s price and a monthly estimate with date and source; unknown models are 404', async () => {
    const api = await serveApi();
    const price = await api.call('GET', '/v1/models/openai/gpt-4o-2024-11-20/price', {
      token: api.tokens.reader,
    });
    expect(await price.json()).toMatchObject({
      id: 'openai/gpt-4o-2024-11-20',
      prices: { input: 2.5, output: 10 },
    });
    const estimate = await api.call('POST', '/v1/cost/estimate', {
      token: api.tokens.reader,
      body: {
        model: 'openai/gpt-4o-2024-11-20',
        monthlyRequests: 1_000_000,
        inputTokens: 500,
        outputTokens: 150,
      },
    });
    expect(await estimate.json()).toMatchObject({
      totalMonthlyCost: 2750,
      costPerRequest: 0.00275,
      priceSource: expect.stringContaining('genai-prices'),
    });
    const unknown = await api.call('GET', '/v1/models/openai/gpt-4o-2024-11-21/price', {
      token: api.tokens.reader,
    });
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({
      error: { code: 'NOT_FOUND', message: expect.stringContaining('close ids') },
    });
    await api.close();
  });
});
