import { canonicalJson, sha256Hex } from '@airlock/core';

/** What happened, before it is placed in the chain. */
export interface AuditDraft {
  actor: string;
  action: string;
  /** What it happened to: a model id, `prompt@version`, a label, a feature. */
  subject: string;
  details: Record<string, unknown>;
}

/** One link of the tamper-evident log: its hash covers its content and the previous link's hash. */
export interface AuditEntry extends AuditDraft {
  seq: number;
  at: string;
  prevHash: string;
  hash: string;
}

/** The `prevHash` of the first entry. */
export const genesisHash = '0'.repeat(64);

export function hashEntry(entry: Omit<AuditEntry, 'hash'>): string {
  return sha256Hex(
    canonicalJson({
      seq: entry.seq,
      at: entry.at,
      actor: entry.actor,
      action: entry.action,
      subject: entry.subject,
      details: entry.details,
      prevHash: entry.prevHash,
    }),
  );
}

/** The next link after `previous` (or the first one). */
export function chainEntry(draft: AuditDraft, previous: AuditEntry | undefined, at: string): AuditEntry {
  const unhashed = { ...draft, seq: (previous?.seq ?? 0) + 1, at, prevHash: previous?.hash ?? genesisHash };
  return { ...unhashed, hash: hashEntry(unhashed) };
}

export type AuditVerification =
  | { ok: true; entries: number; headHash: string }
  | { ok: false; entries: number; seq?: number; problem: string };

/**
 * Recomputes the chain from the first entry. The first entry whose content no longer matches its
 * hash (altered), whose sequence skips (removed) or whose link does not match the entry before it
 * (removed or reordered) is named. Entries cut off the end leave a shorter valid chain: compare
 * `headHash` with one kept elsewhere to catch that.
 */
export function verifyChain(entries: readonly AuditEntry[]): AuditVerification {
  let previous: AuditEntry | undefined;
  for (const entry of entries) {
    const expectedSeq = (previous?.seq ?? 0) + 1;
    if (entry.seq !== expectedSeq) {
      return {
        ok: false,
        entries: entries.length,
        seq: expectedSeq,
        problem: `entry #${expectedSeq} is missing (the log goes from #${expectedSeq - 1} to #${entry.seq})`,
      };
    }
    if (entry.prevHash !== (previous?.hash ?? genesisHash)) {
      return {
        ok: false,
        entries: entries.length,
        seq: entry.seq,
        problem: `entry #${entry.seq} (${entry.action} ${entry.subject}) does not link to entry #${entry.seq - 1}: an entry before it was altered or replaced`,
      };
    }
    const recomputed = hashEntry(entry);
    if (recomputed !== entry.hash) {
      return {
        ok: false,
        entries: entries.length,
        seq: entry.seq,
        problem: `entry #${entry.seq} (${entry.action} ${entry.subject}) was altered: its content no longer matches its hash`,
      };
    }
    previous = entry;
  }
  return { ok: true, entries: entries.length, headHash: previous?.hash ?? genesisHash };
}
