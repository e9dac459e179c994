import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, extname, isAbsolute, join, relative, resolve } from 'node:path';
import {
  AirlockError,
  formatSourceIssue,
  isAirlockError,
  parseJsonl,
  parseYamlDocument,
  readYamlFile,
  type SourceIssue,
  sha256Hex,
  yamlPositionOf,
} from '@airlock/core';
import { type FeatureManifest, featureManifestSchema, lintSuiteSchema } from './files.ts';

/** One eval case as policy lint sees it: its variables and where it is. */
export interface LintCase {
  id: string;
  vars: Record<string, unknown>;
  line: number;
  column: number;
  /** The file the case is in, when not the suite file (a suite's `dataset:` rows). */
  file?: string;
  tags?: string[];
}

export interface SourceFile {
  name: string;
  /** As written in the manifest. */
  path: string;
  /** How messages name it (relative to where the user is). */
  display: string;
  absolutePath: string;
  exists: boolean;
  /** Undefined when the file is missing or is a folder. */
  text?: string;
  sha256?: string;
  /** The digest the manifest pins, if it does. */
  pinnedSha256?: string;
}

export interface SuiteFile extends SourceFile {
  cases: LintCase[];
  /** Why the suite could not be read (malformed YAML or JSONL), each problem located. */
  issues: SourceIssue[];
}

/** A manifest and the files it names, read from disk. */
export interface ManifestSources {
  file: string;
  text: string;
  manifest: FeatureManifest;
  suites: SuiteFile[];
  datasets: SourceFile[];
  /** Other files the manifest names (baselines, row schemas, references, the rollout policy) that do not exist. */
  missing: { path: PropertyKey[]; file: string; check: 'eval-suites' | 'datasets' | 'files' }[];
}

const metaKeys = new Set(['id', 'tags', 'assert', 'expected', 'weight', 'threshold', 'description']);

/** JSONL rows: `vars` when a row has it, else the row's own fields are the variables. */
function jsonlCases(text: string, display: string): LintCase[] {
  return parseJsonl(text).map((row) => {
    if ('error' in row) {
      const issue = { file: display, line: row.line, column: 1, message: row.error };
      throw new AirlockError('INVALID_INPUT', formatSourceIssue(issue), { issues: [issue] });
    }
    const record = row.value;
    const vars =
      record.vars && typeof record.vars === 'object'
        ? (record.vars as Record<string, unknown>)
        : Object.fromEntries(Object.entries(record).filter(([key]) => !metaKeys.has(key)));
    const tags = Array.isArray(record.tags) ? record.tags.map(String) : [];
    return { id: String(record.id ?? `line ${row.line}`), vars, tags, line: row.line, column: 1 };
  });
}

/** A YAML suite's cases, and the rows of the JSONL dataset it draws cases from (`dataset:`). */
function yamlCases(text: string, display: string, absolutePath: string): LintCase[] {
  const suite = parseYamlDocument(text, { file: display, schema: lintSuiteSchema });
  const defaultTags = suite.defaults?.tags ?? [];
  const inline = suite.cases.map((item, index) => {
    const position = yamlPositionOf(text, ['cases', index]);
    const tags = [...defaultTags, ...item.tags];
    return { id: item.id ?? `case ${index + 1}`, vars: item.vars, tags, ...position };
  });
  if (suite.dataset === undefined) return inline;
  const dataset = resolve(dirname(absolutePath), suite.dataset);
  const where = { file: display, ...yamlPositionOf(text, ['dataset']) };
  if (!existsSync(dataset) || extname(dataset) !== '.jsonl') {
    const issue = { ...where, message: `dataset ${suite.dataset} is not a JSONL file next to the suite` };
    throw new AirlockError('INVALID_INPUT', formatSourceIssue(issue), { issues: [issue] });
  }
  const shown = join(dirname(display), suite.dataset);
  const rows = jsonlCases(readFileSync(dataset, 'utf8'), shown).map((row) => ({
    ...row,
    file: shown,
    tags: [...defaultTags, ...(row.tags ?? [])],
  }));
  return [...rows, ...inline];
}

export interface LoadManifestOptions {
  /** The folder the manifest's paths are relative to (the project root). */
  root: string;
  /** Where the user is, for naming files in messages. */
  cwd: string;
}

