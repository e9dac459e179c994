import packageJson from '../package.json' with { type: 'json' };
import { run } from './run.ts';

let shutdown: Promise<void> | undefined;

/** The process edge: real streams, environment and signals in; the exit code out. */
export async function main(): Promise<void> {
  // `airlock … | head` closes the pipe early: that is the reader's choice, not an error to report.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
      throw error;
    });
  }
  const code = await run(
    process.argv.slice(2),
    {
      stdout: process.stdout,
      stderr: process.stderr,
      env: process.env,
      cwd: process.cwd(),
      // One promise for the process: once Ctrl-C (or SIGTERM) came, everything that asks later is
      // told at once — a gate's next suite does not wait for a second signal.
      waitForShutdown: () =>
        (shutdown ??= new Promise((resolve) => {
          process.once('SIGINT', () => resolve());
          process.once('SIGTERM', () => resolve());
        })),
    },
    { version: packageJson.version },
  );
  process.exitCode = code;
}
