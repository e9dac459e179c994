import { join } from 'node:path';
import { silentLogger } from '@airlock/core';
import { createBundledPriceTable } from '@airlock/cost';
import { createDatasets, createLocalCache, createSqliteDatasetsStore } from '@airlock/datasets';
import type { Database } from '@airlock/db';
import { createDeployState, createFileStateStore, defaultRollbackLimit } from '@airlock/deploy-state';
import { createSqliteEvalRunStore } from '@airlock/evals';
import { createRegistry, createSqliteRegistryStore } from '@airlock/registry';
import { createSqlitePredictionStore } from '@airlock/rollout';
import { temporaryDirectory } from '@airlock/vitest-config/temp-dir';
import { createApp } from '../src/app.ts';
import { openProjectStore, storeReadiness } from '../src/store.ts';

/** The domain services createApp takes, over one test store (the cache beside the store file). */
export function servicesFor(database: Database) {
  const registry = createRegistry({ store: createSqliteRegistryStore(database) });
  return {
    prices: createBundledPriceTable(),
    registry,
    datasets: createDatasets({
      store: createSqliteDatasetsStore(database),
      cache: createLocalCache(join(database.path, '..', 'cache')),
    }),
    evalRuns: createSqliteEvalRunStore(database),
    predictions: { store: createSqlitePredictionStore(database), keepInputs: false },
    deployments: {
      deployState: createDeployState({
        store: createFileStateStore({ root: join(database.path, '..', 'deploy') }),
        onEvent: async (event) => {
          await registry.record(event);
        },
      }),
      namespace: 'default',
      rollbackLimit: defaultRollbackLimit,
    },
  };
}

/**
 * The app over a fresh store in a temporary folder, with a reader and a deployer token (actors
 * `reader@corp`, `deployer@corp`), for route tests.
 */
export async function appWithTokens(prefix: string) {
  const database = openProjectStore(join(temporaryDirectory(prefix), 'airlock.db'));
  const services = servicesFor(database);
  const app = createApp({
    version: '1',
    logger: silentLogger,
    readiness: () => storeReadiness(database),
    ...services,
  });
  const token = async (role: 'reader' | 'deployer') =>
    (await services.registry.createToken({ actor: `${role}@corp`, role, createdBy: 'admin@corp' })).token;
  return { app, services, database, reader: await token('reader'), deployer: await token('deployer') };
}
