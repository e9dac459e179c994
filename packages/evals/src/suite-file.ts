import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, extname, isAbsolute, relative, resolve } from 'node:path';
import {
  AirlockError,
  digestOf,
  formatSourceIssue,
  parseJsonl,
  parseYamlDocument,
  type SourceIssue,
  yamlPositionOf,
} from '@airlock/core';
import { promptParametersSchema } from '@airlock/registry';
import { z } from 'zod';
import { validateAssertion } from './assertion-values.ts';
import {
  type Assertion,
  type AssertionType,
  assertionTypes,
  type EvalCase,
  type ModelParameters,
  type Suite,
} from './types.ts';

const typeNames = new Set<string>(assertionTypes);

/** An assertion as written: `type` (optionally `not-` prefixed), its value, weight and label. */
const assertionSchema = z.strictObject({
  type: z.string().refine((type) => typeNames.has(type.replace(/^not-/, '')), {
    error: (issue) =>
      `unknown assertion type "${String(issue.input)}"; expected one of ${assertionTypes.join(', ')} (each may be prefixed with not-)`,
  }),
  value: z.unknown().optional(),
  weight: z.number().min(0).default(1),
  label: z.string().optional(),
  export: z.string().optional(),
});

type AssertionInput = z.output<typeof assertionSchema>;

const tagsSchema = z.array(z.string().min(1)).default([]);

const caseSchema = z.strictObject({
  id: z.string().min(1).optional(),
  description: z.string().optional(),
  vars: z.record(z.string(), z.unknown()).default({}),
  tags: tagsSchema,
  weight: z.number().positive().default(1),
  threshold: z.number().min(0).max(1).optional(),
  assert: z.array(assertionSchema).default([]),
});

const messageSchema = z.strictObject({
  role: z.enum(['system', 'user', 'assistant']),
  content: z.string().min(1),
});

/** A suite file in YAML. Cases come from `cases`, from the rows of `dataset`, or both. */
export const suiteFileSchema = z
  .strictObject({
    version: z.literal(1).default(1),
    name: z.string().min(1).optional(),
    description: z.string().optional(),
    model: z.string().min(3).optional(),
    prompt: z
      .union([
        z.string().min(1),
        z.strictObject({ template: z.string().min(1) }),
        z.strictObject({ messages: z.array(messageSchema).min(1) }),
      ])
      .optional(),
    parameters: promptParametersSchema.default({}),
    /** A JSONL file whose rows are cases (the row's fields are its variables). */
    dataset: z.string().min(1).optional(),
    /** Applied to every case: assertions after the case's own, tags added, threshold if it has none. */
    defaults: z
      .strictObject({
        assert: z.array(assertionSchema).default([]),
        tags: tagsSchema,
        threshold: z.number().min(0).max(1).optional(),
      })
      .default({ assert: [], tags: [] }),
    cases: z.array(caseSchema).default([]),
  })
  .refine((file) => file.dataset !== undefined || file.cases.length > 0, {
    message: 'a suite needs cases: a cases list or a dataset file',
  });

export type SuiteFile = z.output<typeof suiteFileSchema>;

const rowMetaKeys = new Set(['id', 'tags', 'assert', 'weight', 'threshold', 'description', 'vars']);

const variablePattern = /\{\{\s*([A-Za-z_][A-Za-z0-9_.]*)\s*\}\}/g;

/** `{{name}}` in an assertion's text takes the case's variable (`{{expected}}` from a dataset row). */
function renderValue(value: unknown, vars: Record<string, unknown>, missing: Set<string>): unknown {
  if (typeof value === 'string') {
    return value.replace(variablePattern, (whole, name: string) => {
      const found = vars[name];
      if (found === undefined || found === null) {
        missing.add(name);
        return whole;
      }
      return typeof found === 'string' ? found : JSON.stringify(found);
    });
  }
  if (Array.isArray(value)) return value.map((item) => renderValue(item, vars, missing));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, renderValue(item, vars, missing)]),
    );
  }
  return value;
}

interface Located {
  file: string;
  line: number;
  column: number;
}

interface BuildContext {
  suiteDir: string;
  issues: SourceIssue[];
}

