import type { ModelStatus, ModelView } from '@airlock/registry';
import type { CommandDefinition } from '../command.ts';
import type { Output } from '../output.ts';
import { formatTable } from '../table.ts';
import { approvalInput, approvalLine, approvalOptions } from './approval.ts';
import { actorOption, oneOf, positiveInteger, required, tierOf } from './shared-options.ts';

const idArgument = {
  name: 'id',
  description: 'provider/model-snapshot, e.g. openai/gpt-4o-2024-11-20',
  required: true,
};

function describeModel(output: Output, model: ModelView): string[] {
  return [
    `${output.bold(model.id)}  ${model.status}${model.approvedTiers.length > 0 ? ` (tiers: ${model.approvedTiers.join(', ')})` : ''}`,
    `published  ${model.publishedAt} by ${model.publishedBy}`,
    ...(model.description ? [`about      ${model.description}`] : []),
    ...(model.deprecatedAt
      ? [`deprecated ${model.deprecatedAt} by ${model.deprecatedBy}; end of life ${model.endOfLife}`]
      : []),
    ...(model.retiredAt ? [`retired    ${model.retiredAt} by ${model.retiredBy}`] : []),
    ...(model.approvals.length === 0
      ? ['approvals  none']
      : model.approvals.map(
          (approval, index) =>
            `${index === 0 ? 'approvals ' : '          '} ${approval.tier} by ${approval.actor} (${approval.role}) ${approval.at}: ${approval.reason}${approval.evalRunId ? ` [eval ${approval.evalRunId}]` : ''}`,
        )),
  ];
}

export const modelAddCommand: CommandDefinition = {
  words: ['registry', 'model', 'add'],
  summary: 'register a pinned model snapshot (floating aliases are refused)',
  options: {
    description: { type: 'string', valueName: 'text', description: 'what the model is for' },
    'context-window': { type: 'string', valueName: 'tokens', description: 'its context window' },
    actor: actorOption,
  },
  positionals: [idArgument],
  examples: [
    { command: 'airlock registry model add openai/gpt-4o-2024-11-20', description: 'register a snapshot' },
    {
      command: 'airlock registry model add openai/gpt-4o',
      description: 'refused: names the pinned snapshots known',
    },
  ],
  async run(context, options, [id = '']) {
    const registry = context.registry();
    const { model, created } = await registry.addModel({
      id,
      actor: context.actor(options.actor),
      ...(typeof options.description === 'string' ? { description: options.description } : {}),
      ...(options['context-window'] === undefined
        ? {}
        : { contextWindow: positiveInteger('context-window', options['context-window']) }),
    });
    context.output.result({ created, model }, () => [
      created
        ? `${context.output.green('registered')} ${model.id} (proposed: it needs approval before use)`
        : `${model.id} is already registered (unchanged)`,
    ]);
    return 0;
  },
};

export const modelListCommand: CommandDefinition = {
  words: ['registry', 'model', 'list'],
  summary: 'list models, by status, approved tier or provider',
  options: {
    status: { type: 'string', valueName: 'status', description: 'proposed, approved, deprecated or retired' },
    tier: {
      type: 'string',
      valueName: 'tier',
      description: 'only models approved for this tier (low, medium, high)',
    },
    provider: { type: 'string', valueName: 'name', description: 'only this provider' },
  },
  positionals: [],
  examples: [
    {
      command: 'airlock registry model list --status approved --tier high',
      description: 'what high-tier features may use',
    },
  ],
  async run(context, options) {
    const models = await context.registry().listModels({
      ...(options.status === undefined
        ? {}
        : {
            status: oneOf<ModelStatus>('status', options.status, [
              'proposed',
              'approved',
              'deprecated',
              'retired',
            ]),
          }),
      ...(options.tier === undefined ? {} : { tier: tierOf(options.tier) }),
      ...(typeof options.provider === 'string' ? { provider: options.provider } : {}),
    });
    context.output.result({ models }, () =>
      models.length === 0
        ? ['no models match']
        : formatTable(
            ['MODEL', 'STATUS', 'TIERS', 'END OF LIFE'],
            models.map((model) => [
              model.id,
              model.status,
              model.approvedTiers.join(',') || '-',
              model.endOfLife ?? '-',
            ]),
          ),
    );
    return 0;
  },
};

export const modelShowCommand: CommandDefinition = {
  words: ['registry', 'model', 'show'],
  summary: 'show a model: status, approvals with who, when, why and evidence',
  options: {},
  positionals: [idArgument],
  examples: [
    { command: 'airlock registry model show openai/gpt-4o-2024-11-20', description: 'its approvals' },
  ],
  async run(context, _options, [id = '']) {
    const model = await context.registry().getModel(id);
    context.output.result(model, () => describeModel(context.output, model));
    return 0;
  },
};

export const modelApproveCommand: CommandDefinition = {
  words: ['registry', 'model', 'approve'],
  summary: 'approve a model for a risk tier (never your own; high tier needs two people)',
  description:
    'Low and medium tiers need one approval by an approver role. High tier needs a release-manager\n' +
    'and a risk-partner, two different people. Nobody approves a model they published.',
  options: approvalOptions,
  positionals: [idArgument],
  examples: [
    {
      command:
        'airlock registry model approve openai/gpt-4o-2024-11-20 --tier high --role release-manager --reason "staging green"',
      description: 'the first of the two high-tier approvals',
    },
  ],
  async run(context, options, [id = '']) {
    const input = approvalInput(context, options);
    const { model, tier } = await context.registry().approveModel(id, input);
    context.output.result({ model, tier }, () => [approvalLine(context, model.id, input, tier)]);
    return 0;
  },
};

export const modelDeprecateCommand: CommandDefinition = {
  words: ['registry', 'model', 'deprecate'],
  summary: 'deprecate a model with an end-of-life date',
  options: {
    'end-of-life': {
      type: 'string',
      valueName: 'YYYY-MM-DD',
      description: 'after this day it must not serve',
    },
    reason: { type: 'string', valueName: 'text', description: 'why' },
    actor: actorOption,
  },
  positionals: [idArgument],
  examples: [
    {
      command:
        'airlock registry model deprecate openai/gpt-4o-2024-08-06 --end-of-life 2027-03-31 --reason "provider EOL"',
      description: 'announce the end',
    },
  ],
  async run(context, options, [id = '']) {
    const model = await context.registry().deprecateModel(id, {
      actor: context.actor(options.actor),
      endOfLife: required('end-of-life', options['end-of-life']),
      reason: required('reason', options.reason),
    });
    context.output.result(model, () => [`deprecated ${model.id}; end of life ${model.endOfLife}`]);
    return 0;
  },
};

export const modelRetireCommand: CommandDefinition = {
  words: ['registry', 'model', 'retire'],
  summary: 'retire a model: it can no longer be approved or deployed',
  options: { reason: { type: 'string', valueName: 'text', description: 'why' }, actor: actorOption },
  positionals: [idArgument],
  examples: [
    {
      command: 'airlock registry model retire openai/gpt-4-0613 --reason "shut down"',
      description: 'retire it',
    },
  ],
  async run(context, options, [id = '']) {
    const model = await context.registry().retireModel(id, {
      actor: context.actor(options.actor),
      reason: required('reason', options.reason),
    });
    context.output.result(model, () => [`retired ${model.id}`]);
    return 0;
  },
};
