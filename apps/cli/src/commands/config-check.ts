import { relative } from 'node:path';
import { allMigrations } from '@airlock/api/store';
import { providerBaseUrl } from '@airlock/config';
import { formatDuration } from '@airlock/core';
import { migrationStatus, readStoreInfo } from '@airlock/db';
import type { CommandDefinition } from '../command.ts';

export const configCheckCommand: CommandDefinition = {
  words: ['config', 'check'],
  summary: 'validate airlock.yaml and open the store (creating and migrating it if needed)',
  description:
    'Loads the project file (or the embedded defaults when there is none), reports every problem\n' +
    'as file:line:col, then opens the SQLite store and applies pending migrations.',
  options: {},
  positionals: [],
  examples: [
    { command: 'airlock config check', description: 'check the project in this folder' },
    {
      command: 'airlock --config examples/support-bot/airlock.yaml config check --json',
      description: 'as JSON',
    },
  ],
  async run(context) {
    const config = context.config();
    const database = context.store();
    const status = migrationStatus(database, allMigrations);
    const info = readStoreInfo(database);
    const shown = (path: string) => relative(context.io.cwd, path) || path;
    const providers = Object.entries(config.providers).map(([name, provider]) => ({
      name,
      type: provider.type,
      baseUrl: providerBaseUrl(provider, context.io.env) ?? 'https://api.openai.com/v1',
      apiKeyEnv: provider.apiKeyEnv,
      apiKeySet: Boolean(context.io.env[provider.apiKeyEnv]),
    }));
    const remote = config.remote
      ? `s3://${config.remote.bucket}/${config.remote.prefix}${config.remote.endpoint ? ` at ${config.remote.endpoint}` : ''}`
      : 'none (local cache only)';
    const deploy = config.deploy;
    const deployStore = deploy.s3
      ? `s3://${deploy.s3.bucket}/${deploy.s3.prefix}${deploy.s3.endpoint ? ` at ${deploy.s3.endpoint}` : ''}`
      : shown(deploy.dir);
    const { output } = context;
    output.result(
      {
        ok: true,
        config: config.file ?? null,
        store: { path: config.storePath, id: info?.storeId ?? null, migrations: status },
        cacheDir: config.cacheDir,
        remote: config.remote ?? null,
        deploy,
        providers,
      },
      () => [
        `config     ${config.file ? shown(config.file) : `no airlock.yaml here or above; using the embedded defaults (airlock init writes one)`}`,
        `store      ${shown(config.storePath)} (id ${info?.storeId.slice(0, 12) ?? '?'}; schema current: ${status.applied.length} of ${status.applied.length + status.pending.length} migrations)`,
        `cache      ${shown(config.cacheDir)}`,
        `remote     ${remote}`,
        `deploy     ${deployStore} (namespace ${deploy.namespace}; rollback limit ${deploy.rollbackLimit.count} per ${formatDuration(deploy.rollbackLimit.windowMs)})`,
        ...(providers.length === 0
          ? ['providers  none']
          : providers.map(
              (provider, index) =>
                `${index === 0 ? 'providers ' : '          '} ${provider.name}: ${provider.baseUrl} (${provider.apiKeyEnv} ${
                  provider.apiKeySet ? output.green('set') : output.yellow('not set')
                })`,
            )),
        ...(status.unknown.length > 0
          ? [
              output.yellow(
                `warning    the store has migrations this Airlock does not know: ${status.unknown.join(', ')}`,
              ),
            ]
          : []),
        output.green('ok'),
      ],
    );
    return 0;
  },
};
