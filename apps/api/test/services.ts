import { join } from 'node:path';
import { createBundledPriceTable } from '@airlock/cost';
import { createDatasets, createLocalCache, createSqliteDatasetsStore } from '@airlock/datasets';
import type { Database } from '@airlock/db';
import { createSqliteEvalRunStore } from '@airlock/evals';
import { createRegistry, createSqliteRegistryStore } from '@airlock/registry';

/** The domain services createApp takes, over one test store (the cache beside the store file). */
export function servicesFor(database: Database) {
  return {
    prices: createBundledPriceTable(),
    registry: createRegistry({ store: createSqliteRegistryStore(database) }),
    datasets: createDatasets({
      store: createSqliteDatasetsStore(database),
      cache: createLocalCache(join(database.path, '..', 'cache')),
    }),
    evalRuns: createSqliteEvalRunStore(database),
  };
}
