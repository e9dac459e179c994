import { join, relative, resolve } from 'node:path';
import { configFileName, projectConfigTemplate } from '@airlock/config';
import { AirlockError, ensureDirectory, writeFileAtomic } from '@airlock/core';
import type { CommandDefinition } from '../command.ts';

export const initCommand: CommandDefinition = {
  words: ['init'],
  summary: 'write a commented airlock.yaml to start a project',
  description:
    'Writes airlock.yaml with every setting shown at its default. An existing airlock.yaml is never\n' +
    'overwritten: init refuses (exit 2) and leaves it as it was.',
  options: {
    dir: {
      type: 'string',
      valueName: 'folder',
      description: 'where to write it (created if missing)',
      default: '.',
    },
  },
  positionals: [],
  examples: [
    { command: 'airlock init', description: 'start a project in this folder' },
    { command: 'airlock init --dir services/support-bot', description: 'start one in another folder' },
  ],
  async run(context, options) {
    const dir = resolve(context.io.cwd, String(options.dir));
    const path = join(dir, configFileName);
    const shown = relative(context.io.cwd, path) || path;
    try {
      ensureDirectory(dir, '--dir');
      writeFileAtomic(path, projectConfigTemplate, { overwrite: false });
    } catch (error) {
      if (error instanceof AirlockError && error.code === 'CONFLICT') {
        throw new AirlockError('CONFLICT', `${shown} already exists; edit it, or remove it to start over`, {
          context: { path },
        });
      }
      throw error;
    }
    context.output.result({ created: path }, () => [
      `${context.output.green('created')} ${shown}`,
      '',
      'Next:',
      `  airlock config check     validate it and create the store (${'.airlock/'})`,
      '  add .airlock/ to .gitignore: it holds the local store and cache, not project files',
    ]);
    return 0;
  },
};
