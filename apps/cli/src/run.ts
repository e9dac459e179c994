import { AirlockError, exitCodeFor, exitCodes, isAirlockError } from '@airlock/core';
import { commandWords, findCommand, parseCommandArgs, parseGlobalsOnly } from './args.ts';
import type { CommandDefinition } from './command.ts';
import { commands, groups } from './commands/index.ts';
import { createContext } from './context.ts';
import { commandHelp, groupHelp, rootHelp } from './help.ts';
import type { CliIO } from './io.ts';
import { createOutput } from './output.ts';

export interface RunOptions {
  version: string;
  /** Defaults to every Airlock command; tests may pass their own. */
  commands?: readonly CommandDefinition[];
}

function closestWord(word: string, candidates: readonly string[]): string | undefined {
  const distance = (a: string, b: string): number => {
    const row = Array.from({ length: b.length + 1 }, (_, index) => index);
    for (let i = 1; i <= a.length; i++) {
      let previous = row[0] ?? 0;
      row[0] = i;
      for (let j = 1; j <= b.length; j++) {
        const current = row[j] ?? 0;
        row[j] = Math.min(
          (row[j] ?? 0) + 1,
          (row[j - 1] ?? 0) + 1,
          previous + (a[i - 1] === b[j - 1] ? 0 : 1),
        );
        previous = current;
      }
    }
    return row[b.length] ?? 0;
  };
  const ranked = candidates.map((candidate) => [candidate, distance(word, candidate)] as const);
  const [best] = ranked.sort((a, b) => a[1] - b[1]);
  return best && best[1] <= 2 ? best[0] : undefined;
}

/**
 * The whole CLI as a function: arguments in, exit code out, every byte written through `io`.
 * Expected failures become `error: …` lines (or a JSON error) and their exit code; anything
 * else is a bug and says so, with the stack only under AIRLOCK_DEBUG=1.
 */
export async function run(argv: readonly string[], io: CliIO, options: RunOptions): Promise<number> {
  const available = options.commands ?? commands;
  const early = parseGlobalsOnly(argv);
  const output = createOutput(io, { json: early.json, noColor: early.noColor });
  const debug = io.env.AIRLOCK_DEBUG === '1';
  try {
    const words = commandWords(argv);
    const command = findCommand(available, words);
    if (!command) {
      if (early.version && words.length === 0) {
        output.result({ version: options.version, node: process.version }, () => [
          `airlock ${options.version} (node ${process.version})`,
        ]);
        return exitCodes.ok;
      }
      const first = words[0];
      const group = groups.find((candidate) => candidate.name === first);
      if (first === undefined || first === 'help') {
        output.result({ commands: available.map((item) => item.words.join(' ')) }, () =>
          rootHelp(output, groups),
        );
        return first === undefined && !early.help ? exitCodes.usage : exitCodes.ok;
      }
      if (group) {
        const members = available.filter((item) => item.words[0] === group.name);
        output.result({ commands: members.map((item) => item.words.join(' ')) }, () =>
          groupHelp(output, group, members),
        );
        return early.help ? exitCodes.ok : exitCodes.usage;
      }
      const suggestion = closestWord(
        first,
        groups.map((candidate) => candidate.name),
      );
      throw new AirlockError(
        'INVALID_INPUT',
        `unknown command "${first}"${suggestion ? `; did you mean "${suggestion}"?` : ''} (see airlock --help)`,
      );
    }
    const parsed = parseCommandArgs(command, argv);
    if (parsed.globals.help) {
      output.result({ command: command.words.join(' ') }, () => commandHelp(output, command));
      return exitCodes.ok;
    }
    const context = createContext({ io, output, globals: parsed.globals, version: options.version });
    try {
      return await command.run(context, parsed.options, parsed.positionals);
    } finally {
      context.close();
    }
  } catch (error) {
    output.failure(error, debug);
    return isAirlockError(error) ? exitCodeFor(error.code) : exitCodes.internal;
  }
}
