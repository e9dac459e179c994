import { Ajv, type ValidateFunction } from 'ajv';
import { toRegExp } from './assertion-values.ts';
import type { Assertion, CheckResult } from './types.ts';

/** What an assertion looks at: the answer and what the call measured. */
export interface AssertionInput {
  output: string;
  vars: Record<string, unknown>;
  latencyMs?: number;
  costUsd?: number;
}

/** A check's raw verdict before negation; `indeterminate` (no data) fails whether negated or not. */
export interface RawVerdict {
  pass: boolean;
  score?: number;
  reason: string;
  indeterminate?: boolean;
}

/** The checks that need the outside world: a user's module, a judge model. */
export interface AssertionServices {
  javascript(assertion: Assertion, input: AssertionInput): Promise<RawVerdict>;
  rubric(assertion: Assertion, input: AssertionInput): Promise<RawVerdict>;
}

const quote = (value: unknown) => JSON.stringify(typeof value === 'string' ? value : value);

function shorten(text: string, max = 80): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

/** A model's JSON answer, also when it is wrapped in a single ``` fence. */
export function parseJsonOutput(output: string): { ok: true; value: unknown } | { ok: false; error: string } {
  const trimmed = output.trim();
  const fenced = /^```(?:json)?\s*\n([\s\S]*?)\n?```$/.exec(trimmed);
  try {
    return { ok: true, value: JSON.parse(fenced ? (fenced[1] ?? '') : trimmed) };
  } catch (error) {
    return { ok: false, error: (error as Error).message };
  }
}

const ajv = new Ajv({ allErrors: true, strict: false });
const compiled = new WeakMap<object, ValidateFunction>();

function schemaVerdict(schema: object, output: string): RawVerdict {
  const parsed = parseJsonOutput(output);
  if (!parsed.ok) return { pass: false, reason: `output is not JSON: ${parsed.error}` };
  let validate = compiled.get(schema);
  if (!validate) {
    validate = ajv.compile(schema);
    compiled.set(schema, validate);
  }
  if (validate(parsed.value)) return { pass: true, reason: 'output matches the JSON schema' };
  const problems = (validate.errors ?? [])
    .slice(0, 3)
    .map((error) => `${error.instancePath || '(root)'} ${error.message ?? 'is invalid'}`);
  return { pass: false, reason: `output does not match the schema: ${problems.join('; ')}` };
}

function deepEqual(a: unknown, b: unknown): boolean {
  return JSON.stringify(sortKeys(a)) === JSON.stringify(sortKeys(b));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((key) => [key, sortKeys((value as Record<string, unknown>)[key])]),
    );
  }
  return value;
}

const countWords = (text: string) => {
  const trimmed = text.trim();
  return trimmed === '' ? 0 : trimmed.split(/\s+/).length;
};

