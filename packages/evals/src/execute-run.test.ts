import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { applyMigrations, openDatabase, storeMigrations } from '@airlock/db';
import { useOpenAIServer } from '@airlock/test-servers/vitest-hooks';
import { temporaryDirectory } from '@airlock/vitest-config/temp-dir';
import { XMLParser } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { baselineFileFromRun, readBaselineFile, writeBaselineFile } from './baseline-file.ts';
import { createRecordingProvider, createReplayProvider } from './cassette.ts';
import { executeRun } from './execute-run.ts';
import { baselineFromRun, decideGate } from './gate.ts';
import { evalsMigrations } from './migrations.ts';
import { createOpenAIProvider } from './openai-provider.ts';
import type { Provider } from './provider.ts';
import { evalReport, junitReport, markdownReport } from './reports.ts';
import { createSqliteEvalRunStore, createSqliteResponseCache } from './store.ts';
import { loadSuite } from './suite-file.ts';
import type { Suite } from './types.ts';

const model = 'openai/gpt-4o-mini-2024-07-18';
const server = useOpenAIServer([
  { when: { lastUserMessage: /refund/i }, reply: 'Refunds are accepted within 30 days of purchase.' },
  { when: { lastUserMessage: /shipping/i }, reply: 'Shipping takes 3-5 business days.' },
  { when: { lastUserMessage: /rembourse/i }, reply: 'Les remboursements sont acceptés sous 30 jours.' },
]);

const suiteYaml = `
name: support-smoke
model: ${model}
prompt:
  messages:
    - { role: system, content: "You answer support questions briefly." }
    - { role: user, content: "{{question}}" }
parameters: { temperature: 0, seed: 7 }
dataset: golden.jsonl
defaults:
  assert:
    - { type: icontains, value: "{{expected}}" }
    - { type: max-words, value: 40 }
`;

const golden = [
  { id: 'refund-window', question: 'What is the refund window?', expected: '30 days', tags: ['smoke'] },
  {
    id: 'shipping-time',
    question: 'How long does shipping take?',
    expected: '3-5 business days',
    tags: ['smoke'],
  },
  {
    id: 'fr-refund',
    question: 'Quel est le délai de remboursement ?',
    expected: '30 jours',
    tags: ['locale:fr'],
  },
  { id: 'warranty', question: 'How long is the warranty?', expected: '2 years', tags: ['smoke'] },
]
  .map((row) => JSON.stringify(row))
  .join('\n');

function project() {
  const dir = temporaryDirectory('airlock-evals-run-');
  writeFileSync(join(dir, 'suite.yaml'), suiteYaml);
  writeFileSync(join(dir, 'golden.jsonl'), `${golden}\n`);
  const database = openDatabase({ path: join(dir, 'store.db') });
  applyMigrations(database, [...storeMigrations, ...evalsMigrations]);
  return { dir, database, suite: loadSuite(join(dir, 'suite.yaml'), { cwd: dir }) };
}

const provider = () => createOpenAIProvider({ apiKey: 'test', baseURL: server.baseURL, timeoutMs: 2_000 });

