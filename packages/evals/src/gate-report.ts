// The release gate's report (`airlock gate`): one JSON document, and the Markdown and JUnit made
// from it. The HTML page is gateHtmlReport in html-report.ts. Pure: callers write the files.
import type { GateCheckStatus } from './gate.ts';
import { cell, type EvalReport, icons, junitTestsuite, markdownReport, xml } from './reports.ts';

export const gateStages = ['pre-merge', 'staging', 'canary', 'emergency'] as const;
export type GateStage = (typeof gateStages)[number];

/**
 * deploy → exit 0, blocked → 1, could-not-run → 2, halted → 3; a canary stage that needs more
 * time or data is `hold` → 9 (the same code as `rollout evaluate`), so a pipeline loop waits.
 */
export type GateDecision = 'deploy' | 'blocked' | 'could-not-run' | 'halted' | 'hold';

export const gateExitCodes: Record<GateDecision, 0 | 1 | 2 | 3 | 9> = {
  deploy: 0,
  blocked: 1,
  'could-not-run': 2,
  halted: 3,
  hold: 9,
};

export interface GateStep {
  /** `lint`, `datasets`, `suite:smoke`, `cost`, `regression`, `rollout`, `record`. */
  id: string;
  name: string;
  status: GateCheckStatus;
  durationMs: number;
  /** One sentence with the numbers. */
  summary: string;
  /** Findings or reasons, one per line (file:line:col where there is one). */
  details: string[];
}

export interface GateReleaseSummary {
  id: string;
  model: string;
  prompt: string;
}

export interface GateReport {
  schema: 'airlock.gate-report/v1';
  feature: string;
  stage: GateStage;
  manifest: string;
  environment: string;
  candidate: GateReleaseSummary;
  /** What deploy state says runs in the environment (null: nothing recorded yet). */
  deployed: (GateReleaseSummary & { seq: number; deployedAt: string }) | null;
  decision: GateDecision;
  exitCode: 0 | 1 | 2 | 3 | 9;
  /** Every reason the decision is not `deploy`, and the warnings that did not block. */
  reasons: string[];
  /** Things a reader must know that are not reasons (an emergency gate since the last normal one). */
  notices: string[];
  steps: GateStep[];
  /** Each suite's full eval report (schema airlock.eval-report/v1). */
  suites: { name: string; report: EvalReport }[];
  /** The cost change against the deployed release, when there is one to compare with. */
  cost: {
    baselineModel: string | null;
    candidateModel: string;
    baselinePerRequestUsd: number | null;
    candidatePerRequestUsd: number;
    requestsPerMonth: number | null;
    baselinePerMonthUsd: number | null;
    candidatePerMonthUsd: number | null;
    percentChange: number | null;
    /** Mean tokens per request measured in this gate's runs, the shape the costs are priced for. */
    inputTokens: number;
    outputTokens: number;
    pricesNote: string;
  } | null;
  /** `--stage canary`: the rollout evaluation of the current stage and what was done about it. */
  rollout: {
    decision: 'promote' | 'hold' | 'rollback';
    stage: number;
    trafficPct: number;
    reasons: string[];
    action: string | null;
  } | null;
  /** `--record`: what was recorded in deploy state (changed: false when it already ran there). */
  recorded: { environment: string; seq: number; changed: boolean } | null;
  actor: string | null;
  startedAt: string;
  durationMs: number;
}

const headline: Record<GateDecision, string> = {
  deploy: '✅ Release gate: deploy',
  blocked: '❌ Release gate: blocked',
  'could-not-run': '⛔ Release gate: could not run',
  halted: '🛑 Release gate: halted',
  hold: '⏸️ Release gate: hold',
};

function seconds(milliseconds: number): string {
  return milliseconds < 1000 ? `${Math.round(milliseconds)} ms` : `${(milliseconds / 1000).toFixed(1)} s`;
}

const money = (value: number) => `$${value.toFixed(value >= 100 ? 0 : value >= 1 ? 2 : 6)}`;

/** The cost change as lines ("cost / request: $0.001 → $0.0012 (+20.0%)"), for every output. */
export function gateCostLines(cost: GateReport['cost']): string[] {
  if (!cost) return [];
  const change =
    cost.percentChange === null
      ? ''
      : ` (${cost.percentChange > 0 ? '+' : ''}${cost.percentChange.toFixed(1)}%)`;
  const lines = [
    cost.baselinePerRequestUsd === null
      ? `cost / request: ${money(cost.candidatePerRequestUsd)} (${cost.candidateModel}; nothing deployed to compare with)`
      : `cost / request: ${money(cost.baselinePerRequestUsd)} (${cost.baselineModel}) → ${money(cost.candidatePerRequestUsd)} (${cost.candidateModel})${change}`,
  ];
  if (cost.requestsPerMonth !== null && cost.candidatePerMonthUsd !== null) {
    lines.push(
      `cost / month at ${cost.requestsPerMonth.toLocaleString('en-US')} requests: ${
        cost.baselinePerMonthUsd === null ? '' : `${money(cost.baselinePerMonthUsd)} → `
      }${money(cost.candidatePerMonthUsd)}`,
    );
  }
  lines.push(
    `priced for ${Math.round(cost.inputTokens)} input / ${Math.round(cost.outputTokens)} output tokens per request (measured in this gate's runs); ${cost.pricesNote}`,
  );
  return lines;
}

