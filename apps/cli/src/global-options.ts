import type { OptionSpec } from './command.ts';

/** Options every command takes, before or after its words. */
export const globalOptions = {
  json: { type: 'boolean', description: 'print one JSON document on stdout (for scripts and CI)' },
  config: {
    type: 'string',
    valueName: 'path',
    description: 'the project file (default: airlock.yaml here or in a parent folder)',
  },
  'no-color': {
    type: 'boolean',
    description: 'no colour (also when NO_COLOR is set or output is not a terminal)',
  },
  help: { type: 'boolean', short: 'h', description: 'show help for airlock or for a command' },
  version: { type: 'boolean', short: 'V', description: 'print the version' },
} as const satisfies Record<string, OptionSpec>;

export interface GlobalOptions {
  json: boolean;
  config?: string;
  noColor: boolean;
  help: boolean;
  version: boolean;
}
