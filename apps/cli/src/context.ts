import { openDeployState, openProjectStore } from '@airlock/api/store';
import { loadProjectConfig, type ProjectConfig } from '@airlock/config';
import {
  createDatasets,
  createLocalCache,
  createS3Remote,
  createSqliteDatasetsStore,
  type Datasets,
} from '@airlock/datasets';
import type { Database } from '@airlock/db';
import type { DeployStateService } from '@airlock/deploy-state';
import { createSqliteEvalRunStore, type EvalRunStore } from '@airlock/evals';
import { createRegistry, createSqliteRegistryStore, type Registry } from '@airlock/registry';
import { createSqlitePredictionStore, type PredictionStore } from '@airlock/rollout';
import type { GlobalOptions } from './global-options.ts';
import { resolveActor } from './identity.ts';
import type { CliIO } from './io.ts';
import type { Output } from './output.ts';

/** What every command gets: where it runs, how to print, and the project's parts, opened on demand. */
export interface CommandContext {
  io: CliIO;
  output: Output;
  globals: GlobalOptions;
  version: string;
  /** airlock.yaml (from --config, else found upward from the working folder, else the defaults). */
  config(): ProjectConfig;
  /** The project's SQLite store, opened and migrated; closed when the command ends. */
  store(): Database;
  /** The registry service over the project's store. */
  registry(): Registry;
  /** The datasets service over the project's store and cache folder. */
  datasets(): Datasets;
  /** Stored eval runs (and their per-case outcomes) in the project's store. */
  evalRuns(): EvalRunStore;
  /** deploy_state.json per environment, in the store airlock.yaml names; changes go to the audit log. */
  deployState(): DeployStateService;
  /** The prediction log in the project's store (what rollout metrics aggregate). */
  predictions(): PredictionStore;
  /** Who is acting: the flag (--actor unless named), AIRLOCK_ACTOR or git user.email; refused when none. */
  actor(flag: unknown, flagName?: string): string;
}

export interface ContextOptions {
  io: CliIO;
  output: Output;
  globals: GlobalOptions;
  version: string;
}

export function createContext(options: ContextOptions): CommandContext & { close(): void } {
  let config: ProjectConfig | undefined;
  let database: Database | undefined;
  const context = {
    ...options,
    config: () => {
      config ??= loadProjectConfig({
        cwd: options.io.cwd,
        ...(options.globals.config === undefined ? {} : { path: options.globals.config }),
      });
      return config;
    },
    store: () => {
      database ??= openProjectStore(context.config().storePath);
      return database;
    },
    registry: () => createRegistry({ store: createSqliteRegistryStore(context.store()) }),
    datasets: () => {
      const config = context.config();
      const cache = createLocalCache(config.cacheDir);
      const remote = config.remote;
      return createDatasets({
        store: createSqliteDatasetsStore(context.store()),
        cache,
        // `pin .` at the project's root would pin the store's database too.
        keepOut: [config.storePath],
        ...(remote
          ? {
              // Credentials come from the AWS environment variables or profile, never from airlock.yaml.
              remote: createS3Remote({
                bucket: remote.bucket,
                prefix: remote.prefix,
                region: remote.region,
                forcePathStyle: remote.forcePathStyle,
                ...(remote.endpoint ? { endpoint: remote.endpoint } : {}),
                localPath: (sha256) => cache.objectPath(sha256),
              }),
            }
          : {}),
      });
    },
    evalRuns: () => createSqliteEvalRunStore(context.store()),
    deployState: () => openDeployState(context.config().deploy, context.registry()),
    predictions: () => createSqlitePredictionStore(context.store()),
    actor: (flag: unknown, flagName?: string) =>
      resolveActor(typeof flag === 'string' ? flag : undefined, options.io.env, options.io.cwd, flagName),
    close: () => database?.close(),
  };
  return context;
}
