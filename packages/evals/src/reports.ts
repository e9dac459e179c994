import type { Baseline, GateResult } from './gate.ts';
import type { EvalRun, StoredOutcome } from './types.ts';

/** The JSON report: versioned, everything a later tool needs without the store. */
export interface EvalReport {
  schema: 'airlock.eval-report/v1';
  run: EvalRun;
  gate?: GateResult;
  baseline?: Baseline['metrics'] & { source: string };
  /** Every case's outcome; failing ones carry the first reason. */
  cases: StoredOutcome[];
}

export function evalReport(
  run: EvalRun,
  outcomes: readonly StoredOutcome[],
  gate?: GateResult,
  baseline?: Baseline,
): EvalReport {
  return {
    schema: 'airlock.eval-report/v1',
    run,
    ...(gate ? { gate } : {}),
    ...(baseline ? { baseline: { source: baseline.source, ...baseline.metrics } } : {}),
    cases: [...outcomes],
  };
}

const percent = (value: number) => `${(value * 100).toFixed(1)}%`;
const signedPoints = (value: number) => `${value >= 0 ? '+' : ''}${(value * 100).toFixed(1)} pts`;
const ms = (value: number) => `${Math.round(value)}ms`;
const signedMs = (value: number) => `${value >= 0 ? '+' : ''}${Math.round(value)}ms`;
const usd = (value: number) => `$${value.toFixed(4)}`;
const signedUsd = (value: number) => `${value >= 0 ? '+' : '-'}$${Math.abs(value).toFixed(4)}`;

/** Escapes what would break a Markdown table cell. */
export function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

function row(
  name: string,
  baseline: number | undefined,
  candidate: number | undefined,
  show: (v: number) => string,
  delta: (v: number) => string,
): string {
  const base = baseline === undefined ? '–' : show(baseline);
  const cand = candidate === undefined ? '–' : show(candidate);
  const change = baseline === undefined || candidate === undefined ? '–' : delta(candidate - baseline);
  return `| ${name} | ${base} | ${cand} | ${change} |`;
}

/** A check's or step's status in Markdown. */
export const icons = { pass: '✅', fail: '❌', warn: '⚠️', skipped: '➖' } as const;

/**
 * The PR comment: seed 003's Baseline / Candidate / Delta table (accuracy, p95 latency, cost per
 * 1k requests), the decision with every reason, then the failing cases.
 */
export function markdownReport(report: EvalReport, options: { maxFailures?: number } = {}): string {
  const { run, gate, baseline } = report;
  const m = run.metrics;
  const lines: string[] = [];
  const title = run.feature ? `${run.feature} · ${run.suite.name}` : run.suite.name;
  if (gate) {
    lines.push(`## ${gate.decision === 'pass' ? '✅ Eval gate passed' : '❌ Eval gate blocked'}: ${title}`);
  } else lines.push(`## Eval run: ${title}`);
  lines.push('');
  lines.push(
    `Run \`${run.id}\` · model \`${run.model}\`${run.prompt ? ` · prompt \`${run.prompt}\`` : ''} · ${m.cases} cases${m.repeats > 1 ? ` × ${m.repeats}` : ''} · suite \`${run.suite.sha256.slice(0, 12)}\`${baseline ? ` · baseline ${baseline.source}` : ''}`,
  );
  if (run.interrupted)
    lines.push('', `**Interrupted**: ${m.results} results finished before the run was stopped.`);
  lines.push('', '| Metric | Baseline | Candidate | Delta |', '|--------|----------|-----------|-------|');
  lines.push(row('Accuracy (pass rate)', baseline?.passRate, m.passRate, percent, signedPoints));
  lines.push(row('P95 Latency', baseline?.p95LatencyMs, m.latencyMs?.p95, ms, signedMs));
  lines.push(row('Cost/1k requests', baseline?.costPer1kUsd, m.cost?.per1kRequestsUsd, usd, signedUsd));
  lines.push(
    `| Checks passed | | ${m.checksPassed}/${m.checksTotal} (${percent(m.checkPassRate)}) | |`,
    `| Errors | | ${m.errors} | |`,
  );
  const sliceNames = Object.keys(m.slices).filter((tag) => m.slices[tag]?.cases !== m.cases);
  if (sliceNames.length > 0) {
    lines.push(
      '',
      '| Slice | Cases | Baseline | Candidate | Delta |',
      '|-------|-------|----------|-----------|-------|',
    );
    for (const tag of sliceNames) {
      const slice = m.slices[tag];
      if (!slice) continue;
      const base = baseline?.slices[tag]?.passRate;
      lines.push(
        `| \`${cell(tag)}\` | ${slice.cases} | ${base === undefined ? '–' : percent(base)} | ${percent(slice.passRate)} | ${base === undefined ? '–' : signedPoints(slice.passRate - base)} |`,
      );
    }
  }
  if (gate) {
    lines.push('', '### Decision', '');
    for (const check of gate.checks)
      lines.push(`- ${icons[check.status]} **${check.id}**: ${cell(check.summary)}`);
  }
  const failing = report.cases.filter((outcome) => outcome.passFraction < 1);
  if (failing.length > 0) {
    const max = options.maxFailures ?? 50;
    lines.push(
      '',
      `### Failing cases (${failing.length})`,
      '',
      '| Case | Passed | Why |',
      '|------|--------|-----|',
    );
    for (const outcome of failing.slice(0, max)) {
      lines.push(
        `| \`${cell(outcome.caseId)}\` | ${m.repeats > 1 ? percent(outcome.passFraction) : outcome.errors > 0 ? 'error' : 'no'} | ${cell(outcome.detail ?? '')} |`,
      );
    }
    if (failing.length > max) lines.push('', `…and ${failing.length - max} more (see the JSON report).`);
  }
  lines.push('');
  return lines.join('\n');
}

