import type { CommandDefinition } from '../command.ts';
import { positiveInteger } from './shared-options.ts';

export const auditLogCommand: CommandDefinition = {
  words: ['audit', 'log'],
  summary: 'show the audit log: every publish, approval, label move and override, with who and when',
  options: {
    subject: {
      type: 'string',
      valueName: 'subject',
      description: 'only entries about this (a model id, name@version, name:label)',
    },
    action: { type: 'string', valueName: 'action', description: 'only this action (e.g. model.approve)' },
    limit: { type: 'string', valueName: 'n', description: 'at most this many entries' },
  },
  positionals: [],
  examples: [
    {
      command: 'airlock audit log --subject openai/gpt-4o-2024-11-20',
      description: 'the history of one model',
    },
  ],
  async run(context, options) {
    const entries = await context.registry().auditLog({
      ...(typeof options.subject === 'string' ? { subject: options.subject } : {}),
      ...(typeof options.action === 'string' ? { action: options.action } : {}),
      ...(options.limit === undefined ? {} : { limit: positiveInteger('limit', options.limit) }),
    });
    context.output.result({ entries }, () =>
      entries.length === 0
        ? ['no entries']
        : entries.map(
            (entry) =>
              `#${entry.seq} ${entry.at} ${entry.actor} ${entry.action} ${entry.subject}${Object.keys(entry.details).length > 0 ? ` ${JSON.stringify(entry.details)}` : ''}`,
          ),
    );
    return 0;
  },
};

export const auditVerifyCommand: CommandDefinition = {
  words: ['audit', 'verify'],
  summary: 'recompute the audit log’s hash chain; name the first entry altered or removed (exit 1)',
  options: {},
  positionals: [],
  examples: [{ command: 'airlock audit verify', description: 'before an audit, or nightly in CI' }],
  async run(context) {
    const result = await context.registry().verifyAudit();
    context.output.result(result, () =>
      result.ok
        ? [`${context.output.green('ok')} ${result.entries} entries, chain intact; head ${result.headHash}`]
        : [`${context.output.red('broken')} ${result.problem}`],
    );
    return result.ok ? 0 : 1;
  },
};
