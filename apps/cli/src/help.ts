import type { CommandDefinition, CommandGroup, OptionSpec } from './command.ts';
import { globalOptions } from './global-options.ts';
import type { Output } from './output.ts';

function optionLines(specs: Record<string, OptionSpec>): string[] {
  const rows = Object.entries(specs).map(([name, spec]) => {
    const flag = `${spec.short ? `-${spec.short}, ` : '    '}--${name}${spec.valueName ? ` <${spec.valueName}>` : ''}`;
    const fallback =
      spec.default === undefined || spec.default === false ? '' : ` (default: ${spec.default})`;
    return [flag, `${spec.description}${fallback}`] as const;
  });
  const width = Math.max(...rows.map(([flag]) => flag.length));
  return rows.map(([flag, text]) => `  ${flag.padEnd(width)}  ${text}`);
}

/** `airlock --help`: what Airlock is, the command groups, global options, exit codes, an example. */
export function rootHelp(output: Output, groups: readonly CommandGroup[]): string[] {
  const width = Math.max(...groups.map((group) => group.name.length));
  return [
    `${output.bold('airlock')} — release gates and records for AI features`,
    '',
    'Pins models, prompts and datasets, gates releases on evals, cost and regressions, and records',
    'what is deployed where, with rollback and canary policy.',
    '',
    output.bold('Usage'),
    '  airlock <command> [options]',
    '',
    output.bold('Commands'),
    ...groups.map((group) => `  ${group.name.padEnd(width)}  ${group.summary}`),
    '',
    output.bold('Global options'),
    ...optionLines(globalOptions),
    '',
    output.bold('Exit codes'),
    '  0 ok · 1 a gate or check failed · 2 usage or input error · 3 halted · 4 upstream unreachable',
    '  5–8 deploy state: 5 missing · 6 stale · 7 of another environment or namespace · 8 unreadable',
    '  9 rollout evaluate said hold (inconclusive, or the stage’s minimum time not reached)',
    '  70 a bug in Airlock (run again with AIRLOCK_DEBUG=1 for the stack trace, and report it)',
    '',
    output.bold('Examples'),
    '  airlock init                      write a commented airlock.yaml here',
    '  airlock config check --json       validate airlock.yaml and open the store',
    '',
    `Run ${output.bold('airlock <command> --help')} for a command's options and examples.`,
  ];
}

/** `airlock <group> --help`: the commands under one word. */
export function groupHelp(
  output: Output,
  group: CommandGroup,
  commands: readonly CommandDefinition[],
): string[] {
  const names = commands.map((command) => command.words.join(' '));
  const width = Math.max(...names.map((name) => name.length));
  return [
    `${output.bold(`airlock ${group.name}`)} — ${group.summary}`,
    '',
    output.bold('Commands'),
    ...commands.map(
      (command, index) => `  airlock ${(names[index] ?? '').padEnd(width)}  ${command.summary}`,
    ),
    '',
    `Run ${output.bold(`airlock ${group.name} <command> --help`)} for options and examples.`,
  ];
}

/** `airlock <command> --help`: usage, options, examples. */
export function commandHelp(output: Output, command: CommandDefinition): string[] {
  const positionals = command.positionals.map((positional) => {
    const name = positional.variadic ? `${positional.name}…` : positional.name;
    return positional.required ? `<${name}>` : `[${name}]`;
  });
  const usage = ['airlock', ...command.words, ...positionals, '[options]'].join(' ');
  const lines = [`${output.bold(`airlock ${command.words.join(' ')}`)} — ${command.summary}`, ''];
  if (command.description) lines.push(command.description, '');
  lines.push(output.bold('Usage'), `  ${usage}`, '');
  if (command.positionals.length > 0) {
    const width = Math.max(...command.positionals.map((positional) => positional.name.length));
    lines.push(output.bold('Arguments'));
    for (const positional of command.positionals) {
      lines.push(`  ${positional.name.padEnd(width)}  ${positional.description}`);
    }
    lines.push('');
  }
  if (Object.keys(command.options).length > 0) {
    lines.push(output.bold('Options'), ...optionLines(command.options), '');
  }
  lines.push(output.bold('Global options'), ...optionLines(globalOptions), '', output.bold('Examples'));
  for (const example of command.examples) lines.push(`  ${example.command}`, `      ${example.description}`);
  return lines;
}
