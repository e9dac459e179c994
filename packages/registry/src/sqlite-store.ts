import { AirlockError } from '@airlock/core';
import { type Database, drizzleOrm } from '@airlock/db';
import type { SQL } from 'drizzle-orm';
import type { RiskTier, Role } from './approval-policy.ts';
import { type AuditEntry, chainEntry } from './audit-chain.ts';
import {
  approvalsTable,
  auditTable,
  labelMovesTable,
  modelsTable,
  promptLabelsTable,
  promptVersionsTable,
  tokensTable,
} from './schema.ts';
import type {
  AuditQuery,
  LabelMove,
  ModelRecord,
  PromptVersionRecord,
  RegistryStore,
  SubjectApproval,
  TimedAuditDraft,
  TokenRecord,
} from './store.ts';

const { and, asc, desc, eq, gt, isNull, max } = drizzleOrm;

/** Drops null columns, so records carry absent optional fields (not nulls). */
function withoutNulls<Row extends Record<string, unknown>>(
  row: Row,
): { [Key in keyof Row]: Exclude<Row[Key], null> } {
  return Object.fromEntries(Object.entries(row).filter(([, value]) => value !== null)) as {
    [Key in keyof Row]: Exclude<Row[Key], null>;
  };
}

function isUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: string }).code;
  return code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

type PromptRow = typeof promptVersionsTable.$inferSelect;

function promptFromRow(row: PromptRow): PromptVersionRecord {
  const body = JSON.parse(row.body) as Pick<PromptVersionRecord, 'description' | 'messages' | 'parameters'>;
  return {
    name: row.name,
    version: row.version,
    sha256: row.sha256,
    ...(body.description === undefined ? {} : { description: body.description }),
    messages: body.messages,
    parameters: body.parameters,
    publishedBy: row.publishedBy,
    publishedAt: row.publishedAt,
  };
}

function auditFromRow(row: typeof auditTable.$inferSelect): AuditEntry {
  return { ...row, details: JSON.parse(row.details) as Record<string, unknown> };
}

/**
 * The registry on the embedded SQLite store. Each mutation runs in one IMMEDIATE transaction with
 * its audit entry, so the chain has no gaps even with several processes writing.
 */
