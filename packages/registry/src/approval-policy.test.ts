import { describe, expect, it } from 'vitest';
import { type Approval, approvedTiers, checkApprovalAllowed, tierStatus } from './approval-policy.ts';

const approval = (actor: string, role: Approval['role'], tier: Approval['tier']): Approval => ({
  actor,
  role,
  tier,
  reason: 'eval run passed',
  at: '2026-11-22T00:00:00Z',
});

describe('tier approval', () => {
  it('one approver covers low and medium; a higher-tier approval covers the lower tiers', () => {
    expect(approvedTiers([approval('ana', 'approver', 'low')])).toEqual(['low']);
    expect(approvedTiers([approval('ana', 'approver', 'medium')])).toEqual(['low', 'medium']);
    expect(tierStatus('medium', [approval('ana', 'publisher', 'medium')]).approved).toBe(false);
  });

  it('high tier needs a release manager and a risk partner who are two people', () => {
    const manager = approval('rm@corp', 'release-manager', 'high');
    expect(tierStatus('high', [manager])).toEqual({
      approved: false,
      missing: ['a risk-partner approval at high tier'],
    });
    expect(tierStatus('high', [manager, approval('rp@corp', 'risk-partner', 'high')]).approved).toBe(true);
    expect(tierStatus('high', [manager, approval('rm@corp', 'risk-partner', 'high')]).missing).toEqual([
      'the release-manager and risk-partner approvals must come from two different people',
    ]);
    expect(tierStatus('high', [approval('rm@corp', 'release-manager', 'medium')]).approved).toBe(false);
  });
});

describe('who may approve', () => {
  const request = {
    subject: 'openai/gpt-4o-2024-11-20',
    publisher: 'dev@corp',
    actor: 'rm@corp',
    role: 'release-manager' as const,
    tier: 'high' as const,
    existing: [],
  };

  it('refuses the publisher', () => {
    expect(() => checkApprovalAllowed({ ...request, actor: 'dev@corp' })).toThrowError(
      expect.objectContaining({
        code: 'FORBIDDEN',
        message: expect.stringContaining('separation of duties'),
      }),
    );
  });

  it('refuses roles that do not approve, and a second signature by the same person', () => {
    expect(() => checkApprovalAllowed({ ...request, role: 'publisher' })).toThrowError(
      expect.objectContaining({ code: 'FORBIDDEN' }),
    );
    expect(() =>
      checkApprovalAllowed({ ...request, existing: [approval('rm@corp', 'release-manager', 'high')] }),
    ).toThrowError(expect.objectContaining({ code: 'CONFLICT' }));
    expect(() => checkApprovalAllowed(request)).not.toThrow();
  });
});
