import {
  appendFileSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { temporaryDirectory } from '@airlock/vitest-config/temp-dir';
import { describe, expect, it } from 'vitest';
import { runCli } from './cli-process.ts';

function project() {
  const cwd = temporaryDirectory('airlock-dataset-cli-');
  mkdirSync(join(cwd, 'datasets'));
  writeFileSync(join(cwd, 'airlock.yaml'), 'version: 1\n');
  const run = (...args: string[]) => runCli(args, { cwd, env: { AIRLOCK_ACTOR: 'dev@corp' } });
  return { cwd, run };
}

const row = (text: string, label: string) =>
  JSON.stringify({ text, label, source: 'web', timestamp: '2026-01-01' });

describe('airlock dataset, end to end', () => {
  it('pins, refuses changed data before an eval (exit 2, naming the file), and checks out the pinned bytes', {
    timeout: 60_000,
  }, async () => {
    const { cwd, run } = project();
    const data = join(cwd, 'datasets', 'golden.jsonl');
    writeFileSync(data, `${row('great', 'positive')}\n${row('bad', 'negative')}\n`);
    const pinned = await run('dataset', 'pin', 'datasets/golden.jsonl', '--json');
    expect(pinned.code).toBe(0);
    const pin = JSON.parse(pinned.stdout).pin;
    expect(readFileSync(join(cwd, 'datasets', 'golden.jsonl.pin.yaml'), 'utf8')).toContain(
      `sha256: ${pin.sha256}`,
    );
    expect((await run('dataset', 'check')).code).toBe(0);

    appendFileSync(data, `${row('new', 'positive')}\n`);
    const refused = await run('dataset', 'check', 'datasets/golden.jsonl');
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(
      /^error: datasets\/golden\.jsonl changed since it was pinned \(pin [0-9a-f]{12}, now [0-9a-f]{12}\)/,
    );
    expect((await run('dataset', 'verify')).code).toBe(1);

    rmSync(data);
    expect((await run('dataset', 'checkout', 'datasets/golden.jsonl')).code).toBe(0);
    expect(readFileSync(data, 'utf8')).toBe(`${row('great', 'positive')}\n${row('bad', 'negative')}\n`);
    expect((await run('dataset', 'check')).stdout).toMatch(/^ok golden@[0-9a-f]{12} exactly as pinned/);

    // gc: the object of the version no pin names any more, and a write killed two hours ago.
    writeFileSync(data, `${row('great', 'positive')}\n`);
    expect((await run('dataset', 'pin', 'datasets/golden.jsonl')).code).toBe(0);
    const objects = join(cwd, '.airlock', 'cache', 'sha256', pin.sha256.slice(0, 2));
    const leftover = join(objects, `${pin.sha256.slice(2)}.0f1e.tmp`);
    writeFileSync(leftover, 'half');
    utimesSync(leftover, new Date(Date.now() - 7_200_000), new Date(Date.now() - 7_200_000));
    const dry = await run('dataset', 'gc');
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain(`would delete ${pin.sha256} (${pin.size} bytes)`);
    expect(dry.stdout).toContain(`would delete ${leftover} (4 bytes, left by a write that never finished)`);
    expect((await run('dataset', 'gc', '--force')).stdout).toContain(
      '1 unfinished write(s), 4 bytes deleted',
    );
    expect(readdirSync(objects)).toEqual([]);
  });

  it('validate reports each violation at its line, and drift by Jensen–Shannon distance', {
    timeout: 60_000,
  }, async () => {
    const { cwd, run } = project();
    writeFileSync(
      join(cwd, 'schema.yaml'),
      'fields:\n  text: {}\n  label: { values: [positive, negative, neutral] }\n  source: {}\n  timestamp: {}\nlabel_field: label\n',
    );
    const counts = (positive: number, negative: number, neutral: number) => [
      ...Array.from({ length: positive }, (_, index) => row(`p${index}`, 'positive')),
      ...Array.from({ length: negative }, (_, index) => row(`n${index}`, 'negative')),
      ...Array.from({ length: neutral }, (_, index) => row(`u${index}`, 'neutral')),
    ];
    writeFileSync(join(cwd, 'datasets', 'reference.jsonl'), `${counts(40, 40, 20).join('\n')}\n`);
    const current = counts(60, 30, 10);
    current[2] = JSON.stringify({ text: 'no label', source: 'web', timestamp: 't' });
    current[4] = row('x'.repeat(10_001), 'negative');
    writeFileSync(join(cwd, 'datasets', 'current.jsonl'), `${current.join('\n')}\n`);
    const result = await run(
      'dataset',
      'validate',
      'datasets/current.jsonl',
      '--schema',
      'schema.yaml',
      '--reference',
      'datasets/reference.jsonl',
    );
    expect(result.code).toBe(1);
    const lines = result.stdout.trim().split('\n');
    expect(lines[0]).toBe('error: datasets/current.jsonl:3:1: missing field "label" [missing-field]');
    expect(lines[1]).toBe(
      'error: datasets/current.jsonl:5:1: "text" is 10001 characters, over the limit of 10000 [too-long]',
    );
    // 58 positive (one lost its label, one became the long negative), 31 negative, 10 neutral
    // against 40/40/20: by hand (scipy jensenshannon, natural log) 0.140557.
    expect(lines[2]).toBe('error: drift 0.1406 (Jensen–Shannon distance; limit 0.1)');
    expect(lines[3]).toBe('invalid 100 rows: 2 violation(s), label drift over the limit');
  });
});

describe('airlock dataset, hostile and broken input', () => {
  it('refuses a pin file whose path leaves its folder, writing nothing', { timeout: 60_000 }, async () => {
    const { cwd, run } = project();
    writeFileSync(join(cwd, 'datasets', 'golden.jsonl'), `${row('a', 'positive')}\n`);
    await run('dataset', 'pin', 'datasets/golden.jsonl');
    const pinFile = join(cwd, 'datasets', 'golden.jsonl.pin.yaml');
    writeFileSync(
      pinFile,
      readFileSync(pinFile, 'utf8').replace('path: "golden.jsonl"', 'path: "../../victim.txt"'),
    );
    const result = await run('dataset', 'checkout', 'datasets/golden.jsonl.pin.yaml');
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(
      /golden\.jsonl\.pin\.yaml:\d+:7: path: expected the name of a file or folder beside this pin file/,
    );
    expect(readdirSync(join(cwd, '..')).includes('victim.txt')).toBe(false);
  });

  it('check names every dataset that differs; validate reports a bad JSON Schema as input, not a bug', {
    timeout: 60_000,
  }, async () => {
    const { cwd, run } = project();
    for (const name of ['a', 'b']) {
      writeFileSync(join(cwd, 'datasets', `${name}.jsonl`), `${row(name, 'positive')}\n`);
      await run('dataset', 'pin', `datasets/${name}.jsonl`);
      appendFileSync(join(cwd, 'datasets', `${name}.jsonl`), `${row('more', 'negative')}\n`);
    }
    const check = await run('dataset', 'check');
    expect(check.code).toBe(2);
    expect(check.stderr.match(/changed since it was pinned/g)).toHaveLength(2);
    writeFileSync(join(cwd, 'schema.json'), '{"properties": {"text": {"type": "strin"}}}');
    const validate = await run('dataset', 'validate', 'datasets/a.jsonl', '--schema', 'schema.json');
    expect(validate.code).toBe(2);
    expect(validate.stderr).toMatch(
      /^error: schema\.json: not a row schema \(JSON Schema\): properties\.text\.type: /,
    );
    expect((await run('dataset', 'status', 'datasets/nope.jsonl')).stderr).toMatch(
      /nope\.jsonl\.pin\.yaml: no such pin file/,
    );
  });
});
