import { AirlockError, editDistance, exitCodeFor, exitCodes, isAirlockError } from '@airlock/core';
import { commandWords, findCommand, parseCommandArgs, parseGlobalsOnly, parseGlobalsStrict } from './args.ts';
import type { CommandDefinition, CommandGroup } from './command.ts';
import { commands, groups } from './commands/index.ts';
import { createContext } from './context.ts';
import { commandHelp, groupHelp, rootHelp } from './help.ts';
import type { CliIO } from './io.ts';
import { createOutput, type Output } from './output.ts';

export interface RunOptions {
  version: string;
  /** Defaults to every Airlock command; tests may pass their own. */
  commands?: readonly CommandDefinition[];
}

function closestWord(word: string, candidates: readonly string[]): string | undefined {
  const ranked = candidates
    .map((candidate) => ({ candidate, distance: editDistance(word, candidate) }))
    .sort((a, b) => a.distance - b.distance);
  const best = ranked[0];
  return best && best.distance <= 2 ? best.candidate : undefined;
}

function showRoot(output: Output, available: readonly CommandDefinition[]): void {
  output.result({ commands: available.map((item) => item.words.join(' ')) }, () => rootHelp(output, groups));
}

/** The commands under some leading words (`registry`, `registry model`). */
function commandsUnder(
  words: readonly string[],
  available: readonly CommandDefinition[],
): CommandDefinition[] {
  return available.filter(
    (item) => item.words.length > words.length && words.every((word, index) => item.words[index] === word),
  );
}

function showGroup(output: Output, words: readonly string[], available: readonly CommandDefinition[]): void {
  const group: CommandGroup = {
    name: words.join(' '),
    summary: groups.find((candidate) => candidate.name === words[0])?.summary ?? '',
  };
  const members = commandsUnder(words, available);
  output.result({ commands: members.map((item) => item.words.join(' ')) }, () =>
    groupHelp(output, group, members),
  );
}

/** No command matched: `airlock`, `airlock --version`, `airlock help …`, a group's name, or a typo. */
function helpOrUnknown(
  words: readonly string[],
  argv: readonly string[],
  output: Output,
  available: readonly CommandDefinition[],
  version: string,
): number {
  const [first] = words;
  // Strict only where no command was meant: `deploy stats --env x` is an unknown command, not an
  // unknown --env.
  const globals = first === undefined || first === 'help' ? parseGlobalsStrict(argv) : parseGlobalsOnly(argv);
  if (first === undefined) {
    if (globals.version) {
      output.result({ version, node: process.version }, () => [
        `airlock ${version} (node ${process.version})`,
      ]);
      return exitCodes.ok;
    }
    showRoot(output, available);
    return globals.help ? exitCodes.ok : exitCodes.usage;
  }
  if (first === 'help') {
    const rest = words.slice(1);
    const target = findCommand(available, rest);
    if (target) output.result({ command: target.words.join(' ') }, () => commandHelp(output, target));
    else if (rest.length > 0 && commandsUnder(rest, available).length > 0) showGroup(output, rest, available);
    else showRoot(output, available);
    return exitCodes.ok;
  }
  if (commandsUnder(words, available).length > 0) {
    showGroup(output, words, available);
    return globals.help ? exitCodes.ok : exitCodes.usage;
  }
  if (groups.some((candidate) => candidate.name === first)) {
    let known = 1;
    while (known < words.length && commandsUnder(words.slice(0, known + 1), available).length > 0) known++;
    const siblings = commandsUnder(words.slice(0, known), available).map(
      (command) => command.words[known] ?? '',
    );
    const near = words[known] === undefined ? undefined : closestWord(words[known] as string, siblings);
    throw new AirlockError(
      'INVALID_INPUT',
      `unknown command "${words.slice(0, known + 1).join(' ')}"${near ? `; did you mean "${[...words.slice(0, known), near].join(' ')}"?` : ''} (see airlock ${words.slice(0, known).join(' ')} --help)`,
    );
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
    if (!command) return helpOrUnknown(words, argv, output, available, options.version);
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
  } catch (caught) {
    const error = fromFileSystemError(caught);
    output.failure(error, debug);
    return isAirlockError(error) ? exitCodeFor(error.code) : exitCodes.internal;
  }
}

// What the operating system refused about a file: permissions, a full or read-only disk, a file
// where a folder should be. The machine's state, not a bug in Airlock: one line, exit 2.
const fileSystemCodes = new Set([
  'EACCES',
  'EPERM',
  'ENOSPC',
  'EDQUOT',
  'EROFS',
  'ENOTDIR',
  'EISDIR',
  'ENOENT',
  'EEXIST',
  'ENOTEMPTY',
  'EMFILE',
  'ENFILE',
  'ENAMETOOLONG',
  'ELOOP',
  'EBUSY',
  'ETXTBSY',
]);

function fromFileSystemError(error: unknown): unknown {
  if (isAirlockError(error) || !(error instanceof Error)) return error;
  const { code, syscall, path } = error as NodeJS.ErrnoException;
  if (!code || !fileSystemCodes.has(code) || !syscall) return error;
  return new AirlockError('PRECONDITION_FAILED', error.message, {
    cause: error,
    context: { code, ...(path ? { path } : {}) },
  });
}
