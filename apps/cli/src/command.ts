import type { CommandContext } from './context.ts';

/** One option of a command, as `node:util` parseArgs takes it, plus what help shows. */
export interface OptionSpec {
  type: 'string' | 'boolean';
  short?: string;
  description: string;
  /** Shown in help as `--port <port>`. */
  valueName?: string;
  default?: string | boolean;
  /** May be given more than once (`--var a=1 --var b=2`); the value is then a list. */
  multiple?: boolean;
}

export interface PositionalSpec {
  name: string;
  description: string;
  required: boolean;
  /** The last positional may take every remaining word (`publish <file…>`). */
  variadic?: boolean;
}

export type OptionValues = Record<string, string | boolean | string[] | undefined>;

/**
 * A CLI command, declared: its words (`config check`), what it does in one line, its options
 * and examples (which `--help` prints), and `run`, which parses nothing and prints through the
 * context. Commands live in `commands/<noun>-<verb>.ts`.
 */
export interface CommandDefinition {
  words: string[];
  summary: string;
  description?: string;
  options: Record<string, OptionSpec>;
  positionals: PositionalSpec[];
  examples: { command: string; description: string }[];
  run(context: CommandContext, options: OptionValues, positionals: string[]): Promise<number>;
}

/** A top-level word and its one-line description in `airlock --help`. */
export interface CommandGroup {
  name: string;
  summary: string;
}
