import { AirlockError, findPii, yamlPositionOf } from '@airlock/core';
import type { ManifestSources } from './manifest-files.ts';
import { missingVariables, type PromptMessage } from './prompt-template.ts';
import type { Registry } from './registry.ts';
import { parsePromptRef } from './release.ts';

export type LintCheck =
  | 'model'
  | 'fallback-model'
  | 'prompt'
  | 'prompt-renders'
  | 'datasets'
  | 'eval-suites'
  | 'pii'
  | 'files'
  | 'one-change-at-a-time';

/** One problem, located where a person fixes it. */
export interface LintFinding {
  check: LintCheck;
  severity: 'error' | 'warning';
  file: string;
  line: number;
  column: number;
  message: string;
}

export interface LintReport {
  ok: boolean;
  feature: string;
  /** Every check, with how many findings it made; `skipped` when it had nothing to check against. */
  checks: { check: LintCheck; status: 'pass' | 'fail' | 'skipped'; errors: number; warnings: number }[];
  findings: LintFinding[];
  /** The emergency path was needed and taken (a prompt and a model change together). */
  emergencyUsed: boolean;
}

export interface LintOptions {
  /** The model and prompt currently deployed (a previous manifest or release). */
  previous?: { model: string; prompt: string; file: string };
  /** Seed 004's emergency path: a prompt and model change together is allowed, and recorded. */
  emergency?: boolean;
  /** YYYY-MM-DD, for end-of-life checks. */
  day: string;
  /**
   * Checks a dataset against its pin file, when it has one: resolves to a problem, or undefined
   * when the data is exactly its pin (or has no pin). The app supplies it from the datasets package.
   */
  checkDatasetPin?: (absolutePath: string) => Promise<string | undefined>;
}

const allChecks: LintCheck[] = [
  'model',
  'fallback-model',
  'prompt',
  'prompt-renders',
  'datasets',
  'eval-suites',
  'pii',
  'files',
  'one-change-at-a-time',
];

/**
 * Policy lint over a manifest and the files it names: the model and fallback pinned, approved for
 * the tier and alive; the prompt version exists and renders with every eval case's variables;
 * datasets present and unchanged; no personal data or secrets in eval cases or datasets; and never
 * a prompt change with a model change against the previous release unless on the emergency path.
 * Every finding is reported, not the first.
 */
