/** The registry service: models, prompts, approvals, labels, audit, API tokens. */

/** Risk tiers, roles and what approvals a tier needs. */
export {
  type Approval,
  approvedTiers,
  approverRoles,
  type RiskTier,
  type Role,
  riskTiers,
  roles,
  type TierStatus,
  tierStatus,
} from './approval-policy.ts';
/** The tamper-evident audit log. */
export { type AuditDraft, type AuditEntry, type AuditVerification, verifyChain } from './audit-chain.ts';
/** The YAML formats: model files, prompt files, feature manifests. */
export {
  type FeatureManifest,
  featureManifestSchema,
  type ModelFile,
  modelFileSchema,
  type PromptFile,
  promptFileSchema,
  promptParametersSchema,
  registryFileSchema,
} from './files.ts';
/** Feature manifests and the files they name, read from disk. */
export {
  type LintCase,
  type LoadManifestOptions,
  loadManifestSources,
  loadPreviousRelease,
  type ManifestSources,
  type SourceFile,
  type SuiteFile,
} from './manifest-files.ts';
export { registryMigrations } from './migrations.ts';
/** Model ids: pinned snapshots versus floating aliases. */
export { type ModelRef, parseModelId } from './model-id.ts';
/** Policy lint: every rule a release must meet, every finding located. */
export {
  type LintCheck,
  type LintFinding,
  type LintOptions,
  type LintReport,
  lintManifest,
} from './policy-lint.ts';
/** Prompt templates with `{{variables}}`. */
export { missingVariables, type PromptMessage, promptVariables, renderMessages } from './prompt-template.ts';
export {
  type ApproveInput,
  createRegistry,
  type ModelFilter,
  type ModelStatus,
  type ModelView,
  type PromptSummary,
  type PromptView,
  type Registry,
  type RegistryOptions,
  type TokenIdentity,
} from './registry.ts';
/** Reading model and prompt files for publishing. */
export { type RegistryFile, readRegistryFile } from './registry-files.ts';
/** Releases: the deployable unit, named and digested. */
export {
  checkBuild,
  computeRelease,
  parsePromptRef,
  type Release,
  type ReleaseInput,
  releaseIdOf,
} from './release.ts';
export { createSqliteRegistryStore } from './sqlite-store.ts';
/** The store interface and its SQLite implementation, with the registry's migrations. */
export type {
  AuditQuery,
  LabelMove,
  LabelRecord,
  ModelRecord,
  PromptVersionRecord,
  RegistryStore,
  TokenRecord,
} from './store.ts';
