import type { Approval } from './approval-policy.ts';
import type { AuditDraft, AuditEntry } from './audit-chain.ts';
import type { PromptMessage } from './prompt-template.ts';
import type { PromptParameters } from './prompt-version.ts';

export interface ModelRecord {
  id: string;
  provider: string;
  name: string;
  family: string;
  description?: string;
  contextWindow?: number;
  publishedBy: string;
  publishedAt: string;
  deprecatedAt?: string;
  deprecatedBy?: string;
  /** YYYY-MM-DD after which the model must not serve. */
  endOfLife?: string;
  deprecationReason?: string;
  retiredAt?: string;
  retiredBy?: string;
  retirementReason?: string;
}

export type SubjectKind = 'model' | 'prompt';

export interface SubjectApproval extends Approval {
  subject: string;
}

export interface PromptVersionRecord {
  name: string;
  version: number;
  sha256: string;
  description?: string;
  messages: PromptMessage[];
  parameters: PromptParameters;
  publishedBy: string;
  publishedAt: string;
}

export type PromptVersionDraft = Omit<PromptVersionRecord, 'version'>;

export interface LabelRecord {
  name: string;
  label: string;
  version: number;
  movedBy: string;
  movedAt: string;
}

export interface LabelMove {
  name: string;
  label: string;
  fromVersion?: number;
  toVersion: number;
  movedBy: string;
  movedAt: string;
}

export interface TokenRecord {
  id: string;
  tokenHash: string;
  actor: string;
  role: string;
  createdBy: string;
  createdAt: string;
  revokedAt?: string;
}

/** An audit event and when it happened; the store links it into the chain. */
export interface TimedAuditDraft extends AuditDraft {
  at: string;
}

export interface AuditQuery {
  subject?: string;
  action?: string;
  /** Entries with `seq` greater than this. */
  afterSeq?: number;
  limit?: number;
}

/**
 * Everything the registry keeps, behind one interface so SQLite today and PostgreSQL later are
 * interchangeable. Every mutation takes the audit event that describes it and stores both in one
 * transaction: a change without its audit entry (or the reverse) can never be seen.
 */
export interface RegistryStore {
  getModel(id: string): Promise<ModelRecord | undefined>;
  listModels(): Promise<ModelRecord[]>;
  insertModel(model: ModelRecord, audit: TimedAuditDraft): Promise<void>;
  /**
   * Read-modify-write of one model in one transaction: `change` sees the current row (and may
   * throw to refuse), so two concurrent lifecycle changes cannot undo each other.
   */
  changeModel(
    id: string,
    change: (current: ModelRecord) => ModelRecord,
    audit: TimedAuditDraft,
  ): Promise<ModelRecord>;

  listApprovals(kind: SubjectKind, subject?: string): Promise<SubjectApproval[]>;
  insertApproval(kind: SubjectKind, approval: SubjectApproval, audit: TimedAuditDraft): Promise<void>;

  getPromptVersion(name: string, version: number): Promise<PromptVersionRecord | undefined>;
  listPromptVersions(name?: string): Promise<PromptVersionRecord[]>;
  /**
   * Stores a prompt version unless one with the same content exists; the version number is
   * assigned inside the transaction. `created` says which happened (the audit entry only then).
   */
  publishPromptVersion(
    draft: PromptVersionDraft,
    audit: (version: number) => TimedAuditDraft,
  ): Promise<{ record: PromptVersionRecord; created: boolean }>;

  getLabel(name: string, label: string): Promise<LabelRecord | undefined>;
  listLabels(name?: string): Promise<LabelRecord[]>;
  /** Points a label at a version and records the move (from what, to what, by whom). */
  moveLabel(
    label: LabelRecord,
    audit: (fromVersion: number | undefined) => TimedAuditDraft,
  ): Promise<LabelMove>;
  labelMoves(name: string, label?: string): Promise<LabelMove[]>;

  appendAudit(audit: TimedAuditDraft): Promise<AuditEntry>;
  listAudit(query?: AuditQuery): Promise<AuditEntry[]>;

  insertToken(token: TokenRecord, audit: TimedAuditDraft): Promise<void>;
  findTokenByHash(tokenHash: string): Promise<TokenRecord | undefined>;
  listTokens(): Promise<TokenRecord[]>;
  revokeToken(id: string, at: string, audit: TimedAuditDraft): Promise<boolean>;
}
