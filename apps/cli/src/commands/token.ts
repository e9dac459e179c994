import type { CommandDefinition } from '../command.ts';
import { formatTable } from '../table.ts';
import { required, roleOf } from './shared-options.ts';

export const tokenCreateCommand: CommandDefinition = {
  words: ['token', 'create'],
  summary: 'create an API bearer token for a person or service with one role (shown once)',
  options: {
    actor: { type: 'string', valueName: 'who', description: 'whom the token acts as' },
    role: {
      type: 'string',
      valueName: 'role',
      description: 'reader, publisher, approver, release-manager, risk-partner, deployer or admin',
    },
    by: {
      type: 'string',
      valueName: 'who',
      description: 'who creates it (default: AIRLOCK_ACTOR, else git user.email)',
    },
  },
  positionals: [],
  examples: [
    { command: 'airlock token create --actor ci@corp --role publisher', description: 'a token for CI' },
  ],
  async run(context, options) {
    const createdBy = context.actor(options.by, '--by');
    const token = await context.registry().createToken({
      actor: required('actor', options.actor),
      role: roleOf(options.role),
      createdBy,
    });
    context.output.result(token, () => [
      token.token,
      '',
      `token ${token.id} for ${token.actor} as ${token.role}. It is stored only as a hash: keep it now, it cannot be shown again.`,
    ]);
    return 0;
  },
};

export const tokenListCommand: CommandDefinition = {
  words: ['token', 'list'],
  summary: 'list API tokens (never their values)',
  options: {},
  positionals: [],
  examples: [{ command: 'airlock token list', description: 'who can call the API' }],
  async run(context) {
    const tokens = await context.registry().listTokens();
    context.output.result({ tokens }, () =>
      formatTable(
        ['ID', 'ACTOR', 'ROLE', 'CREATED', 'REVOKED'],
        tokens.map((token) => [token.id, token.actor, token.role, token.createdAt, token.revokedAt ?? '-']),
      ),
    );
    return 0;
  },
};

export const tokenRevokeCommand: CommandDefinition = {
  words: ['token', 'revoke'],
  summary: 'revoke an API token',
  options: {
    by: {
      type: 'string',
      valueName: 'who',
      description: 'who revokes it (default: AIRLOCK_ACTOR, else git user.email)',
    },
  },
  positionals: [{ name: 'id', description: 'the token id (tok_…)', required: true }],
  examples: [{ command: 'airlock token revoke tok_01…', description: 'it stops working at once' }],
  async run(context, options, [id = '']) {
    await context.registry().revokeToken(id, context.actor(options.by, '--by'));
    context.output.result({ revoked: id }, () => [`revoked ${id}`]);
    return 0;
  },
};