/**
 * The Markdown summary (for $GITHUB_STEP_SUMMARY and a PR comment): the decision and every reason,
 * the steps with their timing, the cost change, then each suite's Baseline / Candidate / Delta
 * table and failing cases.
 */
export function gateMarkdown(report: GateReport): string {
  const lines = [
    `## ${headline[report.decision]} — ${report.feature} (${report.stage})`,
    '',
    `Candidate \`${report.candidate.id}\` (\`${report.candidate.model}\`, prompt \`${report.candidate.prompt}\`) from \`${report.manifest}\` · ${
      report.deployed
        ? `${report.environment} runs \`${report.deployed.id}\``
        : `nothing recorded in ${report.environment} yet`
    } · ${seconds(report.durationMs)}`,
    '',
  ];
  for (const notice of report.notices) lines.push(`> **Note:** ${notice}`, '');
  if (report.reasons.length > 0) {
    lines.push('### Reasons', '');
    for (const reason of report.reasons) lines.push(`- ${cell(reason)}`);
    lines.push('');
  }
  lines.push('| Step | Result | Time | What it found |', '|------|--------|------|---------------|');
  for (const step of report.steps) {
    lines.push(
      `| ${cell(step.name)} | ${icons[step.status]} ${step.status} | ${seconds(step.durationMs)} | ${cell(step.summary)} |`,
    );
  }
  const cost = gateCostLines(report.cost);
  if (cost.length > 0) {
    lines.push('', '### Cost against the deployed release', '');
    for (const line of cost) lines.push(`- ${cell(line)}`);
  }
  for (const suite of report.suites) {
    // Each suite's own report, one heading level down.
    const text = markdownReport(suite.report, { maxFailures: 25 }).replace(/^(#{2,3}) /gm, '#$1 ');
    lines.push('', text.trimEnd());
  }
  lines.push('');
  return lines.join('\n');
}

/** JUnit XML: a testsuite of the gate's steps (a failed step is a failure), then one per eval suite. */
export function gateJunit(report: GateReport): string {
  const name = xml(`${report.feature}/${report.stage}`);
  const stepFailures = report.steps.filter((step) => step.status === 'fail').length;
  const stepSeconds = report.steps.reduce((sum, step) => sum + step.durationMs, 0) / 1000;
  const stepLines = [
    `  <testsuite name="${name}/steps" tests="${report.steps.length}" failures="${stepFailures}" errors="0" skipped="${report.steps.filter((step) => step.status === 'skipped').length}" time="${stepSeconds.toFixed(3)}" timestamp="${xml(report.startedAt)}">`,
    '    <properties>',
    `      <property name="decision" value="${report.decision}"/>`,
    `      <property name="candidate" value="${xml(report.candidate.id)}"/>`,
    `      <property name="environment" value="${xml(report.environment)}"/>`,
    '    </properties>',
  ];
  for (const step of report.steps) {
    const open = `    <testcase classname="${name}" name="${xml(step.name)}" time="${(step.durationMs / 1000).toFixed(3)}"`;
    if (step.status === 'pass' || step.status === 'warn') stepLines.push(`${open}/>`);
    else if (step.status === 'skipped')
      stepLines.push(`${open}>`, `      <skipped message="${xml(step.summary)}"/>`, '    </testcase>');
    else {
      const message = xml(step.summary);
      const body = xml([step.summary, ...step.details].join('\n'));
      stepLines.push(`${open}>`, `      <failure message="${message}">${body}</failure>`, '    </testcase>');
    }
  }
  stepLines.push('  </testsuite>');
  const suites = report.suites.map((suite) => junitTestsuite(suite.report));
  const tests = report.steps.length + suites.reduce((sum, suite) => sum + suite.tests, 0);
  const failures = stepFailures + suites.reduce((sum, suite) => sum + suite.failures, 0);
  const errors = suites.reduce((sum, suite) => sum + suite.errors, 0);
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="airlock gate ${name}" tests="${tests}" failures="${failures}" errors="${errors}" time="${(report.durationMs / 1000).toFixed(3)}">`,
    ...stepLines,
    ...suites.flatMap((suite) => suite.lines),
    '</testsuites>',
    '',
  ].join('\n');
}
