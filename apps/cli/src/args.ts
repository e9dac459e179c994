import { parseArgs } from 'node:util';
import { AirlockError } from '@airlock/core';
import type { CommandDefinition, OptionSpec, OptionValues } from './command.ts';
import { type GlobalOptions, globalOptions } from './global-options.ts';

type ParseArgsOptions = Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean }>;

function toParseArgs(specs: Record<string, OptionSpec>): ParseArgsOptions {
  const out: ParseArgsOptions = {};
  for (const [name, spec] of Object.entries(specs)) {
    out[name] = {
      type: spec.type,
      ...(spec.short ? { short: spec.short } : {}),
      ...(spec.multiple ? { multiple: true } : {}),
    };
  }
  return out;
}

/** The words before any option that name a command (`config check`), read leniently. */
export function commandWords(argv: readonly string[]): string[] {
  const { positionals } = parseArgs({
    args: [...argv],
    options: toParseArgs(globalOptions),
    strict: false,
    allowPositionals: true,
  });
  return positionals;
}

/** Finds the command with the longest run of matching leading words. */
export function findCommand(
  commands: readonly CommandDefinition[],
  words: readonly string[],
): CommandDefinition | undefined {
  let best: CommandDefinition | undefined;
  for (const command of commands) {
    const matches = command.words.every((word, index) => words[index] === word);
    if (matches && command.words.length > (best?.words.length ?? 0)) best = command;
  }
  return best;
}

function usageError(message: string, command?: CommandDefinition): AirlockError {
  const help = command ? `airlock ${command.words.join(' ')} --help` : 'airlock --help';
  return new AirlockError('INVALID_INPUT', `${message} (see ${help})`);
}

export function globalsFrom(values: OptionValues): GlobalOptions {
  return {
    json: values.json === true,
    ...(typeof values.config === 'string' ? { config: values.config } : {}),
    noColor: values['no-color'] === true,
    help: values.help === true,
    version: values.version === true,
  };
}

/** The global options, read leniently (before the command is known: for --json and --no-color). */
export function parseGlobalsOnly(argv: readonly string[]): GlobalOptions {
  const { values } = parseArgs({ args: [...argv], options: toParseArgs(globalOptions), strict: false });
  return globalsFrom(values as OptionValues);
}

/** node:util's wording, made into ours: no trailing advice, no "ambiguous" for a value like -1. */
function describeParseError(error: Error): string {
  const first = error.message.split('\n')[0] ?? 'bad arguments';
  const ambiguous = /^Option '(-[^ ']+)(?: <value>)?' argument is ambiguous/.exec(first);
  if (ambiguous) {
    return `${ambiguous[1]} needs a value; write a value that starts with "-" as ${ambiguous[1]}=<value>`;
  }
  const message = first.replace(/\.? To specify.*$/, '').replace(/\.$/, '');
  return message.charAt(0).toLowerCase() + message.slice(1);
}

/** The global options alone, read strictly: `airlock --bogus` is a usage error, not help. */
export function parseGlobalsStrict(argv: readonly string[]): GlobalOptions {
  try {
    const { values } = parseArgs({
      args: [...argv],
      options: toParseArgs(globalOptions),
      strict: true,
      allowPositionals: true,
    });
    return globalsFrom(values as OptionValues);
  } catch (error) {
    throw usageError(describeParseError(error as Error));
  }
}

/**
 * Parses a command's arguments strictly: an unknown option, a missing value or a stray word is a
 * usage error (exit 2) that names the command's help.
 */
export function parseCommandArgs(
  command: CommandDefinition,
  argv: readonly string[],
): { globals: GlobalOptions; options: OptionValues; positionals: string[] } {
  let parsed: { values: OptionValues; positionals: string[] };
  try {
    parsed = parseArgs({
      args: [...argv],
      options: toParseArgs({ ...globalOptions, ...command.options }),
      strict: true,
      allowPositionals: true,
    }) as { values: OptionValues; positionals: string[] };
  } catch (error) {
    throw usageError(describeParseError(error as Error), command);
  }
  const positionals = parsed.positionals.slice(command.words.length);
  const globals = globalsFrom(parsed.values);
  if (!globals.help) {
    const required = command.positionals.filter((positional) => positional.required);
    if (positionals.length < required.length) {
      const missing = required.slice(positionals.length).map((positional) => `<${positional.name}>`);
      throw usageError(`missing ${missing.join(' ')}`, command);
    }
    const variadic = command.positionals.at(-1)?.variadic === true;
    if (!variadic && positionals.length > command.positionals.length) {
      throw usageError(`unexpected argument "${positionals[command.positionals.length]}"`, command);
    }
  }
  const options: OptionValues = {};
  for (const [name, spec] of Object.entries(command.options)) {
    options[name] = parsed.values[name] ?? spec.default;
  }
  return { globals, options, positionals };
}
