import packageJson from '../package.json' with { type: 'json' };
import { run } from './run.ts';

/** The process edge: real streams, environment and signals in; the exit code out. */
export async function main(): Promise<void> {
  const code = await run(
    process.argv.slice(2),
    {
      stdout: process.stdout,
      stderr: process.stderr,
      env: process.env,
      cwd: process.cwd(),
      waitForShutdown: () =>
        new Promise((resolve) => {
          process.once('SIGINT', () => resolve());
          process.once('SIGTERM', () => resolve());
        }),
    },
    { version: packageJson.version },
  );
  process.exitCode = code;
}
