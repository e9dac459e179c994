import { randomBytes } from 'node:crypto';
import { AirlockError, newId, sha256Hex } from '@airlock/core';
import {
  type Approval,
  approvedTiers,
  checkApprovalAllowed,
  type RiskTier,
  type Role,
  roles,
  type TierStatus,
  tierStatus,
} from './approval-policy.ts';
import { type AuditDraft, type AuditEntry, type AuditVerification, verifyChain } from './audit-chain.ts';
import type { PromptFile } from './files.ts';
import { isSameFamily, type ModelRef, parseModelId } from './model-id.ts';
import { type PromptMessage, renderMessages } from './prompt-template.ts';
import { promptContent, promptDigest } from './prompt-version.ts';
import type {
  AuditQuery,
  LabelMove,
  LabelRecord,
  ModelRecord,
  PromptVersionRecord,
  RegistryStore,
  TokenRecord,
} from './store.ts';

export type ModelStatus = 'proposed' | 'approved' | 'deprecated' | 'retired';

/** A model as readers see it: its record plus what its approvals add up to. */
export interface ModelView extends ModelRecord {
  status: ModelStatus;
  snapshot?: string;
  approvedTiers: RiskTier[];
  approvals: Approval[];
}

export interface PromptView extends PromptVersionRecord {
  /** Labels pointing at this version. */
  labels: string[];
}

export interface PromptSummary {
  name: string;
  latestVersion: number;
  versions: number;
  labels: Record<string, number>;
}

export interface ModelFilter {
  status?: ModelStatus;
  /** Only models approved for this tier. */
  tier?: RiskTier;
  provider?: string;
}

export interface ApproveInput {
  actor: string;
  role: Role;
  tier: RiskTier;
  reason: string;
  evalRunId?: string;
}

/** What `authenticate` returns for a valid API token. */
export interface TokenIdentity {
  tokenId: string;
  actor: string;
  role: Role;
}

export interface RegistryOptions {
  store: RegistryStore;
  now?: () => Date;
}

const datePattern = /^\d{4}-\d{2}-\d{2}$/;
const labelPattern = /^[a-z][a-z0-9._-]*$/;

function statusOf(model: ModelRecord, tiers: RiskTier[]): ModelStatus {
  if (model.retiredAt) return 'retired';
  if (model.deprecatedAt) return 'deprecated';
  return tiers.length > 0 ? 'approved' : 'proposed';
}

function requireText(value: string, what: string): string {
  if (value.trim() === '') throw new AirlockError('INVALID_INPUT', `${what} is required`);
  return value.trim();
}

/**
 * An actor's identity as compared everywhere: trimmed and lowercased, because `Alice@corp` and
 * `alice@corp` are one person — otherwise separation of duties could be skipped by changing case.
 */
export function actorIdentity(value: string, what = 'the actor'): string {
  return requireText(value, what).toLowerCase();
}

