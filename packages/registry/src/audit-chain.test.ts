import { describe, expect, it } from 'vitest';
import { type AuditEntry, chainEntry, verifyChain } from './audit-chain.ts';

function chain(count: number): AuditEntry[] {
  const entries: AuditEntry[] = [];
  for (let index = 0; index < count; index++) {
    entries.push(
      chainEntry(
        { actor: `a${index}`, action: 'model.approve', subject: `m${index}`, details: { tier: 'high' } },
        entries.at(-1),
        `2026-11-22T00:00:0${index}Z`,
      ),
    );
  }
  return entries;
}

describe('audit chain', () => {
  it('verifies an untouched chain and reports its head', () => {
    const entries = chain(4);
    expect(verifyChain(entries)).toEqual({ ok: true, entries: 4, headHash: entries[3]?.hash });
  });

  it('names an altered entry', () => {
    const entries = chain(4);
    const altered = entries.map((entry) => (entry.seq === 3 ? { ...entry, actor: 'mallory' } : entry));
    expect(verifyChain(altered)).toMatchObject({
      ok: false,
      seq: 3,
      problem: expect.stringContaining('was altered'),
    });
  });

  it('names a removed entry', () => {
    const entries = chain(4).filter((entry) => entry.seq !== 2);
    expect(verifyChain(entries)).toMatchObject({
      ok: false,
      seq: 2,
      problem: expect.stringContaining('is missing'),
    });
  });

  it('catches an entry rewritten with a fresh hash by its broken link to the next one', () => {
    const entries = chain(4);
    const forged = { ...(entries[1] as AuditEntry), actor: 'mallory' };
    const rehashed = chainEntry(forged, entries[0], forged.at);
    const tampered = [entries[0], rehashed, entries[2], entries[3]] as AuditEntry[];
    expect(verifyChain(tampered)).toMatchObject({
      ok: false,
      seq: 3,
      problem: expect.stringContaining('does not link'),
    });
  });
});
