// The composition root: the one place that turns configuration into real parts (the SQLite
// store, the logger) and serves createApp over HTTP. `airlock serve` and `node src/main.ts` both
// come through here.
import type { AddressInfo } from 'node:net';
import type { ProjectConfig } from '@airlock/config';
import { AirlockError, type Logger } from '@airlock/core';
import { loadPriceTable } from '@airlock/cost';
import { createDatasets, createLocalCache, createSqliteDatasetsStore } from '@airlock/datasets';
import { createSqliteEvalRunStore } from '@airlock/evals';
import { createRegistry, createSqliteRegistryStore } from '@airlock/registry';
import { createSqlitePredictionStore } from '@airlock/rollout';
import { serve } from '@hono/node-server';
import { createApp } from './app.ts';
import { openDeployState, openProjectStore, storeReadiness } from './store.ts';

export interface StartServerOptions {
  config: ProjectConfig;
  port: number;
  hostname: string;
  logger: Logger;
  version: string;
}

export interface RunningServer {
  /** `http://host:port` as actually bound (port 0 becomes the chosen port). */
  url: string;
  port: number;
  /** Stops accepting, finishes in-flight requests, closes the store. */
  close(): Promise<void>;
}

export async function startServer(options: StartServerOptions): Promise<RunningServer> {
  const database = openProjectStore(options.config.storePath);
  const registry = createRegistry({ store: createSqliteRegistryStore(database) });
  const app = createApp({
    version: options.version,
    logger: options.logger,
    readiness: () => storeReadiness(database),
    registry,
    prices: loadPriceTable(
      options.config.priceOverrides === undefined ? {} : { overridesFile: options.config.priceOverrides },
    ),
    datasets: createDatasets({
      store: createSqliteDatasetsStore(database),
      cache: createLocalCache(options.config.cacheDir),
    }),
    evalRuns: createSqliteEvalRunStore(database),
    predictions: {
      store: createSqlitePredictionStore(database),
      keepInputs: options.config.predictions.keepInputs,
    },
    deployments: {
      deployState: openDeployState(options.config.deploy, registry),
      namespace: options.config.deploy.namespace,
      rollbackLimit: options.config.deploy.rollbackLimit,
    },
  });
  try {
    const server = await new Promise<ReturnType<typeof serve>>((resolve, reject) => {
      const instance = serve({ fetch: app.fetch, port: options.port, hostname: options.hostname }, () =>
        resolve(instance),
      );
      instance.once('error', (error: NodeJS.ErrnoException) =>
        reject(
          error.code === 'EADDRINUSE' || error.code === 'EACCES'
            ? new AirlockError(
                'CONFLICT',
                `cannot listen on ${options.hostname}:${options.port}: ${error.code === 'EADDRINUSE' ? 'the port is in use' : 'permission denied'}`,
                { cause: error },
              )
            : error,
        ),
      );
    });
    const { port } = server.address() as AddressInfo;
    const host = options.hostname.includes(':') ? `[${options.hostname}]` : options.hostname;
    const url = `http://${host}:${port}`;
    options.logger.info('listening', { url, store: options.config.storePath });
    return {
      url,
      port,
      close: async () => {
        await new Promise<void>((resolve) => server.close(() => resolve()));
        database.close();
      },
    };
  } catch (error) {
    database.close();
    throw error;
  }
}
