import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { AirlockError, formatSourceIssue } from './errors.ts';
import { parseYamlDocument, yamlPositionOf } from './yaml-document.ts';

const schema = z.strictObject({
  name: z.string(),
  stages: z.array(z.strictObject({ traffic_pct: z.number().min(0).max(100) })).default([]),
});

function issuesOf(text: string): string[] {
  try {
    parseYamlDocument(text, { file: 'policy.yaml', schema });
  } catch (error) {
    expect(error).toBeInstanceOf(AirlockError);
    expect((error as AirlockError).code).toBe('INVALID_INPUT');
    return (error as AirlockError).issues.map(formatSourceIssue);
  }
  throw new Error('expected a rejection');
}

describe('parseYamlDocument', () => {
  it('returns the validated value with defaults', () => {
    expect(parseYamlDocument('name: search\n', { file: 'policy.yaml', schema })).toEqual({
      name: 'search',
      stages: [],
    });
  });

  it('points into lists by index', () => {
    expect(issuesOf('name: search\nstages:\n  - traffic_pct: 1\n  - traffic_pct: 150\n')).toEqual([
      'policy.yaml:4:18: stages[1].traffic_pct: too big: expected number to be <=100',
    ]);
  });

  it('names an unknown key inside a list item and what was expected', () => {
    expect(issuesOf('name: a\nstages:\n  - traffic: 1\n')).toEqual([
      'policy.yaml:3:5: missing required key "traffic_pct" in stages[0] (expected number)',
      'policy.yaml:3:5: unknown key "traffic" in stages[0] (expected one of: traffic_pct)',
    ]);
  });

  it('treats an empty file as an empty mapping', () => {
    expect(issuesOf('')).toEqual(['policy.yaml:1:1: missing required key "name" (expected string)']);
  });

  it('rejects duplicate keys, which YAML tools would otherwise silently merge', () => {
    const [line] = issuesOf('name: a\nname: b\n');
    expect(line).toMatch(/^policy\.yaml:2:1: invalid YAML: Map keys must be unique/);
  });

  it('rejects a top-level list', () => {
    expect(issuesOf('- a\n- b\n')).toEqual(['policy.yaml:1:1: expected object, received array']);
  });

  it('reports a tab-indentation error with its position', () => {
    const [line] = issuesOf('name: a\nstages:\n\t- traffic_pct: 1\n');
    expect(line).toMatch(/^policy\.yaml:3:1: invalid YAML: /);
  });
});

describe('yamlPositionOf', () => {
  it('finds a value, or the nearest key above a missing one', () => {
    const text = 'name: a\nstages:\n  - traffic_pct: 1\n  - traffic_pct: 10\n';
    expect(yamlPositionOf(text, ['stages', 1, 'traffic_pct'])).toEqual({ line: 4, column: 18 });
    expect(yamlPositionOf(text, ['name'])).toEqual({ line: 1, column: 7 });
    expect(yamlPositionOf(text, ['stages', 5])).toEqual({ line: 3, column: 3 });
  });
});
