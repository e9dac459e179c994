import { loadProjectConfig } from '@airlock/config';
import { silentLogger } from '@airlock/core';
import { temporaryDirectory } from '@airlock/vitest-config/temp-dir';
import { describe, expect, it } from 'vitest';
import { startServer } from './server.ts';

describe('server', () => {
  it('serves the app over HTTP on a free port and closes cleanly', async () => {
    const config = loadProjectConfig({ cwd: temporaryDirectory('airlock-server-') });
    const server = await startServer({
      config,
      port: 0,
      hostname: '127.0.0.1',
      logger: silentLogger,
      version: '1.2.3',
    });
    const health = await fetch(`${server.url}/healthz`);
    expect(await health.json()).toEqual({ status: 'ok', version: '1.2.3' });
    const ready = await fetch(`${server.url}/readyz`);
    expect(ready.status).toBe(200);

    await expect(
      startServer({ config, port: server.port, hostname: '127.0.0.1', logger: silentLogger, version: '1' }),
    ).rejects.toMatchObject({ code: 'CONFLICT', message: expect.stringContaining('the port is in use') });

    await server.close();
    await expect(fetch(`${server.url}/healthz`)).rejects.toThrow();
  });
});