/** A real calendar day in YYYY-MM-DD (2099-02-30 is not). */
function isCalendarDate(text: string): boolean {
  if (!datePattern.test(text)) return false;
  const date = new Date(`${text}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === text;
}

/** A registered model never changes: registering it again must name the same details. */
function sameModelDetails(
  existing: ModelRecord,
  input: { description?: string; contextWindow?: number },
): void {
  if (existing.description === input.description && existing.contextWindow === input.contextWindow) return;
  throw new AirlockError(
    'CONFLICT',
    `model ${existing.id} is already registered with other details (description, context window); a registered model does not change`,
    { context: { id: existing.id } },
  );
}

/**
 * The registry service: models, prompts, approvals, labels, audit and API tokens. Every rule
 * (pinning, separation of duties, tier approvals, immutable prompt versions) is enforced here,
 * so the CLI, the API and a platform team's own service all get the same answers.
 */
export function createRegistry(options: RegistryOptions) {
  const { store } = options;
  const now = () => (options.now ?? (() => new Date()))().toISOString();

  const audit = (draft: AuditDraft) => ({ ...draft, at: now() });

  async function knownAlternatives(wanted: ModelRef): Promise<string[]> {
    const pinned = (await store.listModels())
      .filter((model) => !model.retiredAt)
      .map((model) => parseModelId(model.id))
      .filter((candidate) => candidate.pinned && candidate.provider === wanted.provider);
    return pinned
      .filter((candidate) => isSameFamily(wanted, candidate))
      .map((candidate) => candidate.id)
      .sort()
      .reverse();
  }

  /** Refuses a floating id with the pinned snapshots of its family that the registry knows. */
  async function requirePinned(id: string): Promise<ModelRef> {
    const ref = parseModelId(id);
    if (ref.pinned) return ref;
    const alternatives = await knownAlternatives(ref);
    const hint =
      alternatives.length > 0
        ? `pin one of: ${alternatives.join(', ')}`
        : `pin a dated snapshot such as ${ref.provider}/${ref.family}-YYYY-MM-DD (none of this family is registered yet)`;
    throw new AirlockError('INVALID_INPUT', `${id} is a floating alias that can change under you; ${hint}`, {
      context: { id, alternatives },
    });
  }

  async function view(model: ModelRecord): Promise<ModelView> {
    const approvals = await store.listApprovals('model', model.id);
    const tiers = approvedTiers(approvals);
    const ref = parseModelId(model.id);
    return {
      ...model,
      status: statusOf(model, tiers),
      ...(ref.snapshot ? { snapshot: ref.snapshot } : {}),
      approvedTiers: tiers,
      approvals: approvals.map(({ subject: _subject, ...approval }) => approval),
    };
  }

  async function requireModel(id: string): Promise<ModelRecord> {
    const model = await store.getModel(id);
    if (model) return model;
    const ref = parseModelId(id);
    const alternatives = await knownAlternatives(ref);
    throw new AirlockError(
      'NOT_FOUND',
      `model ${id} is not registered${alternatives.length > 0 ? `; known in its family: ${alternatives.join(', ')}` : ''}`,
      { context: { id } },
    );
  }

  async function requirePromptVersion(name: string, version: number): Promise<PromptVersionRecord> {
    const record = await store.getPromptVersion(name, version);
    if (record) return record;
    const versions = await store.listPromptVersions(name);
    throw new AirlockError(
      'NOT_FOUND',
      versions.length === 0
        ? `prompt ${name} is not registered`
        : `prompt ${name} has no version ${version} (versions 1–${versions.length})`,
      { context: { name, version } },
    );
  }

  async function resolvePrompt(name: string, ref: { version?: number; label?: string } = {}) {
    if (ref.version !== undefined) return requirePromptVersion(name, ref.version);
    if (ref.label !== undefined) {
      const label = await store.getLabel(name, ref.label);
      if (!label) {
        const labels = (await store.listLabels(name)).map((item) => item.label);
        throw new AirlockError(
          'NOT_FOUND',
          `prompt ${name} has no label "${ref.label}"${labels.length > 0 ? ` (labels: ${labels.join(', ')})` : ''}`,
          { context: { name, label: ref.label } },
        );
      }
      return requirePromptVersion(name, label.version);
    }
    const versions = await store.listPromptVersions(name);
    const latest = versions.at(-1);
    if (!latest)
      throw new AirlockError('NOT_FOUND', `prompt ${name} is not registered`, { context: { name } });
    return latest;
  }

  async function promptView(record: PromptVersionRecord): Promise<PromptView> {
    const labels = (await store.listLabels(record.name))
      .filter((label) => label.version === record.version)
      .map((label) => label.label);
    return { ...record, labels };
  }

  async function approve(kind: 'model' | 'prompt', subject: string, publisher: string, input: ApproveInput) {
    const actor = actorIdentity(input.actor, 'the approving actor');
    const reason = requireText(input.reason, 'a reason for the approval');
    const existing = await store.listApprovals(kind, subject);
    checkApprovalAllowed({ subject, publisher, actor, role: input.role, tier: input.tier, existing });
    const approval = {
      subject,
      tier: input.tier,
      actor,
      role: input.role,
      reason,
      ...(input.evalRunId ? { evalRunId: input.evalRunId } : {}),
      at: now(),
    };
    await store.insertApproval(
      kind,
      approval,
      audit({
        actor,
        action: `${kind}.approve`,
        subject,
        details: { tier: input.tier, role: input.role, reason, evalRunId: input.evalRunId ?? null },
      }),
    );
    return tierStatus(input.tier, [...existing, approval]);
  }

  return {
    /** Refuses a floating model id, naming the pinned snapshots of its family that are registered. */
    checkPinned: requirePinned,

    /**
     * Checks that a model could be registered (pinned, and not registered with other details)
     * without writing anything: `registry publish` checks every file before storing any.
     */
    async checkAddModel(input: { id: string; description?: string; contextWindow?: number }) {
      const ref = await requirePinned(input.id);
      const existing = await store.getModel(ref.id);
      if (existing) sameModelDetails(existing, input);
      return ref;
    },

    /** Registers a pinned model (idempotent: the same id and details again is a no-op). */
    async addModel(input: { id: string; actor: string; description?: string; contextWindow?: number }) {
      const actor = actorIdentity(input.actor, 'the publishing actor');
      const ref = await requirePinned(input.id);
      const existing = await store.getModel(ref.id);
      if (existing) {
        sameModelDetails(existing, input);
        return { model: await view(existing), created: false };
      }
      const model: ModelRecord = {
        id: ref.id,
        provider: ref.provider,
        name: ref.name,
        family: ref.family,
        ...(input.description === undefined ? {} : { description: input.description }),
        ...(input.contextWindow === undefined ? {} : { contextWindow: input.contextWindow }),
        publishedBy: actor,
        publishedAt: now(),
      };
      try {
        await store.insertModel(
          model,
          audit({ actor, action: 'model.publish', subject: ref.id, details: {} }),
        );
      } catch (error) {
        // Another publisher got there first: the same details are still "unchanged", not a conflict.
        const raced =
          error instanceof AirlockError && error.code === 'CONFLICT'
            ? await store.getModel(ref.id)
            : undefined;
        if (!raced) throw error;
        sameModelDetails(raced, input);
        return { model: await view(raced), created: false };
      }
      return { model: await view(model), created: true };
    },

    async getModel(id: string): Promise<ModelView> {
      return view(await requireModel(id));
    },

    async listModels(filter: ModelFilter = {}): Promise<ModelView[]> {
      const models = await Promise.all((await store.listModels()).map(view));
      return models.filter(
        (model) =>
          (filter.status === undefined || model.status === filter.status) &&
          (filter.tier === undefined ||
            (model.status !== 'retired' && model.approvedTiers.includes(filter.tier))) &&
          (filter.provider === undefined || model.provider === filter.provider),
      );
    },

    /** One approval; the result says whether the tier is now approved and what is still missing. */
    async approveModel(id: string, input: ApproveInput): Promise<{ model: ModelView; tier: TierStatus }> {
      const model = await requireModel(id);
      if (model.retiredAt)
        throw new AirlockError('CONFLICT', `model ${id} is retired; it cannot be approved`);
      const tier = await approve('model', id, model.publishedBy, input);
      return { model: await view(model), tier };
    },

    async deprecateModel(id: string, input: { actor: string; endOfLife: string; reason: string }) {
      const actor = actorIdentity(input.actor);
      const reason = requireText(input.reason, 'a reason');
      if (!isCalendarDate(input.endOfLife)) {
        throw new AirlockError(
          'INVALID_INPUT',
          `end of life "${input.endOfLife}" is not a date (expected YYYY-MM-DD)`,
        );
      }
      await requireModel(id);
      const updated = await store.changeModel(
        id,
        (current) => {
          if (current.retiredAt)
            throw new AirlockError('CONFLICT', `model ${id} is retired; it cannot be deprecated`);
          return {
            ...current,
            deprecatedAt: now(),
            deprecatedBy: actor,
            endOfLife: input.endOfLife,
            deprecationReason: reason,
          };
        },
        audit({
          actor,
          action: 'model.deprecate',
          subject: id,
          details: { endOfLife: input.endOfLife, reason },
        }),
      );
      return view(updated);
    },

    async retireModel(id: string, input: { actor: string; reason: string }) {
      const actor = actorIdentity(input.actor);
      const reason = requireText(input.reason, 'a reason');
      const model = await requireModel(id);
      if (model.retiredAt) return view(model);
      const updated = await store.changeModel(
        id,
        (current) => ({ ...current, retiredAt: now(), retiredBy: actor, retirementReason: reason }),
        audit({ actor, action: 'model.retire', subject: id, details: { reason } }),
      );
      return view(updated);
    },

    /**
     * Why a model may not serve a feature of this tier on `day` (YYYY-MM-DD): floating, unknown,
     * retired, past end of life, or not approved for the tier. Empty when it may.
     */
    async deployProblems(id: string, tier: RiskTier, day: string): Promise<string[]> {
      try {
        await requirePinned(id);
        const model = await view(await requireModel(id));
        const problems: string[] = [];
        if (model.status === 'retired') problems.push(`${id} is retired`);
        if (model.endOfLife !== undefined && model.endOfLife < day) {
          problems.push(`${id} passed its end of life (${model.endOfLife})`);
        }
        if (!model.approvedTiers.includes(tier)) {
          const missing = tierStatus(tier, model.approvals).missing.join('; ');
          problems.push(`${id} is not approved for ${tier} tier (needs ${missing})`);
        }
        return problems;
      } catch (error) {
        if (error instanceof AirlockError) return [error.message];
        throw error;
      }
    },

    /** Publishes a prompt version (idempotent: the same content returns the existing version). */
    async publishPrompt(file: PromptFile, actorInput: string) {
      const actor = actorIdentity(actorInput, 'the publishing actor');
      const content = promptContent(file);
      const sha256 = promptDigest(content);
      const { record, created } = await store.publishPromptVersion(
        { ...content, sha256, publishedBy: actor, publishedAt: now() },
        (version) =>
          audit({
            actor,
            action: 'prompt.publish',
            subject: `${content.name}@${version}`,
            details: { sha256 },
          }),
      );
      return { prompt: await promptView(record), created };
    },

    async getPrompt(name: string, ref: { version?: number; label?: string } = {}): Promise<PromptView> {
      return promptView(await resolvePrompt(name, ref));
    },

    async listPrompts(): Promise<PromptSummary[]> {
      const versions = await store.listPromptVersions();
      const labels = await store.listLabels();
      const byName = new Map<string, PromptSummary>();
      for (const record of versions) {
        const summary = byName.get(record.name) ?? {
          name: record.name,
          latestVersion: 0,
          versions: 0,
          labels: {},
        };
        summary.latestVersion = Math.max(summary.latestVersion, record.version);
        summary.versions += 1;
        byName.set(record.name, summary);
      }
      for (const label of labels) {
        const summary = byName.get(label.name);
        if (summary) summary.labels[label.label] = label.version;
      }
      return [...byName.values()];
    },

    async listPromptVersions(name: string): Promise<PromptView[]> {
      const versions = await store.listPromptVersions(name);
      if (versions.length === 0) throw new AirlockError('NOT_FOUND', `prompt ${name} is not registered`);
      return Promise.all(versions.map(promptView));
    },

    /** Points a label (`production`, `staging`, any name) at a version; every move is recorded. */
    async moveLabel(input: {
      name: string;
      label: string;
      version: number;
      actor: string;
    }): Promise<LabelMove> {
      const actor = actorIdentity(input.actor);
      if (!labelPattern.test(input.label)) {
        throw new AirlockError(
          'INVALID_INPUT',
          `label "${input.label}" must be lowercase letters, digits, . _ or -`,
        );
      }
      await requirePromptVersion(input.name, input.version);
      const current = await store.getLabel(input.name, input.label);
      if (current?.version === input.version) {
        // Already there: nothing moves, so nothing is recorded.
        return {
          name: input.name,
          label: input.label,
          fromVersion: input.version,
          toVersion: input.version,
          movedBy: current.movedBy,
          movedAt: current.movedAt,
        };
      }
      const label: LabelRecord = {
        name: input.name,
        label: input.label,
        version: input.version,
        movedBy: actor,
        movedAt: now(),
      };
      return store.moveLabel(label, (fromVersion) =>
        audit({
          actor,
          action: 'prompt.label',
          subject: `${input.name}:${input.label}`,
          details: { from: fromVersion ?? null, to: input.version },
        }),
      );
    },

    async labelHistory(name: string, label?: string): Promise<LabelMove[]> {
      return store.labelMoves(name, label);
    },

    /** Renders a prompt version with variables; every missing variable is reported together. */
    async renderPrompt(
      name: string,
      ref: { version?: number; label?: string },
      vars: Record<string, unknown>,
    ): Promise<{ prompt: PromptVersionRecord; messages: PromptMessage[] }> {
      const prompt = await resolvePrompt(name, ref);
      return { prompt, messages: renderMessages(prompt.messages, vars, `${name}@${prompt.version}`) };
    },

    async approvePrompt(name: string, version: number, input: ApproveInput) {
      const prompt = await requirePromptVersion(name, version);
      return approve('prompt', `${name}@${version}`, prompt.publishedBy, input);
    },

    /** Appends an event that is not a registry change (a lint override, an emergency release). */
    async record(draft: AuditDraft): Promise<AuditEntry> {
      return store.appendAudit(audit(draft));
    },

    async auditLog(query: AuditQuery = {}): Promise<AuditEntry[]> {
      return store.listAudit(query);
    },

    /**
     * Verifies the audit log's hash chain, then that the registry's state is what the log says
     * happened: every model, prompt version and approval has its entry, and every label points
     * where its last recorded move put it. A row written behind the registry's back fails here.
     */
    async verifyAudit(): Promise<AuditVerification> {
      const entries = await store.listAudit();
      const chain = verifyChain(entries);
      if (!chain.ok) return chain;
      const logged = (
        action: string,
        subject: string,
        match: (details: Record<string, unknown>, actor: string) => boolean,
      ) =>
        entries.some(
          (entry) =>
            entry.action === action && entry.subject === subject && match(entry.details, entry.actor),
        );
      const unbacked = (what: string) => ({
        ok: false as const,
        entries: entries.length,
        problem: `${what} is in the registry but not in the audit log: it was written around the registry`,
      });
      for (const model of await store.listModels()) {
        if (!logged('model.publish', model.id, (_details, actor) => actor === model.publishedBy)) {
          return unbacked(`model ${model.id}`);
        }
      }
      for (const kind of ['model', 'prompt'] as const) {
        for (const approval of await store.listApprovals(kind)) {
          const backed = logged(
            `${kind}.approve`,
            approval.subject,
            (details, actor) =>
              actor === approval.actor && details.tier === approval.tier && details.role === approval.role,
          );
          if (!backed)
            return unbacked(
              `the ${approval.tier}-tier approval of ${approval.subject} by ${approval.actor} (${approval.role})`,
            );
        }
      }
      for (const version of await store.listPromptVersions()) {
        const subject = `${version.name}@${version.version}`;
        if (!logged('prompt.publish', subject, (details) => details.sha256 === version.sha256)) {
          return unbacked(`prompt version ${subject} (sha256 ${version.sha256.slice(0, 12)})`);
        }
      }
      for (const label of await store.listLabels()) {
        const subject = `${label.name}:${label.label}`;
        const last = entries
          .filter((entry) => entry.action === 'prompt.label' && entry.subject === subject)
          .at(-1);
        if (last?.details.to !== label.version) {
          return unbacked(`label ${subject} → ${label.version}`);
        }
      }
      return chain;
    },

    /** A new API token for an actor and role; the plain token is returned once and stored only as a hash. */
    async createToken(input: { actor: string; role: Role; createdBy: string }) {
      const actor = actorIdentity(input.actor, 'the token actor');
      const createdBy = actorIdentity(input.createdBy, 'the creating actor');
      if (!roles.includes(input.role)) {
        throw new AirlockError('INVALID_INPUT', `unknown role "${input.role}" (roles: ${roles.join(', ')})`);
      }
      const token = `alk_${randomBytes(24).toString('base64url')}`;
      const record: TokenRecord = {
        id: newId('tok'),
        tokenHash: sha256Hex(token),
        actor,
        role: input.role,
        createdBy,
        createdAt: now(),
      };
      await store.insertToken(
        record,
        audit({
          actor: createdBy,
          action: 'token.create',
          subject: record.id,
          details: { actor, role: input.role },
        }),
      );
      return { id: record.id, token, actor, role: input.role };
    },

    async authenticate(token: string): Promise<TokenIdentity | undefined> {
      const record = await store.findTokenByHash(sha256Hex(token));
      if (!record || record.revokedAt) return undefined;
      return { tokenId: record.id, actor: record.actor, role: record.role as Role };
    },

    async listTokens() {
      return (await store.listTokens()).map(({ tokenHash: _hash, ...token }) => token);
    },

    async revokeToken(id: string, actor: string): Promise<void> {
      const revoked = await store.revokeToken(
        id,
        now(),
        audit({ actor: actorIdentity(actor), action: 'token.revoke', subject: id, details: {} }),
      );
      if (!revoked) throw new AirlockError('NOT_FOUND', `no active token ${id}`);
    },
  };
}

/** The registry service's type, for code that receives one. */
export type Registry = ReturnType<typeof createRegistry>;