export function createSqliteRegistryStore(database: Database): RegistryStore {
  const { orm, sqlite } = database;

  const appendAuditNow = (draft: TimedAuditDraft): AuditEntry => {
    const last = orm.select().from(auditTable).orderBy(desc(auditTable.seq)).limit(1).get();
    const { at, ...rest } = draft;
    const entry = chainEntry(rest, last ? auditFromRow(last) : undefined, at);
    orm
      .insert(auditTable)
      .values({ ...entry, details: JSON.stringify(entry.details) })
      .run();
    return entry;
  };

  const atomically = <Result>(work: () => Result): Result => sqlite.transaction(work).immediate();

  return {
    async getModel(id) {
      const row = orm.select().from(modelsTable).where(eq(modelsTable.id, id)).get();
      return row ? (withoutNulls(row) as ModelRecord) : undefined;
    },
    async listModels() {
      return orm
        .select()
        .from(modelsTable)
        .orderBy(asc(modelsTable.id))
        .all()
        .map((row) => withoutNulls(row) as ModelRecord);
    },
    async insertModel(model, audit) {
      try {
        atomically(() => {
          orm.insert(modelsTable).values(model).run();
          appendAuditNow(audit);
        });
      } catch (error) {
        if (isUniqueViolation(error)) {
          throw new AirlockError('CONFLICT', `model ${model.id} is already registered`, {
            context: { id: model.id },
          });
        }
        throw error;
      }
    },
    async changeModel(id, change, audit) {
      return atomically(() => {
        const row = orm.select().from(modelsTable).where(eq(modelsTable.id, id)).get();
        if (!row) throw new AirlockError('NOT_FOUND', `model ${id} is not registered`);
        const { id: _id, ...rest } = change(withoutNulls(row) as ModelRecord);
        const blank = {
          description: null,
          contextWindow: null,
          deprecatedAt: null,
          deprecatedBy: null,
          endOfLife: null,
          deprecationReason: null,
          retiredAt: null,
          retiredBy: null,
          retirementReason: null,
        };
        orm
          .update(modelsTable)
          .set({ ...blank, ...rest })
          .where(eq(modelsTable.id, id))
          .run();
        appendAuditNow(audit);
        return { id, ...rest } as ModelRecord;
      });
    },

    async listApprovals(kind, subject) {
      const conditions: SQL[] = [eq(approvalsTable.subjectKind, kind)];
      if (subject !== undefined) conditions.push(eq(approvalsTable.subject, subject));
      return orm
        .select()
        .from(approvalsTable)
        .where(and(...conditions))
        .orderBy(asc(approvalsTable.id))
        .all()
        .map(
          (row): SubjectApproval => ({
            subject: row.subject,
            tier: row.tier as RiskTier,
            actor: row.actor,
            role: row.role as Role,
            reason: row.reason,
            ...(row.evalRunId === null ? {} : { evalRunId: row.evalRunId }),
            at: row.approvedAt,
          }),
        );
    },
    async insertApproval(kind, approval, audit) {
      try {
        atomically(() => {
          orm
            .insert(approvalsTable)
            .values({
              subjectKind: kind,
              subject: approval.subject,
              tier: approval.tier,
              actor: approval.actor,
              role: approval.role,
              reason: approval.reason,
              evalRunId: approval.evalRunId ?? null,
              approvedAt: approval.at,
            })
            .run();
          appendAuditNow(audit);
        });
      } catch (error) {
        if (isUniqueViolation(error)) {
          throw new AirlockError(
            'CONFLICT',
            `${approval.actor} already approved ${approval.subject} at ${approval.tier} tier`,
          );
        }
        throw error;
      }
    },

    async getPromptVersion(name, version) {
      const row = orm
        .select()
        .from(promptVersionsTable)
        .where(and(eq(promptVersionsTable.name, name), eq(promptVersionsTable.version, version)))
        .get();
      return row ? promptFromRow(row) : undefined;
    },
    async listPromptVersions(name) {
      const query = orm.select().from(promptVersionsTable);
      const rows = (name === undefined ? query : query.where(eq(promptVersionsTable.name, name)))
        .orderBy(asc(promptVersionsTable.name), asc(promptVersionsTable.version))
        .all();
      return rows.map(promptFromRow);
    },
    async publishPromptVersion(draft, audit) {
      return atomically(() => {
        const existing = orm
          .select()
          .from(promptVersionsTable)
          .where(and(eq(promptVersionsTable.name, draft.name), eq(promptVersionsTable.sha256, draft.sha256)))
          .get();
        if (existing) return { record: promptFromRow(existing), created: false };
        const latest = orm
          .select({ version: max(promptVersionsTable.version) })
          .from(promptVersionsTable)
          .where(eq(promptVersionsTable.name, draft.name))
          .get();
        const version = (latest?.version ?? 0) + 1;
        const record: PromptVersionRecord = { ...draft, version };
        orm
          .insert(promptVersionsTable)
          .values({
            name: draft.name,
            version,
            sha256: draft.sha256,
            body: JSON.stringify({
              description: draft.description,
              messages: draft.messages,
              parameters: draft.parameters,
            }),
            publishedBy: draft.publishedBy,
            publishedAt: draft.publishedAt,
          })
          .run();
        appendAuditNow(audit(version));
        return { record, created: true };
      });
    },

    async getLabel(name, label) {
      return orm
        .select()
        .from(promptLabelsTable)
        .where(and(eq(promptLabelsTable.name, name), eq(promptLabelsTable.label, label)))
        .get();
    },
    async listLabels(name) {
      const query = orm.select().from(promptLabelsTable);
      return (name === undefined ? query : query.where(eq(promptLabelsTable.name, name)))
        .orderBy(asc(promptLabelsTable.name), asc(promptLabelsTable.label))
        .all();
    },
    async moveLabel(label, audit) {
      return atomically(() => {
        const current = orm
          .select()
          .from(promptLabelsTable)
          .where(and(eq(promptLabelsTable.name, label.name), eq(promptLabelsTable.label, label.label)))
          .get();
        orm
          .insert(promptLabelsTable)
          .values(label)
          .onConflictDoUpdate({
            target: [promptLabelsTable.name, promptLabelsTable.label],
            set: { version: label.version, movedBy: label.movedBy, movedAt: label.movedAt },
          })
          .run();
        const move: LabelMove = {
          name: label.name,
          label: label.label,
          ...(current ? { fromVersion: current.version } : {}),
          toVersion: label.version,
          movedBy: label.movedBy,
          movedAt: label.movedAt,
        };
        orm
          .insert(labelMovesTable)
          .values({ ...move, fromVersion: move.fromVersion ?? null })
          .run();
        appendAuditNow(audit(current?.version));
        return move;
      });
    },
    async labelMoves(name, label) {
      const conditions: SQL[] = [eq(labelMovesTable.name, name)];
      if (label !== undefined) conditions.push(eq(labelMovesTable.label, label));
      return orm
        .select()
        .from(labelMovesTable)
        .where(and(...conditions))
        .orderBy(asc(labelMovesTable.id))
        .all()
        .map(({ id: _id, ...row }) => withoutNulls(row) as LabelMove);
    },

    async appendAudit(audit) {
      return atomically(() => appendAuditNow(audit));
    },
    async listAudit(query: AuditQuery = {}) {
      const conditions: SQL[] = [];
      if (query.subject !== undefined) conditions.push(eq(auditTable.subject, query.subject));
      if (query.action !== undefined) conditions.push(eq(auditTable.action, query.action));
      if (query.afterSeq !== undefined) conditions.push(gt(auditTable.seq, query.afterSeq));
      const base = orm
        .select()
        .from(auditTable)
        .where(conditions.length > 0 ? and(...conditions) : undefined)
        .orderBy(asc(auditTable.seq));
      return (query.limit === undefined ? base.all() : base.limit(query.limit).all()).map(auditFromRow);
    },

    async insertToken(token, audit) {
      atomically(() => {
        orm
          .insert(tokensTable)
          .values({ ...token, revokedAt: token.revokedAt ?? null })
          .run();
        appendAuditNow(audit);
      });
    },
    async findTokenByHash(tokenHash) {
      const row = orm.select().from(tokensTable).where(eq(tokensTable.tokenHash, tokenHash)).get();
      return row ? (withoutNulls(row) as TokenRecord) : undefined;
    },
    async listTokens() {
      return orm
        .select()
        .from(tokensTable)
        .orderBy(asc(tokensTable.createdAt))
        .all()
        .map((row) => withoutNulls(row) as TokenRecord);
    },
    async revokeToken(id, at, audit) {
      return atomically(() => {
        const result = orm
          .update(tokensTable)
          .set({ revokedAt: at })
          .where(and(eq(tokensTable.id, id), isNull(tokensTable.revokedAt)))
          .run();
        if (result.changes === 0) return false;
        appendAuditNow(audit);
        return true;
      });
    },
  };
}