function buildAssertion(
  input: AssertionInput,
  vars: Record<string, unknown>,
  where: Located,
  context: BuildContext,
): Assertion | undefined {
  const negate = input.type.startsWith('not-');
  const type = input.type.replace(/^not-/, '') as AssertionType;
  const missing = new Set<string>();
  let value = renderValue(input.value, vars, missing);
  if (missing.size > 0) {
    context.issues.push({
      ...where,
      message: `${input.type} uses ${[...missing].map((name) => `{{${name}}}`).join(', ')}, which the case does not define`,
    });
    return undefined;
  }
  if (type === 'javascript' && typeof value === 'string') {
    // A module path is relative to the suite file, so the suite runs from any folder.
    value = isAbsolute(value) ? value : resolve(context.suiteDir, value);
    if (!existsSync(value as string)) {
      context.issues.push({ ...where, message: `javascript module ${input.value} not found` });
      return undefined;
    }
  }
  const problem = validateAssertion(type, value);
  if (problem) {
    context.issues.push({ ...where, message: `${input.type}: ${problem}` });
    return undefined;
  }
  return {
    type,
    negate,
    ...(value === undefined ? {} : { value }),
    weight: input.weight,
    ...(input.label === undefined ? {} : { label: input.label }),
    ...(input.export === undefined ? {} : { exportName: input.export }),
  };
}

interface CaseDraft {
  id: string;
  vars: Record<string, unknown>;
  tags: string[];
  weight: number;
  threshold?: number;
  assert: AssertionInput[];
  where: Located;
}

function buildCase(draft: CaseDraft, defaults: SuiteFile['defaults'], context: BuildContext): EvalCase {
  const assert = [...draft.assert, ...defaults.assert]
    .map((input) => buildAssertion(input, draft.vars, draft.where, context))
    .filter((assertion): assertion is Assertion => assertion !== undefined);
  if (draft.assert.length + defaults.assert.length === 0) {
    // A case that checks nothing would always pass.
    context.issues.push({ ...draft.where, message: `case "${draft.id}" has no assertions` });
  }
  const threshold = draft.threshold ?? defaults.threshold;
  return {
    id: draft.id,
    vars: draft.vars,
    tags: [...new Set([...draft.tags, ...defaults.tags])],
    weight: draft.weight,
    ...(threshold === undefined ? {} : { threshold }),
    assert,
    source: draft.where,
  };
}

/** A JSONL row as a case: ids may be numbers, and fields other than the case's own are its variables. */
const rowSchema = caseSchema.extend({ id: z.union([z.string(), z.number()]).optional() }).loose();

/** JSONL rows as cases: `vars` when a row has it, else the row's own fields are the variables. */
function rowDrafts(text: string, display: string, context: BuildContext): CaseDraft[] {
  const drafts: CaseDraft[] = [];
  for (const row of parseJsonl(text)) {
    const where = { file: display, line: row.line, column: 1 };
    if ('error' in row) {
      context.issues.push({ ...where, message: row.error });
      continue;
    }
    const parsed = rowSchema.safeParse(row.value);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        const path = issue.path.join('.');
        context.issues.push({ ...where, message: path ? `${path}: ${issue.message}` : issue.message });
      }
      continue;
    }
    const record = row.value;
    const vars =
      record.vars && typeof record.vars === 'object'
        ? parsed.data.vars
        : Object.fromEntries(Object.entries(record).filter(([key]) => !rowMetaKeys.has(key)));
    drafts.push({
      // Without an id, a row is named by its content, not its line: inserting a row above it
      // must not pair it with another case in the next comparison.
      id:
        parsed.data.id === undefined
          ? `${basename(display)}#${digestOf(vars).slice(0, 12)}`
          : String(parsed.data.id),
      vars,
      tags: parsed.data.tags,
      weight: parsed.data.weight,
      ...(parsed.data.threshold === undefined ? {} : { threshold: parsed.data.threshold }),
      assert: parsed.data.assert,
      where,
    });
  }
  return drafts;
}

function readText(path: string, display: string, what: string): string {
  if (!existsSync(path)) throw new AirlockError('NOT_FOUND', `${display}: no such ${what}`);
  return readFileSync(path, 'utf8');
}

export interface LoadSuiteOptions {
  /** Where the user is, for naming files in messages (default: the process's folder). */
  cwd?: string;
}

/**
 * Reads a suite (YAML, or JSONL with one case per line). Every problem in the file is reported
 * together, each as `file:line:col`; nothing runs on a suite that does not load whole.
 */
