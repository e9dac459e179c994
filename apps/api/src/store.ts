import type { DeployConfig, S3Remote } from '@airlock/config';
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
import {
  createDeployState,
  createFileStateStore,
  createS3Client,
  createS3StateStore,
  type DeployStateService,
} from '@airlock/deploy-state';
import { evalsMigrations } from '@airlock/evals';
import { type Registry, registryMigrations } from '@airlock/registry';
import { rolloutMigrations } from '@airlock/rollout';
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
  ...rolloutMigrations,
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

/** An S3 client for a configured bucket; credentials come from the AWS chain, never from airlock.yaml. */
export function s3ClientFor(s3: S3Remote): ReturnType<typeof createS3Client> {
  return createS3Client({
    region: s3.region,
    forcePathStyle: s3.forcePathStyle,
    ...(s3.endpoint ? { endpoint: s3.endpoint } : {}),
  });
}

/**
 * The deploy-state service airlock.yaml describes: the local file store, or S3 when `deploy.s3` is
 * set. Every change is appended to the registry's audit log. The API and the CLI both use this.
 */
export function openDeployState(deploy: DeployConfig, registry: Registry): DeployStateService {
  const s3 = deploy.s3;
  const store = s3
    ? createS3StateStore({
        client: s3ClientFor(s3),
        bucket: s3.bucket,
        prefix: s3.prefix,
        acceptUnenforcedConditionalWrites: s3.acceptUnenforcedConditionalWrites,
      })
    : createFileStateStore({ root: deploy.dir });
  return createDeployState({
    store,
    maxAgeMs: deploy.maxAgeMs,
    rollbackLimit: deploy.rollbackLimit,
    onEvent: async (event) => {
      await registry.record(event);
    },
  });
}
