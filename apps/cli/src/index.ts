/** The CLI as a function (arguments in, exit code out), for tests and embedding. */

/** How commands are declared. */
export type { CommandDefinition, CommandGroup, OptionSpec } from './command.ts';
/** The streams, environment and signals the CLI uses. */
export type { CliIO, OutputStream } from './io.ts';
export { type RunOptions, run } from './run.ts';