describe('a run from a dataset-backed suite to stored records and reports', () => {
  it('streams results to disk, stores the run and its outcomes, and reports it', async () => {
    const { dir, database, suite } = project();
    const resultsFile = join(dir, 'results.jsonl');
    const { run, outcomes } = await executeRun(suite, {
      provider: provider(),
      resultsFile,
      feature: 'support-bot',
    });
    expect(run.metrics).toMatchObject({ cases: 4, passed: 3, failed: 1, errors: 0, passRate: 0.75 });
    expect(run.metrics.checkPassRate).toBeCloseTo(7 / 8);
    expect(run.metrics.slices['locale:fr']).toEqual({ cases: 1, passRate: 1 });
    expect(run.datasets).toEqual([{ path: 'golden.jsonl', sha256: expect.stringMatching(/^[0-9a-f]{64}$/) }]);
    expect(readFileSync(resultsFile, 'utf8').trim().split('\n')).toHaveLength(4);
    expect(existsSync(`${resultsFile}.partial`)).toBe(false);
    expect(outcomes.find((outcome) => outcome.caseId === 'warranty')?.detail).toMatch(
      /icontains 2 years: does not contain "2 years"/,
    );

    const store = createSqliteEvalRunStore(database);
    store.saveRun(run, outcomes);
    expect(store.getRun(run.id)).toEqual(run);
    expect(store.outcomes(run.id)).toHaveLength(4);
    expect(store.listRuns({ feature: 'support-bot' }).map((item) => item.id)).toEqual([run.id]);
    expect(store.listRuns({ feature: 'other' })).toEqual([]);

    const gate = decideGate(run, outcomes);
    const report = evalReport(run, outcomes, gate);
    const markdown = markdownReport(report);
    expect(markdown).toContain('## ❌ Eval gate blocked: support-bot · support-smoke');
    expect(markdown).toContain('| Metric | Baseline | Candidate | Delta |');
    expect(markdown).toContain('| Accuracy (pass rate) | – | 75.0% | – |');
    expect(markdown).toContain('- ❌ **threshold**: pass rate 75.0% (threshold 85.0%)');
    expect(markdown).toMatch(
      /\| `warranty` \| no \| icontains 2 years: does not contain "2 years" \(any case\) \|/,
    );

    const junit = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' }).parse(
      junitReport(report),
    );
    const testsuite = junit.testsuites.testsuite;
    expect(testsuite).toMatchObject({
      name: 'support-bot/support-smoke',
      tests: '4',
      failures: '1',
      errors: '0',
    });
    expect(testsuite.testcase).toHaveLength(4);
    const failed = testsuite.testcase.find((testcase: { name: string }) => testcase.name === 'warranty');
    expect(failed.failure.message).toMatch(/does not contain "2 years"/);
  });

  it('compares with a baseline from a run and from model_baseline.json alike', async () => {
    const { dir, suite } = project();
    const base = await executeRun(suite, { provider: provider() });
    await server.setRules([
      { when: { lastUserMessage: /refund/i }, reply: 'Refunds are possible.' },
      { when: { lastUserMessage: /shipping/i }, reply: 'Shipping takes 3-5 business days.' },
      { when: { lastUserMessage: /rembourse/i }, reply: 'Les remboursements sont acceptés sous 30 jours.' },
    ]);
    const candidate = await executeRun(suite, { provider: provider() });
    const fromRun = decideGate(
      candidate.run,
      candidate.outcomes,
      { ...decideGate(candidate.run, []).policy, threshold: 0 },
      baselineFromRun(base.run, base.outcomes),
    );
    const file = join(dir, 'model_baseline.json');
    writeBaselineFile(file, baselineFileFromRun(base.run, base.outcomes));
    const fromFile = decideGate(candidate.run, candidate.outcomes, fromRun.policy, readBaselineFile(file));
    expect(fromFile.comparison).toEqual(fromRun.comparison);
    expect(fromRun.comparison).toMatchObject({ pairs: 4, regressed: 1, difference: -0.25 });
    // One of four cases is a 25-point drop, yet four cases cannot show it is not noise.
    expect(fromRun.underpowered).toBe(true);
    const markdown = markdownReport(
      evalReport(candidate.run, candidate.outcomes, fromFile, readBaselineFile(file)),
    );
    expect(markdown).toContain('| Accuracy (pass rate) | 75.0% | 50.0% | -25.0 pts |');
  });

  it('records a cassette, then replays it with no provider call; a missing entry fails only its case', async () => {
    const { dir, suite } = project();
    const cassette = join(dir, 'cassette.jsonl');
    const recording = createRecordingProvider(provider(), cassette);
    const recorded = await executeRun(suite, { provider: recording });
    recording.save();
    expect(recording.recorded).toBe(4);
    const calls = (await server.requests()).length;
    const replayed = await executeRun(suite, { provider: createReplayProvider(cassette) });
    expect((await server.requests()).length).toBe(calls);
    expect(replayed.run.metrics.passRate).toBe(recorded.run.metrics.passRate);

    const lines = readFileSync(cassette, 'utf8').trim().split('\n');
    writeFileSync(cassette, `${lines.slice(1).join('\n')}\n`);
    const partial = await executeRun(suite, { provider: createReplayProvider(cassette) });
    expect(partial.run.metrics.errors).toBe(1);
    expect(partial.outcomes.find((outcome) => outcome.errors > 0)?.detail).toMatch(
      /^not-recorded: no recorded answer/,
    );
  });

  it('serves repeated requests from the response cache, except with --repeat', async () => {
    const { database, suite } = project();
    const cache = createSqliteResponseCache(database);
    await executeRun(suite, { provider: provider(), cache });
    const first = (await server.requests()).length;
    const again = await executeRun(suite, { provider: provider(), cache });
    expect((await server.requests()).length).toBe(first);
    expect(again.run.metrics.cachedResults).toBe(4);
    const repeated = await executeRun(suite, { provider: provider(), cache, repeat: 3 });
    expect((await server.requests()).length).toBe(first + 12);
    expect(repeated.run.metrics).toMatchObject({ cases: 4, results: 12, repeats: 3, cachedResults: 0 });
    expect(repeated.run.metrics.passAllRepeats).toBe(0.75);
  });

  it('keeps what finished when stopped, and says the run was interrupted', async () => {
    const { dir, suite } = project();
    await server.addFault({ fault: { kind: 'latency', ms: 400 }, when: { lastUserMessage: /warranty/ } });
    const controller = new AbortController();
    const resultsFile = join(dir, 'results.jsonl');
    const { run } = await executeRun(suite, {
      provider: provider(),
      resultsFile,
      signal: controller.signal,
      onResult: (_result, progress) => {
        if (progress.done === 3) controller.abort();
      },
    });
    expect(run.interrupted).toBe(true);
    expect(run.metrics.results).toBe(3);
    // JUnit of a stopped run is never green.
    const junit = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' }).parse(
      junitReport(evalReport(run, [])),
    );
    expect(junit.testsuites.testsuite).toMatchObject({ tests: '1', errors: '1' });
    expect(junit.testsuites.testsuite.testcase.error.message).toBe(
      'the run was stopped: 0 of 4 cases finished',
    );
    expect(readFileSync(resultsFile, 'utf8').trim().split('\n')).toHaveLength(3);
    expect(decideGate(run, []).checks[0]).toMatchObject({ id: 'complete', status: 'fail' });
  });
});

