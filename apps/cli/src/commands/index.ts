import type { CommandDefinition, CommandGroup } from '../command.ts';
import { auditLogCommand, auditVerifyCommand } from './audit.ts';
import { configCheckCommand } from './config-check.ts';
import { costDiffCommand, costEstimateCommand, costPricesCommand, costTokensCommand } from './cost.ts';
import {
  datasetCheckCommand,
  datasetCheckoutCommand,
  datasetGcCommand,
  datasetListCommand,
  datasetPinCommand,
  datasetPullCommand,
  datasetPushCommand,
  datasetStatusCommand,
  datasetValidateCommand,
  datasetVerifyCommand,
} from './dataset.ts';
import {
  deployHistoryCommand,
  deployMarkGoodCommand,
  deployProbeCommand,
  deployRecordCommand,
  deployRollbackCommand,
  deployStatusCommand,
  deployUnhaltCommand,
} from './deploy.ts';
import {
  evalBaselineSetCommand,
  evalBaselineShowCommand,
  evalCompareCommand,
  evalListCommand,
  evalRunCommand,
  evalShowCommand,
} from './eval.ts';
import { gateCommand } from './gate.ts';
import { initCommand } from './init.ts';
import { policyLintCommand } from './policy-lint.ts';
import {
  modelAddCommand,
  modelApproveCommand,
  modelDeprecateCommand,
  modelListCommand,
  modelRetireCommand,
  modelShowCommand,
} from './registry-model.ts';
import {
  promptApproveCommand,
  promptLabelCommand,
  promptListCommand,
  promptPublishCommand,
  promptRenderCommand,
  promptShowCommand,
} from './registry-prompt.ts';
import { registryPublishCommand } from './registry-publish.ts';
import { registryReleaseCommand } from './registry-release.ts';
import {
  rolloutAssignCommand,
  rolloutEvaluateCommand,
  rolloutMetricsCommand,
  rolloutRecordCommand,
  rolloutStartCommand,
} from './rollout.ts';
import { serveCommand } from './serve.ts';
import { tokenCreateCommand, tokenListCommand, tokenRevokeCommand } from './token.ts';

/** Every command, and the top-level words `airlock --help` lists (in this order). */
export const commands: readonly CommandDefinition[] = [
  initCommand,
  configCheckCommand,
  modelAddCommand,
  modelListCommand,
  modelShowCommand,
  modelApproveCommand,
  modelDeprecateCommand,
  modelRetireCommand,
  promptPublishCommand,
  promptListCommand,
  promptShowCommand,
  promptLabelCommand,
  promptRenderCommand,
  promptApproveCommand,
  registryPublishCommand,
  registryReleaseCommand,
  datasetPinCommand,
  datasetStatusCommand,
  datasetVerifyCommand,
  datasetCheckCommand,
  datasetCheckoutCommand,
  datasetPushCommand,
  datasetPullCommand,
  datasetGcCommand,
  datasetListCommand,
  datasetValidateCommand,
  evalRunCommand,
  evalCompareCommand,
  evalListCommand,
  evalShowCommand,
  evalBaselineSetCommand,
  evalBaselineShowCommand,
  costEstimateCommand,
  costDiffCommand,
  costPricesCommand,
  costTokensCommand,
  policyLintCommand,
  gateCommand,
  deployRecordCommand,
  deployMarkGoodCommand,
  deployRollbackCommand,
  deployStatusCommand,
  deployHistoryCommand,
  deployUnhaltCommand,
  deployProbeCommand,
  rolloutStartCommand,
  rolloutEvaluateCommand,
  rolloutMetricsCommand,
  rolloutAssignCommand,
  rolloutRecordCommand,
  auditLogCommand,
  auditVerifyCommand,
  tokenCreateCommand,
  tokenListCommand,
  tokenRevokeCommand,
  serveCommand,
];

export const groups: readonly CommandGroup[] = [
  { name: 'init', summary: initCommand.summary },
  { name: 'config', summary: 'check the project file (airlock.yaml) and the store it points to' },
  { name: 'registry', summary: 'pinned models, versioned prompts, approvals per risk tier, releases' },
  {
    name: 'dataset',
    summary: 'datasets pinned by SHA-256: pin, push, pull, status, check, verify, checkout, gc, validate',
  },
  {
    name: 'eval',
    summary: 'run eval suites against the model, gate on pass rate and regression, compare runs',
  },
  { name: 'cost', summary: 'money before merge: prices with their date and source, estimates, tokens' },
  { name: 'policy', summary: 'lint a feature manifest against the release rules' },
  { name: 'gate', summary: gateCommand.summary },
  {
    name: 'deploy',
    summary: 'deploy_state.json per environment: record, mark-good, rollback, status, history, unhalt',
  },
  {
    name: 'rollout',
    summary:
      'canary stages: start, evaluate (promote / hold / rollback), metrics from the prediction log, assign',
  },
  { name: 'audit', summary: 'the tamper-evident log of every change: read it, verify it' },
  { name: 'token', summary: 'API bearer tokens with roles' },
  { name: 'serve', summary: serveCommand.summary },
];
