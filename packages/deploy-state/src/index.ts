/** deploy_state.json per environment: record, mark good, rollback to the last known-good release, halt. */

/** The service: read, record, markGood, rollback (with the rate-limit halt), unhalt. */
export {
  createDeployState,
  type DeployEvent,
  type DeployRunner,
  type DeployStateOptions,
  type DeployStateService,
  type ProcessIdentity,
  type RollbackClaim,
  type RollbackOptions,
  type RollbackOutcome,
  type StateView,
} from './deploy-state.ts';
/** The local file store: a kernel-released lock plus compare-and-swap, atomic replace. */
export { createFileStateStore } from './file-state-store.ts';
/** The S3 store: conditional writes (If-Match / If-None-Match), and the probe that checks a server enforces them. */
export {
  type ConditionalWriteProbe,
  createS3Client,
  createS3StateStore,
  probeConditionalWrites,
  type S3StateStoreOptions,
} from './s3-state-store.ts';
/** The `deploy_state.json` format (airlock.deploy-state/v1): schema, parsing with checks, writing. */
export {
  checkStateKey,
  type Deployment,
  type DeployState,
  deployStateFormat,
  deployStateSchema,
  type Halt,
  type Outcome,
  outcomes,
  parseDeployState,
  type ReleaseRef,
  type RollbackRecord,
  type RolloutProgress,
  releaseRefSchema,
  rolloutProgressSchema,
  serializeDeployState,
  stateNamePattern,
} from './state.ts';
/** Where states live: the interface both stores implement. */
export type { StateKey, StateStore, StoredState } from './state-store.ts';
/** The pure state machine (no I/O), for platform teams building their own flows. */
export {
  defaultRollbackLimit,
  type RollbackLimit,
  type RollbackPlan,
  rollbacksInWindow,
  rollbackTarget,
  unhaltRoles,
} from './transitions.ts';
