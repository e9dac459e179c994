import { promptParametersSchema, riskTiers, roles } from '@airlock/registry';
import { z } from '@hono/zod-openapi';

const approvalSchema = z.object({
  tier: z.enum(riskTiers),
  actor: z.string(),
  role: z.enum(roles),
  reason: z.string(),
  evalRunId: z.string().optional(),
  at: z.string(),
});

export const modelSchema = z
  .object({
    id: z.string().openapi({ example: 'openai/gpt-4o-2024-11-20' }),
    provider: z.string(),
    name: z.string(),
    family: z.string(),
    snapshot: z.string().optional(),
    status: z.enum(['proposed', 'approved', 'deprecated', 'retired']),
    approvedTiers: z.array(z.enum(riskTiers)),
    approvals: z.array(approvalSchema),
    description: z.string().optional(),
    contextWindow: z.number().int().optional(),
    publishedBy: z.string(),
    publishedAt: z.string(),
    deprecatedAt: z.string().optional(),
    endOfLife: z.string().optional(),
    retiredAt: z.string().optional(),
  })
  .openapi('Model');

export const promptSchema = z
  .object({
    name: z.string(),
    version: z.number().int(),
    sha256: z.string(),
    description: z.string().optional(),
    messages: z.array(z.object({ role: z.enum(['system', 'user', 'assistant']), content: z.string() })),
    parameters: promptParametersSchema,
    labels: z.array(z.string()),
    publishedBy: z.string(),
    publishedAt: z.string(),
  })
  .openapi('Prompt');

export const auditEntrySchema = z
  .object({
    seq: z.number().int(),
    at: z.string(),
    actor: z.string(),
    action: z.string(),
    subject: z.string(),
    details: z.record(z.string(), z.unknown()),
    prevHash: z.string(),
    hash: z.string(),
  })
  .openapi('AuditEntry');

export const tierStatusSchema = z
  .object({ approved: z.boolean(), missing: z.array(z.string()) })
  .openapi('TierStatus');

export const labelMoveSchema = z
  .object({
    name: z.string(),
    label: z.string(),
    fromVersion: z.number().int().optional(),
    toVersion: z.number().int(),
    movedBy: z.string(),
    movedAt: z.string(),
  })
  .openapi('LabelMove');