/** The deterministic checks: no I/O, microseconds each. */
export function checkDeterministic(assertion: Assertion, input: AssertionInput): RawVerdict {
  const { output } = input;
  const value = assertion.value;
  switch (assertion.type) {
    case 'contains': {
      const pass = output.includes(String(value));
      return { pass, reason: pass ? `contains ${quote(value)}` : `does not contain ${quote(value)}` };
    }
    case 'icontains': {
      const pass = output.toLowerCase().includes(String(value).toLowerCase());
      return {
        pass,
        reason: pass ? `contains ${quote(value)} (any case)` : `does not contain ${quote(value)} (any case)`,
      };
    }
    case 'starts-with': {
      const pass = output.trimStart().startsWith(String(value));
      return { pass, reason: pass ? `starts with ${quote(value)}` : `does not start with ${quote(value)}` };
    }
    case 'equals': {
      if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
        const pass = output.trim() === String(value);
        return {
          pass,
          reason: pass ? `equals ${quote(value)}` : `expected ${quote(value)}, got ${quote(shorten(output))}`,
        };
      }
      const parsed = parseJsonOutput(output);
      const pass = parsed.ok && deepEqual(parsed.value, value);
      return {
        pass,
        reason: pass ? 'equals the expected JSON' : `expected JSON ${shorten(JSON.stringify(value))}`,
      };
    }
    case 'regex': {
      const pattern = toRegExp(String(value));
      const pass = pattern.test(output);
      return { pass, reason: pass ? `matches ${pattern}` : `does not match ${pattern}` };
    }
    case 'is-json': {
      if (value !== undefined) return schemaVerdict(value as object, output);
      const parsed = parseJsonOutput(output);
      return parsed.ok
        ? { pass: true, reason: 'output is valid JSON' }
        : { pass: false, reason: `output is not JSON: ${parsed.error}` };
    }
    case 'json-schema':
      return schemaVerdict(value as object, output);
    case 'max-words': {
      const words = countWords(output);
      const pass = words <= Number(value);
      return { pass, reason: `${words} words (limit ${value})` };
    }
    case 'max-chars': {
      const pass = output.length <= Number(value);
      return { pass, reason: `${output.length} characters (limit ${value})` };
    }
    case 'latency-ms': {
      if (input.latencyMs === undefined)
        return { pass: false, indeterminate: true, reason: 'no latency measured' };
      const pass = input.latencyMs <= Number(value);
      return { pass, reason: `${Math.round(input.latencyMs)} ms (limit ${value} ms)` };
    }
    case 'cost-usd': {
      if (input.costUsd === undefined) {
        return {
          pass: false,
          indeterminate: true,
          reason: 'cost unknown: the model has no price (add it to the price overrides)',
        };
      }
      const pass = input.costUsd <= Number(value);
      return { pass, reason: `$${input.costUsd.toFixed(6)} per call (limit $${value})` };
    }
    case 'javascript':
    case 'llm-rubric':
      throw new Error(`${assertion.type} is not a deterministic check`);
  }
}

/** The label reports show for an assertion. */
export function assertionLabel(assertion: Assertion): string {
  if (assertion.label) return assertion.label;
  const type = `${assertion.negate ? 'not-' : ''}${assertion.type}`;
  if (assertion.value === undefined) return type;
  if (assertion.type === 'javascript') return `${type} ${String(assertion.value).split('/').pop()}`;
  const shown = typeof assertion.value === 'string' ? assertion.value : JSON.stringify(assertion.value);
  return `${type} ${shorten(shown, 60)}`;
}

/** Applies `not-` and turns a verdict into the reported check. */
export function toCheckResult(assertion: Assertion, verdict: RawVerdict): CheckResult {
  const rawScore = verdict.score ?? (verdict.pass ? 1 : 0);
  const negated = assertion.negate && !verdict.indeterminate;
  const pass = negated ? !verdict.pass : verdict.pass && !verdict.indeterminate;
  return {
    type: `${assertion.negate ? 'not-' : ''}${assertion.type}`,
    label: assertionLabel(assertion),
    pass,
    score: verdict.indeterminate ? 0 : negated ? 1 - rawScore : rawScore,
    weight: assertion.weight,
    // A negated check that passes is explained by the plain fact ("does not contain …").
    reason: negated && !pass ? `expected the opposite: ${verdict.reason}` : verdict.reason,
  };
}

/** Runs every check of a case against one answer. */
export async function runChecks(
  assertions: readonly Assertion[],
  input: AssertionInput,
  services: AssertionServices,
): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  for (const assertion of assertions) {
    let verdict: RawVerdict;
    if (assertion.type === 'javascript') verdict = await services.javascript(assertion, input);
    else if (assertion.type === 'llm-rubric') verdict = await services.rubric(assertion, input);
    else verdict = checkDeterministic(assertion, input);
    results.push(toCheckResult(assertion, verdict));
  }
  return results;
}

/**
 * A case passes when every check passes, or — when it has a threshold — when its weighted score
 * reaches it. The score is Σ weight·score ÷ Σ weight.
 */
export function caseVerdict(
  checks: readonly CheckResult[],
  threshold: number | undefined,
): { pass: boolean; score: number } {
  const totalWeight = checks.reduce((sum, check) => sum + check.weight, 0);
  const score =
    totalWeight === 0
      ? checks.every((check) => check.pass)
        ? 1
        : 0
      : checks.reduce((sum, check) => sum + check.weight * check.score, 0) / totalWeight;
  const pass = threshold === undefined ? checks.every((check) => check.pass) : score >= threshold - 1e-12;
  return { pass, score };
}
