import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { AirlockError } from '@airlock/core';
import { type PromptView, readRegistryFile } from '@airlock/registry';
import type { CommandDefinition, OptionValues } from '../command.ts';
import { formatTable } from '../table.ts';
import { approvalInput, approvalLine, approvalOptions } from './approval.ts';
import { actorOption, positiveInteger, required } from './shared-options.ts';

const nameArgument = { name: 'name', description: 'the prompt name', required: true };

const refOptions = {
  version: { type: 'string', valueName: 'n', description: 'a version number (default: the latest)' },
  label: {
    type: 'string',
    valueName: 'label',
    description: 'the version a label points at (e.g. production)',
  },
} as const;

function refFrom(options: OptionValues): { version?: number; label?: string } {
  if (options.version !== undefined && options.label !== undefined) {
    throw new AirlockError('INVALID_INPUT', 'give --version or --label, not both');
  }
  if (options.version !== undefined) return { version: positiveInteger('version', options.version) };
  return typeof options.label === 'string' ? { label: options.label } : {};
}

export const promptPublishCommand: CommandDefinition = {
  words: ['registry', 'prompt', 'publish'],
  summary: 'publish a prompt file as an immutable, content-hashed version',
  description:
    'The same content publishes to the same version (nothing changes); changed content becomes the\n' +
    'next version. A prompt file has a name and a template (or chat messages) with {{variables}}.',
  options: { actor: actorOption },
  positionals: [{ name: 'file', description: 'a prompt YAML file', required: true }],
  examples: [
    { command: 'airlock registry prompt publish prompts/support-answer.yaml', description: 'publish it' },
  ],
  async run(context, options, [file = '']) {
    const parsed = readRegistryFile(resolve(context.io.cwd, file), file);
    if (parsed.kind !== 'prompt')
      throw new AirlockError('INVALID_INPUT', `${file} is a model file; use airlock registry publish`);
    const { prompt, created } = await context
      .registry()
      .publishPrompt(parsed.prompt, context.actor(options.actor));
    context.output.result({ created, prompt }, () => [
      created
        ? `${context.output.green('published')} ${prompt.name}@${prompt.version} (sha256 ${prompt.sha256.slice(0, 12)})`
        : `${prompt.name}@${prompt.version} has this content already (sha256 ${prompt.sha256.slice(0, 12)}); nothing changed`,
    ]);
    return 0;
  },
};

export const promptListCommand: CommandDefinition = {
  words: ['registry', 'prompt', 'list'],
  summary: 'list prompts with their latest version and labels, or one prompt’s versions',
  options: {},
  positionals: [{ name: 'name', description: 'list this prompt’s versions', required: false }],
  examples: [
    { command: 'airlock registry prompt list', description: 'every prompt' },
    { command: 'airlock registry prompt list support-answer', description: 'its versions' },
  ],
  async run(context, _options, [name]) {
    const registry = context.registry();
    if (name !== undefined) {
      const versions = await registry.listPromptVersions(name);
      context.output.result({ versions }, () =>
        formatTable(
          ['VERSION', 'SHA256', 'PUBLISHED', 'BY', 'LABELS'],
          versions.map((version) => [
            String(version.version),
            version.sha256.slice(0, 12),
            version.publishedAt,
            version.publishedBy,
            version.labels.join(',') || '-',
          ]),
        ),
      );
      return 0;
    }
    const prompts = await registry.listPrompts();
    context.output.result({ prompts }, () =>
      prompts.length === 0
        ? ['no prompts yet (airlock registry prompt publish <file>)']
        : formatTable(
            ['PROMPT', 'LATEST', 'LABELS'],
            prompts.map((prompt) => [
              prompt.name,
              String(prompt.latestVersion),
              Object.entries(prompt.labels)
                .map(([label, version]) => `${label}→${version}`)
                .join(' ') || '-',
            ]),
          ),
    );
    return 0;
  },
};

function describePrompt(prompt: PromptView): string[] {
  return [
    `${prompt.name}@${prompt.version}  sha256 ${prompt.sha256}`,
    `published ${prompt.publishedAt} by ${prompt.publishedBy}${prompt.labels.length > 0 ? `; labels: ${prompt.labels.join(', ')}` : ''}`,
    ...(Object.keys(prompt.parameters).length > 0 ? [`parameters ${JSON.stringify(prompt.parameters)}`] : []),
    '',
    ...prompt.messages.flatMap((message) => [`[${message.role}]`, message.content, '']),
  ];
}

