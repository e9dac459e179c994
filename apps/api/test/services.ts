import { join } from 'node:path';
import { createBundledPriceTable } from '@airlock/cost';
import { createDatasets, createLocalCache, createSqliteDatasetsStore } from '@airlock/datasets';
import type { Database } from '@airlock/db';
import { createDeployState, createFileStateStore, defaultRollbackLimit } from '@airlock/deploy-state';
import { createSqliteEvalRunStore } from '@airlock/evals';
import { createRegistry, createSqliteRegistryStore } from '@airlock/registry';
import { createSqlitePredictionStore } from '@airlock/rollout';

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