export async function lintManifest(
  registry: Registry,
  sources: ManifestSources,
  options: LintOptions,
): Promise<LintReport> {
  const { manifest } = sources;
  const findings: LintFinding[] = [];
  const at = (path: PropertyKey[]) => ({ file: sources.file, ...yamlPositionOf(sources.text, path) });
  const add = (
    check: LintCheck,
    where: { file: string; line: number; column: number },
    message: string,
    severity: LintFinding['severity'] = 'error',
  ) => {
    // Two suites drawing on one dataset would report its rows twice.
    const duplicate = findings.some(
      (finding) =>
        finding.file === where.file &&
        finding.line === where.line &&
        finding.column === where.column &&
        finding.message === message,
    );
    if (!duplicate) findings.push({ check, severity, ...where, message });
  };

  for (const problem of await registry.deployProblems(manifest.model, manifest.risk_tier, options.day)) {
    add('model', at(['model']), problem);
  }
  if (manifest.fallback_model !== undefined) {
    for (const problem of await registry.deployProblems(
      manifest.fallback_model,
      manifest.risk_tier,
      options.day,
    )) {
      add('fallback-model', at(['fallback_model']), `fallback: ${problem}`);
    }
  }

  const promptRef = parsePromptRef(manifest.prompt);
  let messages: PromptMessage[] | undefined;
  try {
    messages = (await registry.getPrompt(promptRef.name, { version: promptRef.version })).messages;
  } catch (error) {
    if (!(error instanceof AirlockError)) throw error;
    add('prompt', at(['prompt']), error.message);
  }
  if (messages) {
    for (const [index, suite] of sources.suites.entries()) {
      // The manifest's `tags` pick the cases that run: only those must render.
      const tags = manifest.eval_suites[index]?.tags;
      for (const item of suite.cases) {
        if (tags && !tags.some((tag) => item.tags?.includes(tag))) continue;
        const missing = missingVariables(messages, item.vars);
        if (missing.length > 0) {
          add(
            'prompt-renders',
            { file: item.file ?? suite.display, line: item.line, column: item.column },
            `case ${item.id}: ${manifest.prompt} needs ${missing.map((name) => `{{${name}}}`).join(', ')}, which the case does not supply`,
          );
        }
      }
    }
  }

  manifest.eval_suites.forEach((suite, index) => {
    const source = sources.suites[index];
    for (const issue of source?.issues ?? []) {
      add(
        'eval-suites',
        { file: issue.file, line: issue.line, column: issue.column },
        `eval suite ${suite.name}: ${issue.message}`,
      );
    }
    if (source && source.issues.length > 0) return;
    if (source?.text === undefined)
      add(
        'eval-suites',
        at(['eval_suites', index, 'path']),
        `eval suite ${suite.name}: ${suite.path} does not exist`,
      );
    else if (source.cases.length === 0)
      add('eval-suites', at(['eval_suites', index, 'path']), `eval suite ${suite.name} has no cases`);
  });

  for (const missing of sources.missing ?? []) {
    add(missing.check, at(missing.path), `${missing.file} does not exist`);
  }

  for (const [index, dataset] of manifest.datasets.entries()) {
    const source = sources.datasets[index];
    if (source?.exists && options.checkDatasetPin) {
      const problem = await options.checkDatasetPin(source.absolutePath);
      if (problem !== undefined)
        add('datasets', at(['datasets', index, 'path']), `dataset ${dataset.name}: ${problem}`);
    }
    if (!source?.exists) {
      add(
        'datasets',
        at(['datasets', index, 'path']),
        `dataset ${dataset.name}: ${dataset.path} does not exist`,
      );
    } else if (
      source.sha256 !== undefined &&
      source.pinnedSha256 !== undefined &&
      source.pinnedSha256 !== source.sha256
    ) {
      add(
        'datasets',
        at(['datasets', index, 'sha256']),
        `dataset ${dataset.name} changed since it was pinned: ${dataset.path} is ${source.sha256}, the manifest pins ${source.pinnedSha256}`,
      );
    }
  }

  const scanned = new Set<string>();
  for (const source of [...sources.suites, ...sources.datasets]) {
    // A file named twice (as a dataset and as a suite) is scanned once.
    if (source.text === undefined || scanned.has(source.display)) continue;
    scanned.add(source.display);
    for (const finding of findPii(source.text)) {
      add(
        'pii',
        { file: source.display, line: finding.line, column: finding.column },
        `${finding.kind} in eval data (${finding.masked}); strip it or replace it with a synthetic value`,
      );
    }
  }

  if (options.previous) {
    const modelChanged = options.previous.model !== manifest.model;
    const before = parsePromptRef(options.previous.prompt);
    const promptChanged = before.name !== promptRef.name || before.version !== promptRef.version;
    if (modelChanged && promptChanged) {
      const message = `the prompt (${options.previous.prompt} → ${manifest.prompt}) and the model (${options.previous.model} → ${manifest.model}) change in one release; ship them separately so a regression points at one cause`;
      if (options.emergency)
        add(
          'one-change-at-a-time',
          at(['prompt']),
          `${message} (allowed: emergency path, recorded in the audit log)`,
          'warning',
        );
      else
        add(
          'one-change-at-a-time',
          at(['prompt']),
          `${message} — or declare the emergency path (--emergency)`,
        );
    }
  }

  findings.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.column - b.column);
  const errors = findings.filter((finding) => finding.severity === 'error');
  const skipped = new Set<LintCheck>([
    ...(options.previous ? [] : (['one-change-at-a-time'] as const)),
    ...(manifest.fallback_model === undefined ? (['fallback-model'] as const) : []),
    ...(manifest.datasets.length === 0 ? (['datasets'] as const) : []),
    ...(manifest.eval_suites.length === 0 ? (['eval-suites', 'prompt-renders'] as const) : []),
  ]);
  return {
    ok: errors.length === 0,
    feature: manifest.feature,
    checks: allChecks.map((check) => {
      const checkErrors = errors.filter((finding) => finding.check === check).length;
      const status: 'pass' | 'fail' | 'skipped' =
        checkErrors > 0 ? 'fail' : skipped.has(check) ? 'skipped' : 'pass';
      return {
        check,
        status,
        errors: checkErrors,
        warnings: findings.filter((finding) => finding.check === check && finding.severity === 'warning')
          .length,
      };
    }),
    findings,
    emergencyUsed: findings.some(
      (finding) => finding.check === 'one-change-at-a-time' && finding.severity === 'warning',
    ),
  };
}