export const promptShowCommand: CommandDefinition = {
  words: ['registry', 'prompt', 'show'],
  summary: 'show a prompt version (latest, by number, or by label)',
  options: refOptions,
  positionals: [nameArgument],
  examples: [
    {
      command: 'airlock registry prompt show support-answer --label production',
      description: 'what production uses',
    },
  ],
  async run(context, options, [name = '']) {
    const prompt = await context.registry().getPrompt(name, refFrom(options));
    context.output.result(prompt, () => describePrompt(prompt));
    return 0;
  },
};

export const promptLabelCommand: CommandDefinition = {
  words: ['registry', 'prompt', 'label'],
  summary: 'point a label (production, staging, …) at a version; every move is recorded',
  options: {
    version: { type: 'string', valueName: 'n', description: 'the version the label moves to' },
    actor: actorOption,
  },
  positionals: [nameArgument, { name: 'label', description: 'the label, e.g. production', required: true }],
  examples: [
    {
      command: 'airlock registry prompt label support-answer production --version 2',
      description: 'promote v2',
    },
  ],
  async run(context, options, [name = '', label = '']) {
    const move = await context.registry().moveLabel({
      name,
      label,
      version: positiveInteger('version', required('version', options.version)),
      actor: context.actor(options.actor),
    });
    context.output.result(move, () => [
      `${name}:${label} → ${move.toVersion}${move.fromVersion === undefined ? ' (new label)' : ` (was ${move.fromVersion})`}`,
    ]);
    return 0;
  },
};

function parseVars(options: OptionValues, cwd: string): Record<string, unknown> {
  const vars: Record<string, unknown> = {};
  if (typeof options['vars-file'] === 'string') {
    try {
      Object.assign(vars, JSON.parse(readFileSync(resolve(cwd, options['vars-file']), 'utf8')));
    } catch (error) {
      throw new AirlockError(
        'INVALID_INPUT',
        `--vars-file ${options['vars-file']}: ${(error as Error).message}`,
      );
    }
  }
  for (const pair of (options.var as string[] | undefined) ?? []) {
    const equals = pair.indexOf('=');
    if (equals <= 0) throw new AirlockError('INVALID_INPUT', `--var "${pair}": expected name=value`);
    vars[pair.slice(0, equals)] = pair.slice(equals + 1);
  }
  return vars;
}

export const promptRenderCommand: CommandDefinition = {
  words: ['registry', 'prompt', 'render'],
  summary: 'render a prompt version with variables (every missing variable is reported)',
  options: {
    ...refOptions,
    var: { type: 'string', valueName: 'name=value', description: 'a variable (repeatable)', multiple: true },
    'vars-file': { type: 'string', valueName: 'file.json', description: 'variables from a JSON object' },
  },
  positionals: [nameArgument],
  examples: [
    {
      command:
        'airlock registry prompt render support-answer --label production --var question="Refund?" --var locale=fr',
      description: 'see exactly what the model would get',
    },
  ],
  async run(context, options, [name = '']) {
    const { prompt, messages } = await context
      .registry()
      .renderPrompt(name, refFrom(options), parseVars(options, context.io.cwd));
    context.output.result({ name, version: prompt.version, messages }, () =>
      messages.flatMap((message) => [`[${message.role}]`, message.content, '']),
    );
    return 0;
  },
};

export const promptApproveCommand: CommandDefinition = {
  words: ['registry', 'prompt', 'approve'],
  summary: 'approve a prompt version for a risk tier (never your own; high tier needs two people)',
  options: {
    version: { type: 'string', valueName: 'n', description: 'the version to approve' },
    ...approvalOptions,
  },
  positionals: [nameArgument],
  examples: [
    {
      command:
        'airlock registry prompt approve support-answer --version 3 --tier medium --role approver --reason "evals green"',
      description: 'sign off a prompt version',
    },
  ],
  async run(context, options, [name = '']) {
    const version = positiveInteger('version', required('version', options.version));
    const input = approvalInput(context, options);
    const tier = await context.registry().approvePrompt(name, version, input);
    context.output.result({ name, version, tier }, () => [
      approvalLine(context, `${name}@${version}`, input, tier),
    ]);
    return 0;
  },
};