export function loadSuite(path: string, options: LoadSuiteOptions = {}): Suite {
  const cwd = options.cwd ?? process.cwd();
  const absolutePath = resolve(cwd, path);
  const display = (file: string) => {
    const shown = relative(cwd, file);
    return shown === '' || shown.startsWith('..') ? file : shown;
  };
  const file = display(absolutePath);
  const text = readText(absolutePath, file, 'suite file');
  const context: BuildContext = { suiteDir: dirname(absolutePath), issues: [] };
  const datasets: Suite['datasets'] = [];
  let suiteFile: SuiteFile;
  let drafts: CaseDraft[];
  if (extname(absolutePath) === '.jsonl') {
    suiteFile = { version: 1, parameters: {}, defaults: { assert: [], tags: [] }, cases: [] };
    drafts = rowDrafts(text, file, context);
    datasets.push({ path: file, absolutePath });
  } else {
    suiteFile = parseYamlDocument(text, { file, schema: suiteFileSchema });
    drafts = suiteFile.cases.map((item, index) => ({
      id: item.id ?? `case-${index + 1}`,
      vars: item.vars,
      tags: item.tags,
      weight: item.weight,
      ...(item.threshold === undefined ? {} : { threshold: item.threshold }),
      assert: item.assert,
      where: { file, ...yamlPositionOf(text, ['cases', index]) },
    }));
    if (suiteFile.dataset !== undefined) {
      const datasetPath = resolve(dirname(absolutePath), suiteFile.dataset);
      const datasetDisplay = display(datasetPath);
      const where = { file, ...yamlPositionOf(text, ['dataset']) };
      if (!existsSync(datasetPath)) {
        context.issues.push({ ...where, message: `dataset ${suiteFile.dataset} not found` });
      } else if (extname(datasetPath) !== '.jsonl') {
        context.issues.push({
          ...where,
          message: `dataset ${suiteFile.dataset}: cases are read from JSONL (one JSON object per line); convert it, or list the cases in the suite`,
        });
      } else {
        datasets.push({ path: datasetDisplay, absolutePath: datasetPath });
        drafts.push(...rowDrafts(readFileSync(datasetPath, 'utf8'), datasetDisplay, context));
      }
    }
  }
  const seen = new Map<string, Located>();
  for (const draft of drafts) {
    const first = seen.get(draft.id);
    if (first) {
      context.issues.push({
        ...draft.where,
        message: `case id "${draft.id}" is used twice (first at ${formatSourceIssue({ ...first, message: '' }).slice(0, -2)}); ids pair cases across runs and must be unique`,
      });
    } else seen.set(draft.id, draft.where);
  }
  const cases = drafts.map((draft) => buildCase(draft, suiteFile.defaults, context));
  if (cases.length === 0 && context.issues.length === 0) {
    context.issues.push({ file, line: 1, column: 1, message: 'the suite has no cases' });
  }
  if (context.issues.length > 0) {
    throw new AirlockError('INVALID_INPUT', context.issues.map(formatSourceIssue).join('\n'), {
      issues: context.issues,
    });
  }
  const prompt =
    suiteFile.prompt === undefined
      ? undefined
      : typeof suiteFile.prompt === 'string'
        ? [{ role: 'user' as const, content: suiteFile.prompt }]
        : 'template' in suiteFile.prompt
          ? [{ role: 'user' as const, content: suiteFile.prompt.template }]
          : suiteFile.prompt.messages;
  const suite: Omit<Suite, 'sha256'> = {
    name: suiteFile.name ?? basename(absolutePath).replace(/\.(ya?ml|jsonl)$/, ''),
    file,
    ...(suiteFile.model === undefined ? {} : { model: suiteFile.model }),
    ...(prompt === undefined ? {} : { prompt }),
    parameters: toModelParameters(suiteFile.parameters),
    datasets,
    cases,
  };
  return { ...suite, sha256: suiteDigest(suite) };
}

/** Prompt parameters as prompt and suite files write them (snake_case) → what requests carry. */
export function toModelParameters(parameters: z.output<typeof promptParametersSchema>): ModelParameters {
  return {
    ...(parameters.temperature === undefined ? {} : { temperature: parameters.temperature }),
    ...(parameters.seed === undefined ? {} : { seed: parameters.seed }),
    ...(parameters.max_tokens === undefined ? {} : { maxTokens: parameters.max_tokens }),
    ...(parameters.top_p === undefined ? {} : { topP: parameters.top_p }),
    ...(parameters.response_format === undefined ? {} : { responseFormat: parameters.response_format }),
  };
}

/**
 * The suite's identity: what it asks and checks (cases, assertions, prompt, parameters), not
 * where its files are or how they are formatted. Javascript checks count by their code.
 */
export function suiteDigest(suite: Omit<Suite, 'sha256'>): string {
  return digestOf({
    model: suite.model ?? null,
    prompt: suite.prompt ?? null,
    parameters: suite.parameters,
    cases: suite.cases.map((item) => ({
      id: item.id,
      vars: item.vars,
      tags: item.tags,
      weight: item.weight,
      threshold: item.threshold ?? null,
      assert: item.assert.map((assertion) =>
        assertion.type === 'javascript'
          ? { ...assertion, value: readFileSync(String(assertion.value), 'utf8') }
          : assertion,
      ),
    })),
  });
}
