import { datasetsMigrations } from '@airlock/datasets';
import {
  applyMigrations,
  type Database,
  type Migration,
  migrationStatus,
  openDatabase,
  readStoreInfo,
  storeMigrations,
} from '@airlock/db';
import { evalsMigrations } from '@airlock/evals';
import { registryMigrations } from '@airlock/registry';
import type { Readiness } from './routes/health.ts';

/**
 * Every package's migrations, in the order they apply. Packages own their tables; this list is
 * the one place that composes them (the CLI uses it too).
 */
export const allMigrations: readonly Migration[] = [
  ...storeMigrations,
  ...registryMigrations,
  ...datasetsMigrations,
  ...evalsMigrations,
];

/** Opens the project's store and brings its schema up to date. */
export function openProjectStore(path: string): Database {
  const database = openDatabase({ path });
  try {
    applyMigrations(database, allMigrations);
    return database;
  } catch (error) {
    database.close();
    throw error;
  }
}

/** The readiness probe: the store answers a query and no migration is pending. */
export function storeReadiness(database: Database): Readiness {
  try {
    const status = migrationStatus(database, allMigrations);
    const info = status.pending.length === 0 ? readStoreInfo(database) : undefined;
    return {
      ready: status.pending.length === 0,
      ...(status.pending.length > 0 ? { reason: `${status.pending.length} migration(s) pending` } : {}),
      ...(info ? { storeId: info.storeId } : {}),
      migrationsApplied: status.applied.length,
      migrationsPending: status.pending,
    };
  } catch (error) {
    return {
      ready: false,
      reason: `store unavailable: ${(error as Error).message}`,
      migrationsApplied: 0,
      migrationsPending: [],
    };
  }
}
