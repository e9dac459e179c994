// Runs the API on its own (a container's entry point): `node apps/api/src/main.ts`.
// Configuration comes from the environment (see env.ts) and airlock.yaml.
import { loadProjectConfig } from '@airlock/config';
import { createLogger, exitCodeFor, isAirlockError } from '@airlock/core';
import packageJson from '../package.json' with { type: 'json' };
import { EnvError, parseApiEnv } from './env.ts';
import { startServer } from './server.ts';

try {
  const env = parseApiEnv(process.env);
  const logger = createLogger({
    write: (line) => process.stderr.write(line),
    format: env.LOG_FORMAT,
    level: env.LOG_LEVEL,
  });
  const config = loadProjectConfig({
    cwd: process.cwd(),
    ...(env.AIRLOCK_CONFIG === undefined ? {} : { path: env.AIRLOCK_CONFIG }),
  });
  const server = await startServer({
    config,
    port: env.PORT,
    hostname: env.HOST,
    logger,
    version: packageJson.version,
  });
  const shutdown = async () => {
    await server.close();
    process.exit(0);
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
} catch (error) {
  if (isAirlockError(error)) {
    for (const line of error.describe()) process.stderr.write(`error: ${line}\n`);
    process.exit(exitCodeFor(error.code));
  }
  if (error instanceof EnvError) {
    process.stderr.write(`error: ${error.message}\n`);
    process.exit(2);
  }
  process.stderr.write(`internal error: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(70);
}
