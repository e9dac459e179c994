import type { ApproveInput, TierStatus } from '@airlock/registry';
import type { OptionSpec, OptionValues } from '../command.ts';
import type { CommandContext } from '../context.ts';
import { actorOption, required, roleOf, tierOf } from './shared-options.ts';

/** The options every `… approve` command takes. */
export const approvalOptions: Record<string, OptionSpec> = {
  tier: { type: 'string', valueName: 'tier', description: 'low, medium or high' },
  role: {
    type: 'string',
    valueName: 'role',
    description: 'the role you approve in: approver, release-manager, risk-partner or admin',
  },
  reason: { type: 'string', valueName: 'text', description: 'why (recorded in the audit log)' },
  'eval-run': { type: 'string', valueName: 'id', description: 'the eval run that backs the approval' },
  actor: actorOption,
};

/** The approval those options describe. */
export function approvalInput(context: CommandContext, options: OptionValues): ApproveInput {
  return {
    actor: context.actor(options.actor),
    role: roleOf(options.role),
    tier: tierOf(options.tier),
    reason: required('reason', options.reason),
    ...(typeof options['eval-run'] === 'string' ? { evalRunId: options['eval-run'] } : {}),
  };
}

/** "approved X for high tier", or what the tier still needs. */
export function approvalLine(
  context: CommandContext,
  subject: string,
  input: ApproveInput,
  tier: TierStatus,
): string {
  return tier.approved
    ? `${context.output.green('approved')} ${subject} for ${input.tier} tier`
    : `${context.output.yellow('recorded')} approval of ${subject}; ${input.tier} tier still needs ${tier.missing.join('; ')}`;
}
