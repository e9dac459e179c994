import type { CommandDefinition, CommandGroup } from '../command.ts';
import { configCheckCommand } from './config-check.ts';
import { initCommand } from './init.ts';
import { serveCommand } from './serve.ts';

/** Every command, and the top-level words `airlock --help` lists (in this order). */
export const commands: readonly CommandDefinition[] = [initCommand, configCheckCommand, serveCommand];

export const groups: readonly CommandGroup[] = [
  { name: 'init', summary: initCommand.summary },
  { name: 'config', summary: 'check the project file (airlock.yaml) and the store it points to' },
  { name: 'serve', summary: serveCommand.summary },
];
