import { AirlockError } from '@airlock/core';

/** Risk tiers, lowest first: an approval at a tier also covers the tiers below it. */
export const riskTiers = ['low', 'medium', 'high'] as const;
export type RiskTier = (typeof riskTiers)[number];

/** Roles people act in. Approving needs one of `approverRoles`; high tier needs two specific ones. */
export const roles = [
  'reader',
  'publisher',
  'approver',
  'release-manager',
  'risk-partner',
  'deployer',
  'admin',
] as const;
export type Role = (typeof roles)[number];

export const approverRoles: readonly Role[] = ['approver', 'release-manager', 'risk-partner', 'admin'];

/** One person's sign-off on a model or prompt version, at a tier. */
export interface Approval {
  tier: RiskTier;
  actor: string;
  role: Role;
  reason: string;
  /** The eval run that backs the approval, when there is one. */
  evalRunId?: string;
  at: string;
}

export interface TierStatus {
  approved: boolean;
  /** What is still needed, in words, when not approved. */
  missing: string[];
}

const tierRank = (tier: RiskTier) => riskTiers.indexOf(tier);

/**
 * Whether approvals are enough for a tier. Low and medium: one approval at that tier or above by
 * an approver role. High (seed 004): two people, one a release manager and one an AI-risk partner,
 * both approving at high tier.
 */
export function tierStatus(tier: RiskTier, approvals: readonly Approval[]): TierStatus {
  const covering = approvals.filter(
    (approval) => tierRank(approval.tier) >= tierRank(tier) && approverRoles.includes(approval.role),
  );
  if (tier !== 'high') {
    return covering.length > 0
      ? { approved: true, missing: [] }
      : { approved: false, missing: [`an approval at ${tier} tier or above`] };
  }
  const managers = new Set(covering.filter((a) => a.role === 'release-manager').map((a) => a.actor));
  const partners = new Set(covering.filter((a) => a.role === 'risk-partner').map((a) => a.actor));
  const twoPeople = [...managers].some((manager) => [...partners].some((partner) => partner !== manager));
  if (twoPeople) return { approved: true, missing: [] };
  const missing: string[] = [];
  if (managers.size === 0) missing.push('a release-manager approval at high tier');
  if (partners.size === 0) missing.push('a risk-partner approval at high tier');
  if (missing.length === 0)
    missing.push('the release-manager and risk-partner approvals must come from two different people');
  return { approved: false, missing };
}

/** The tiers a set of approvals covers. */
export function approvedTiers(approvals: readonly Approval[]): RiskTier[] {
  return riskTiers.filter((tier) => tierStatus(tier, approvals).approved);
}

export interface ApprovalRequest {
  subject: string;
  publisher: string;
  actor: string;
  role: Role;
  tier: RiskTier;
  existing: readonly Approval[];
}

/**
 * Separation of duties, enforced where every caller passes through: nobody approves what they
 * published, only approver roles approve, and one person signs a subject at a tier once.
 */
export function checkApprovalAllowed(request: ApprovalRequest): void {
  if (request.actor === request.publisher) {
    throw new AirlockError(
      'FORBIDDEN',
      `${request.actor} published ${request.subject} and cannot approve it (separation of duties): another person must`,
      { context: { subject: request.subject, actor: request.actor } },
    );
  }
  if (!approverRoles.includes(request.role)) {
    throw new AirlockError(
      'FORBIDDEN',
      `the ${request.role} role cannot approve; approving needs one of: ${approverRoles.join(', ')}`,
      { context: { role: request.role } },
    );
  }
  if (
    request.existing.some((approval) => approval.actor === request.actor && approval.tier === request.tier)
  ) {
    throw new AirlockError(
      'CONFLICT',
      `${request.actor} already approved ${request.subject} at ${request.tier} tier`,
      {
        context: { subject: request.subject, actor: request.actor, tier: request.tier },
      },
    );
  }
}