/**
 * Reads a feature manifest and every file it names. A malformed manifest or suite is an
 * INVALID_INPUT error with `path:line:col`; a missing file is recorded for lint to report.
 */
export function loadManifestSources(path: string, options: LoadManifestOptions): ManifestSources {
  const absolute = resolve(options.cwd, path);
  const display = (file: string) => {
    const shown = relative(options.cwd, file);
    return shown === '' || shown.startsWith('..') ? file : shown;
  };
  const manifest = readYamlFile(absolute, featureManifestSchema, display(absolute));
  const text = readFileSync(absolute, 'utf8');
  const read = (name: string, filePath: string, pinnedSha256?: string): SourceFile => {
    const full = isAbsolute(filePath) ? filePath : resolve(options.root, filePath);
    const base = {
      name,
      path: filePath,
      display: display(full),
      absolutePath: full,
      exists: existsSync(full),
      ...(pinnedSha256 === undefined ? {} : { pinnedSha256 }),
    };
    // A folder dataset has no text to scan here; its pin (if any) is checked through the hook.
    if (!base.exists || statSync(full).isDirectory()) return base;
    const bytes = readFileSync(full);
    return { ...base, text: bytes.toString('utf8'), sha256: sha256Hex(bytes) };
  };
  const suites = manifest.eval_suites.map((suite): SuiteFile => {
    const source = read(suite.name, suite.path);
    if (source.text === undefined) return { ...source, cases: [], issues: [] };
    try {
      const cases =
        extname(suite.path) === '.jsonl'
          ? jsonlCases(source.text, source.display)
          : yamlCases(source.text, source.display, source.absolutePath);
      return { ...source, cases, issues: [] };
    } catch (error) {
      // A malformed suite is one more finding: lint still reports everything else.
      if (!isAirlockError(error) || error.issues.length === 0) throw error;
      return { ...source, cases: [], issues: error.issues };
    }
  });
  const datasets = manifest.datasets.map((dataset) => read(dataset.name, dataset.path, dataset.sha256));
  const named: ManifestSources['missing'] = [
    ...manifest.eval_suites.flatMap((suite, index) =>
      suite.baseline === undefined
        ? []
        : [{ path: ['eval_suites', index, 'baseline'], file: suite.baseline, check: 'eval-suites' as const }],
    ),
    ...manifest.datasets.flatMap((dataset, index) => [
      ...(dataset.schema === undefined
        ? []
        : [{ path: ['datasets', index, 'schema'], file: dataset.schema, check: 'datasets' as const }]),
      ...(dataset.reference === undefined
        ? []
        : [{ path: ['datasets', index, 'reference'], file: dataset.reference, check: 'datasets' as const }]),
    ]),
    ...(manifest.rollout_policy === undefined
      ? []
      : [{ path: ['rollout_policy'], file: manifest.rollout_policy, check: 'files' as const }]),
  ];
  const missing = named.filter(
    ({ file }) => !existsSync(isAbsolute(file) ? file : resolve(options.root, file)),
  );
  return { file: display(absolute), text, manifest, suites, datasets, missing };
}

/** The model and prompt of what a manifest is compared against: a previous manifest or a release JSON. */
export function loadPreviousRelease(
  path: string,
  cwd: string,
): { model: string; prompt: string; file: string } {
  const absolute = resolve(cwd, path);
  if (!existsSync(absolute))
    throw new AirlockError('NOT_FOUND', `${path}: no such file (given with --against)`);
  if (extname(absolute) === '.json') {
    let release: { model?: unknown; prompt?: { name?: unknown; version?: unknown } };
    try {
      release = JSON.parse(readFileSync(absolute, 'utf8'));
    } catch (error) {
      throw new AirlockError(
        'INVALID_INPUT',
        `${path}: not a release JSON file: ${(error as Error).message}`,
      );
    }
    if (
      typeof release.model !== 'string' ||
      typeof release.prompt?.name !== 'string' ||
      typeof release.prompt.version !== 'number'
    ) {
      throw new AirlockError(
        'INVALID_INPUT',
        `${path}: expected a release with model and prompt { name, version }`,
      );
    }
    return { model: release.model, prompt: `${release.prompt.name}@${release.prompt.version}`, file: path };
  }
  const manifest = readYamlFile(absolute, featureManifestSchema, path);
  return { model: manifest.model, prompt: manifest.prompt, file: path };
}
