import { join } from 'node:path';
import { AirlockError, createLogger, type Logger, silentLogger } from '@airlock/core';
import { openDatabase } from '@airlock/db';
import { temporaryDirectory } from '@airlock/vitest-config/temp-dir';
import { describe, expect, it } from 'vitest';
import { servicesFor } from '../test/services.ts';
import { createApp } from './app.ts';
import { allMigrations, openProjectStore, storeReadiness } from './store.ts';

const storePath = () => join(temporaryDirectory('airlock-api-'), 'airlock.db');

function appWithStore(logger: Logger = silentLogger) {
  const database = openProjectStore(storePath());
  const services = servicesFor(database);
  const app = createApp({ version: '9.9.9', logger, readiness: () => storeReadiness(database), ...services });
  return { app, database, registry: services.registry };
}

describe('API', () => {
  it('answers /healthz with the version and a request id', async () => {
    const { app, database } = appWithStore();
    const response = await app.request('/healthz');
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok', version: '9.9.9' });
    expect(response.headers.get('x-request-id')).toMatch(/^req_[0-9A-Z]{26}$/);
    database.close();
  });

  it('keeps a caller request id that is safe to log, and replaces one that is not', async () => {
    const { app, database } = appWithStore();
    const kept = await app.request('/healthz', { headers: { 'X-Request-Id': 'ci-run-42' } });
    expect(kept.headers.get('x-request-id')).toBe('ci-run-42');
    const replaced = await app.request('/healthz', { headers: { 'X-Request-Id': 'bad id with spaces' } });
    expect(replaced.headers.get('x-request-id')).toMatch(/^req_/);
    database.close();
  });

  it('is ready once the store is migrated, and says why not otherwise', async () => {
    const { app, database } = appWithStore();
    const ready = await app.request('/readyz');
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({
      status: 'ready',
      migrationsApplied: allMigrations.length,
      migrationsPending: [],
    });
    database.close();

    const fresh = openDatabase({ path: storePath() });
    const notMigrated = createApp({
      version: '1',
      logger: silentLogger,
      readiness: () => storeReadiness(fresh),
      ...servicesFor(fresh),
    });
    const response = await notMigrated.request('/readyz');
    expect(response.status).toBe(503);
    expect(await response.json()).toMatchObject({
      status: 'not_ready',
      migrationsPending: allMigrations.map((migration) => migration.id),
    });
    fresh.close();
    const closed = await notMigrated.request('/readyz');
    expect(closed.status).toBe(503);
    expect(await closed.json()).toMatchObject({ reason: expect.stringMatching(/^store unavailable/) });
  });

  it('serves an OpenAPI 3.1 document generated from the routes', async () => {
    const { app, database } = appWithStore();
    const response = await app.request('/openapi.json');
    const document = (await response.json()) as {
      openapi: string;
      info: { version: string };
      paths: Record<string, unknown>;
      components: { schemas: Record<string, unknown> };
    };
    expect(document.openapi).toBe('3.1.0');
    expect(document.info.version).toBe('9.9.9');
    expect(Object.keys(document.paths)).toEqual(expect.arrayContaining(['/healthz', '/readyz']));
    expect(Object.keys(document.components.schemas)).toEqual(expect.arrayContaining(['Health', 'Readiness']));
    database.close();
  });

  it('answers an unknown route with the error body and 404', async () => {
    const { app, database } = appWithStore();
    const response = await app.request('/nothing', { headers: { 'X-Request-Id': 'trace-1' } });
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({
      error: { code: 'NOT_FOUND', message: 'no route GET /nothing', requestId: 'trace-1' },
    });
    database.close();
  });

  it('maps domain errors through the status table and hides bugs behind a 500', async () => {
    const lines: string[] = [];
    const logger = createLogger({ write: (line) => lines.push(line), format: 'json' });
    const app = createApp({
      version: '1',
      logger,
      readiness: () => ({ ready: true, migrationsApplied: 0, migrationsPending: [] }),
      ...servicesFor(openProjectStore(storePath())),
    });
    app.get('/halted', () => {
      throw new AirlockError('HALTED', 'production is halted after 3 rollbacks in 1h');
    });
    app.get('/bug', () => {
      throw new TypeError('cannot read properties of undefined');
    });
    const halted = await app.request('/halted');
    expect(halted.status).toBe(423);
    expect(await halted.json()).toMatchObject({ error: { code: 'HALTED' } });

    const bug = await app.request('/bug');
    expect(bug.status).toBe(500);
    const body = (await bug.json()) as { error: { message: string } };
    expect(body.error.message).not.toContain('undefined');
    const logged = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(logged.find((line) => line.msg === 'unhandled error')).toBeDefined();
    expect(logged.filter((line) => line.msg === 'request').map((line) => line.status)).toEqual([423, 500]);
    expect(logged.find((line) => line.msg === 'request')).toMatchObject({ method: 'GET', path: '/halted' });
  });
});

describe('API method handling', () => {
  it('answers a known path with the wrong method with 405 and Allow', async () => {
    const { app, database } = appWithStore();
    const response = await app.request('/healthz', { method: 'POST' });
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('GET, HEAD');
    expect(await response.json()).toMatchObject({
      error: { code: 'METHOD_NOT_ALLOWED', message: 'POST is not allowed on /healthz (allowed: GET, HEAD)' },
    });
    database.close();
  });

  it('describes the error body in the OpenAPI document', async () => {
    const { app, database } = appWithStore();
    const document = (await (await app.request('/openapi.json')).json()) as {
      components: { schemas: Record<string, { properties?: Record<string, unknown> }> };
    };
    expect(document.components.schemas.ErrorBody?.properties).toHaveProperty('error');
    database.close();
  });
});