/** Text made safe for an XML attribute or element (characters XML cannot hold are dropped). */
export function xml(text: string): string {
  return text
    .replace(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');
}

/** One `<testsuite>` element for a run (indented for a `<testsuites>` parent), with its counts. */
export function junitTestsuite(report: EvalReport): {
  lines: string[];
  tests: number;
  failures: number;
  errors: number;
  seconds: number;
} {
  const { run } = report;
  const failures = report.cases.filter((outcome) => outcome.passFraction < 1 && outcome.errors === 0).length;
  const errors =
    report.cases.filter((outcome) => outcome.passFraction < 1 && outcome.errors > 0).length +
    (run.interrupted ? 1 : 0);
  const seconds = (run.durationMs / 1000).toFixed(3);
  const tests = report.cases.length + (run.interrupted ? 1 : 0);
  const name = xml(run.feature ? `${run.feature}/${run.suite.name}` : run.suite.name);
  const lines = [
    `  <testsuite name="${name}" tests="${tests}" failures="${failures}" errors="${errors}" time="${seconds}" timestamp="${xml(run.startedAt)}">`,
    '    <properties>',
    `      <property name="run" value="${xml(run.id)}"/>`,
    `      <property name="model" value="${xml(run.model)}"/>`,
    `      <property name="suite_sha256" value="${xml(run.suite.sha256)}"/>`,
    ...(report.gate ? [`      <property name="decision" value="${report.gate.decision}"/>`] : []),
    '    </properties>',
  ];
  for (const outcome of report.cases) {
    const open = `    <testcase classname="${name}" name="${xml(outcome.caseId)}"`;
    if (outcome.passFraction >= 1) {
      lines.push(`${open}/>`);
      continue;
    }
    const element = outcome.errors > 0 ? 'error' : 'failure';
    const message = xml(outcome.detail ?? 'failed');
    lines.push(
      `${open}>`,
      `      <${element} message="${message}">${message}</${element}>`,
      '    </testcase>',
    );
  }
  if (run.interrupted) {
    // A stopped run must not read as green: the cases that never ran are one error.
    const message = xml(`the run was stopped: ${report.cases.length} of ${run.suite.cases} cases finished`);
    lines.push(
      `    <testcase classname="${name}" name="(run stopped early)">`,
      `      <error message="${message}">${message}</error>`,
      '    </testcase>',
    );
  }
  lines.push('  </testsuite>');
  return { lines, tests, failures, errors, seconds: run.durationMs / 1000 };
}

/** JUnit XML: one testcase per case (failure or error with its reason), for CI test tabs. */
export function junitReport(report: EvalReport): string {
  const suite = junitTestsuite(report);
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="airlock eval" tests="${suite.tests}" failures="${suite.failures}" errors="${suite.errors}" time="${suite.seconds.toFixed(3)}">`,
    ...suite.lines,
    '</testsuites>',
    '',
  ].join('\n');
}