describe('the results file', () => {
  it('holds every result once, in batches larger than one write, whatever the suite size', async () => {
    const dir = temporaryDirectory('airlock-evals-batches-');
    const cases = 400;
    const answer = `Refunds are accepted within 30 days. ${'More detail. '.repeat(20)}`;
    const inProcess: Provider = {
      description: 'in-process',
      complete: async () => ({ output: answer, latencyMs: 1 }),
    };
    const suite: Suite = {
      name: 'batches',
      file: 'batches',
      sha256: '0'.repeat(64),
      model,
      parameters: {},
      datasets: [],
      cases: Array.from({ length: cases }, (_, index) => ({
        id: `case-${index}`,
        vars: { input: `question ${index}` },
        tags: [],
        weight: 1,
        assert: [{ type: 'contains', negate: false, value: 'Refunds', weight: 1 }],
      })),
    };
    const resultsFile = join(dir, 'results.jsonl');
    const { run } = await executeRun(suite, { provider: inProcess, resultsFile, concurrency: 8 });
    const text = readFileSync(resultsFile, 'utf8');
    // Several batches' worth: the writes during the run neither lose nor repeat a result.
    expect(text.length).toBeGreaterThan(3 * (64 << 10));
    const ids = text
      .trimEnd()
      .split('\n')
      .map((line) => (JSON.parse(line) as { caseId: string }).caseId);
    expect(ids).toHaveLength(cases);
    expect(new Set(ids).size).toBe(cases);
    expect(run.metrics).toMatchObject({ cases, passed: cases });
  });
});
