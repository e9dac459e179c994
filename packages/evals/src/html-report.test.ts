import { describe, expect, it } from 'vitest';
import { baselineFromRun, decideGate, defaultGatePolicy } from './gate.ts';
import { gateHtmlReport, htmlReport } from './html-report.ts';
import { createMetricsAccumulator } from './metrics.ts';
import { evalReport } from './reports.ts';
import type { CaseResult, EvalRun, StoredOutcome } from './types.ts';

function result(caseId: string, status: CaseResult['status'], extra: Partial<CaseResult> = {}): CaseResult {
  return {
    caseId,
    repeat: 0,
    tags: [],
    weight: 1,
    status,
    score: status === 'pass' ? 1 : 0,
    checks:
      status === 'error'
        ? []
        : [
            {
              type: 'contains',
              label: 'contains "Paris"',
              pass: status === 'pass',
              score: status === 'pass' ? 1 : 0,
              weight: 1,
              reason: status === 'pass' ? 'found "Paris"' : 'output does not contain "Paris"',
            },
          ],
    ...(status === 'error' ? { error: 'server: HTTP 500' } : { output: `answer for ${caseId}` }),
    latencyMs: 100,
    costUsd: 0.0002,
    usage: { inputTokens: 40, outputTokens: 10, cachedInputTokens: 0 },
    model: 'openai/gpt-4o-2024-11-20',
    parameters: {},
    cached: false,
    attempts: 1,
    ...extra,
  };
}

/** A run as `executeRun` makes it: real metrics and outcomes computed from the result lines. */
function runOf(results: readonly CaseResult[], extra: Partial<EvalRun> = {}) {
  const accumulator = createMetricsAccumulator();
  for (const line of results) accumulator.add(line);
  const run: EvalRun = {
    id: 'run_candidate',
    feature: 'support-answers',
    suite: { name: 'capitals', file: 'evals/capitals.yaml', sha256: 'a'.repeat(64), cases: 0 },
    datasets: [],
    model: 'openai/gpt-4o-2024-11-20',
    parameters: {},
    provider: 'replay',
    options: { concurrency: 8, repeat: 1, tags: [] },
    startedAt: '2026-11-22T00:00:00.000Z',
    finishedAt: '2026-11-22T00:00:01.000Z',
    durationMs: 1000,
    interrupted: false,
    metrics: accumulator.metrics(),
    ...extra,
  };
  run.suite.cases = run.metrics.cases;
  const outcomes: StoredOutcome[] = accumulator.outcomes();
  return { run, outcomes };
}

function reportOf(
  results: readonly CaseResult[],
  options: { gate?: boolean; baselineResults?: readonly CaseResult[]; run?: Partial<EvalRun> } = {},
) {
  const { run, outcomes } = runOf(results, options.run);
  const baseline = options.baselineResults
    ? (() => {
        const base = runOf(options.baselineResults, { id: 'run_baseline' });
        return baselineFromRun(base.run, base.outcomes);
      })()
    : undefined;
  const gate = options.gate ? decideGate(run, outcomes, defaultGatePolicy, baseline) : undefined;
  return evalReport(run, outcomes, gate, baseline);
}

/** The text of a section, from its opening tag to the next `</section>`. */
function section(page: string, id: string): string {
  const start = page.indexOf(`<section id="${id}"`);
  expect(start, `section #${id}`).toBeGreaterThanOrEqual(0);
  return page.slice(start, page.indexOf('</section>', start));
}

describe('htmlReport', () => {
  it('shows untrusted text as text: outputs, ids, tags, reasons, errors and the title are escaped', () => {
    const results = [
      result('xss-output', 'fail', { output: '<script>alert(1)</script> & "quotes" \'single\'' }),
      result('<img src=x onerror=alert(2)>', 'fail', { tags: ['lang:"fr"&<b>'] }),
      result('reason', 'fail', {
        checks: [
          {
            type: 'javascript',
            label: '<i>custom</i>',
            pass: false,
            score: 0,
            weight: 1,
            reason: '</td></tr><script>alert(3)</script>',
          },
        ],
      }),
      result('error', 'error', { error: '<iframe src="https://evil.example">' }),
    ];
    const page = htmlReport({
      report: reportOf(results, { gate: true, run: { feature: '<svg onload=alert(4)>' } }),
      results,
      title: 'Report </title><script>alert(5)</script>',
    });
    expect(page).toContain('&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;quotes&quot; &#39;single&#39;');
    expect(page).toContain('&lt;img src=x onerror=alert(2)&gt;');
    expect(page).toContain('lang:&quot;fr&quot;&amp;&lt;b&gt;');
    expect(page).toContain('&lt;/td&gt;&lt;/tr&gt;&lt;script&gt;alert(3)&lt;/script&gt;');
    expect(page).toContain('&lt;iframe src=&quot;https://evil.example&quot;&gt;');
    expect(page).toContain('&lt;svg onload=alert(4)&gt;');
    expect(page).toContain('<title>Report &lt;/title&gt;&lt;script&gt;alert(5)&lt;/script&gt;</title>');
    // The report's own script is the only one; no untrusted text became an element.
    expect(page.match(/<script/g)).toHaveLength(1);
    expect(page).not.toMatch(/<(img|iframe|svg onload|i>)/);
  });

  it('lists failing and erroring cases before passing ones, worst first, in run order otherwise', () => {
    const results = [
      result('pass-1', 'pass'),
      result('flaky', 'pass'),
      result('flaky', 'fail', { repeat: 1 }),
      result('fail-1', 'fail'),
      result('pass-2', 'pass'),
      result('error-1', 'error'),
      result('flaky', 'pass', { repeat: 2 }),
      result('pass-1', 'pass', { repeat: 1 }),
      result('fail-1', 'fail', { repeat: 1 }),
      result('pass-2', 'pass', { repeat: 1 }),
      result('error-1', 'error', { repeat: 1 }),
    ];
    const page = htmlReport({ report: reportOf(results), results });
    const rows = [...page.matchAll(/<tr class="case" data-status="(\w+)"><th scope="row"><code>([^<]+)</g)];
    expect(rows.map((row) => `${row[2]}:${row[1]}`)).toEqual([
      'fail-1:fail',
      'error-1:error',
      'flaky:fail',
      'pass-1:pass',
      'pass-2:pass',
    ]);
    // Repeats are shown in order under their case, with the count that passed.
    const flaky = page.slice(page.indexOf('<code>flaky</code>'), page.indexOf('<code>pass-1</code>'));
    expect(flaky).toContain('2/3 passed');
    expect(flaky.indexOf('Repeat 1')).toBeLessThan(flaky.indexOf('Repeat 2'));
    expect(flaky.indexOf('Repeat 2')).toBeLessThan(flaky.indexOf('Repeat 3'));
  });

  it('opens the output of failing cases and folds it for passing ones', () => {
    const results = [result('good', 'pass'), result('bad', 'fail')];
    const page = htmlReport({ report: reportOf(results), results });
    expect(page).toMatch(
      /<code>bad<\/code>.*<details class="output" open><summary>Output \(14 characters\)<\/summary><pre>answer for bad<\/pre>/s,
    );
    expect(page).toMatch(/<code>good<\/code>.*<details class="output"><summary>/s);
  });

  it('shows each assertion with its type, verdict and reason, and an error with its message', () => {
    const results = [
      result('graded', 'fail', {
        checks: [
          {
            type: 'not-regex',
            label: 'not-regex /sorry/i',
            pass: true,
            score: 1,
            weight: 1,
            reason: 'no match',
          },
          {
            type: 'llm-rubric',
            label: 'llm-rubric',
            pass: false,
            score: 0.4,
            weight: 2,
            reason: 'the answer skips the refund policy',
          },
        ],
      }),
      result('broken', 'error'),
    ];
    const page = htmlReport({ report: reportOf(results), results });
    expect(page).toContain(
      '<li class="check pass"><span class="badge pass">PASS</span> <code>not-regex</code> not-regex /sorry/i<div class="reason">no match</div></li>',
    );
    expect(page).toContain(
      '<span class="badge fail">FAIL</span> <code>llm-rubric</code> <span class="muted">(score 0.40)</span> <span class="muted">(weight 2)</span><div class="reason">the answer skips the refund policy</div>',
    );
    expect(page).toContain('<p class="error-text"><strong>Error:</strong> server: HTTP 500</p>');
  });

  it('puts a blocked decision at the top with every gate reason, in text as well as colour', () => {
    const results = [result('a', 'pass'), result('b', 'fail'), result('c', 'error')];
    const report = reportOf(results, { gate: true });
    const page = htmlReport({ report, results });
    const decision = section(page, 'decision');
    expect(page.indexOf('id="decision"')).toBeLessThan(page.indexOf('id="metrics"'));
    expect(decision).toContain('class="decision blocked"');
    expect(decision).toContain('Decision: Blocked');
    expect(decision).toContain(`2 of ${report.gate?.checks.length} checks failed`);
    for (const check of report.gate?.checks ?? []) {
      expect(decision).toContain(`<strong>${check.id}</strong>: ${check.summary}`);
    }
    expect(decision).toContain('<span class="badge fail">FAIL</span> <strong>threshold</strong>');
  });

  it('says deploy when the gate passes, and "not gated" without a gate', () => {
    const results = [result('a', 'pass'), result('b', 'pass')];
    const passed = htmlReport({ report: reportOf(results, { gate: true }), results });
    expect(section(passed, 'decision')).toContain('Decision: Deploy');
    expect(section(passed, 'decision')).toContain('class="decision deploy"');
    const ungated = htmlReport({ report: reportOf(results), results });
    expect(section(ungated, 'decision')).toContain('Decision: not gated');
  });

  it('works with no baseline: every section says so and shows the candidate alone', () => {
    const results = [
      result('a', 'pass', { tags: ['locale:fr'], latencyMs: 120 }),
      result('b', 'fail', { tags: ['locale:de'], latencyMs: 340 }),
    ];
    const page = htmlReport({ report: reportOf(results), results });
    expect(section(page, 'metrics')).toContain('No baseline');
    expect(section(page, 'metrics')).toContain(
      '<tr><th scope="row">Accuracy (pass rate)</th><td>–</td><td>50.0%</td><td>–</td></tr>',
    );
    expect(section(page, 'slices')).toContain('no baseline');
    expect(section(page, 'cost')).toContain('No baseline: no cost delta.');
    expect(page).toContain('<dt>Baseline</dt><dd>no baseline</dd>');
  });

  it('compares against a baseline: metric, slice and cost deltas', () => {
    const baselineResults = [
      result('a', 'pass', { tags: ['locale:fr'], costUsd: 0.0002, latencyMs: 100 }),
      result('b', 'pass', { tags: ['locale:de'], costUsd: 0.0002, latencyMs: 100 }),
    ];
    const results = [
      result('a', 'pass', { tags: ['locale:fr'], costUsd: 0.0003, latencyMs: 100 }),
      result('b', 'fail', { tags: ['locale:de'], costUsd: 0.0003, latencyMs: 100 }),
    ];
    const page = htmlReport({ report: reportOf(results, { gate: true, baselineResults }), results });
    const metrics = section(page, 'metrics');
    expect(metrics).toContain('Baseline: run run_baseline.');
    expect(metrics).toContain(
      '<tr><th scope="row">Accuracy (pass rate)</th><td>100.0%</td><td>50.0%</td><td class="worse">−50.0 pts</td></tr>',
    );
    expect(metrics).toContain(
      '<tr><th scope="row">Cost per 1k requests</th><td>$0.2000</td><td>$0.3000</td><td class="worse">+$0.1000</td></tr>',
    );
    const slices = section(page, 'slices');
    expect(slices).toMatch(
      /locale:de<\/span><\/th><td>1<\/td><td>100\.0%<\/td>.*0\.0%<\/td><td class="worse">−100\.0 pts/,
    );
    expect(slices).toMatch(
      /locale:fr<\/span><\/th><td>1<\/td><td>100\.0%<\/td>.*100\.0%<\/td><td class="same">\+0\.0 pts/,
    );
    const cost = section(page, 'cost');
    expect(cost).toContain(
      '<tr><th scope="row">Per call</th><td>$0.000200</td><td>$0.000300</td><td class="worse">+$0.000100 (+50.0%)</td></tr>',
    );
    expect(cost).toContain('<td class="worse">+$0.1000 (+50.0%)</td>');
  });

  it('says when the model has no price and when there are no tags', () => {
    const unpriced = result('a', 'pass');
    delete unpriced.costUsd;
    const results = [unpriced];
    const page = htmlReport({ report: reportOf(results), results });
    expect(section(page, 'cost')).toContain('Not priced');
    expect(section(page, 'slices')).toContain('No tags in this run');
  });

  it('draws the latency histogram from the results, errors excluded', () => {
    const latencies = [100, 110, 120, 130, 180, 250, 900];
    const results = [
      ...latencies.map((latencyMs, index) => result(`c${index}`, 'pass', { latencyMs })),
      result('timeout', 'error', { latencyMs: 30_000 }),
    ];
    const page = htmlReport({ report: reportOf(results), results });
    const latency = section(page, 'latency');
    expect(latency).toContain('<svg class="histogram"');
    const bars = [
      ...latency.matchAll(/<rect class="bar"[^>]*><title>(\d+) ms–(\d+) ms: (\d+) results?<\/title>/g),
    ];
    // 7 values → Sturges' 4 bins → a 200 ms step; round edges from 0 ms make that 5 bins.
    expect(bars.map((bar) => [Number(bar[1]), Number(bar[2]), Number(bar[3])])).toEqual([
      [0, 200, 5],
      [200, 400, 1],
      [400, 600, 0],
      [600, 800, 0],
      [800, 1000, 1],
    ]);
    expect(bars.reduce((sum, bar) => sum + Number(bar[3]), 0)).toBe(latencies.length);
    expect(latency).toContain('p95');
    expect(latency).toContain('<th scope="row">800 ms–1000 ms</th><td>1</td>');

    const none = [result('x', 'error')];
    expect(section(htmlReport({ report: reportOf(none), results: none }), 'latency')).toContain(
      'No latencies in the results',
    );
  });

  it('is one self-contained file: a CSP that forbids the network, and no remote resource', () => {
    const results = [
      result('links', 'fail', {
        output: 'see https://example.com/a.png and <img src="http://example.com/b.png">',
      }),
    ];
    const page = htmlReport({ report: reportOf(results, { gate: true }), results });
    expect(page).toContain(
      `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">`,
    );
    // The policy comes before anything it governs.
    expect(page.indexOf('Content-Security-Policy')).toBeLessThan(page.indexOf('<style>'));
    expect(page).not.toMatch(/\b(?:src|href|action|data)\s*=\s*["']?\s*(?:https?:)?\/\//i);
    expect(page).not.toMatch(/url\(|@import/);
    for (const attribute of page.matchAll(/\b(?:src|href)\s*=\s*"([^"]*)"/g)) {
      expect(attribute[1]).toMatch(/^data:/);
    }
    // The only http(s) text is the model's, shown escaped.
    expect([...page.matchAll(/https?:\/\/[^\s<&]*/g)].map((match) => match[0])).toEqual([
      'https://example.com/a.png',
      'http://example.com/b.png',
    ]);
  });

  it('offers a labelled text filter and a checkbox per status with its count', () => {
    const results = [result('a', 'pass'), result('b', 'fail'), result('c', 'fail'), result('d', 'error')];
    const page = htmlReport({ report: reportOf(results), results });
    expect(page).toContain('<label for="filter">Filter cases</label>');
    expect(page).toContain('<input type="search" id="filter"');
    expect(page).toContain('<input type="checkbox" name="status" value="fail" checked> Fail (2)</label>');
    expect(page).toContain('<input type="checkbox" name="status" value="error" checked> Error (1)</label>');
    expect(page).toContain('<input type="checkbox" name="status" value="pass" checked> Pass (1)</label>');
    expect(page).toContain('<th scope="col">Assertions and output</th>');
  });

  it('falls back to the JSON report outcomes for cases with no result line', () => {
    const results = [result('a', 'pass'), result('b', 'fail')];
    const report = reportOf(results);
    report.cases = report.cases.map((outcome) =>
      outcome.caseId === 'b' ? { ...outcome, detail: 'contains "Paris": missing' } : outcome,
    );
    const page = htmlReport({ report, results: [] });
    expect(page).toContain('No result lines were given');
    expect(page).toMatch(
      /data-status="fail"><th scope="row"><code>b<\/code>.*contains &quot;Paris&quot;: missing/,
    );
  });

  it('renders 2,000 cases × 2 repeats, each case once', () => {
    const results: CaseResult[] = [];
    for (let repeat = 0; repeat < 2; repeat++) {
      for (let index = 0; index < 2000; index++) {
        results.push(
          result(`case-${index}`, index % 10 === 0 ? 'fail' : 'pass', {
            repeat,
            tags: [`group:${index % 7}`],
            latencyMs: 50 + ((index * 37) % 900),
            output: 'x'.repeat(500),
          }),
        );
      }
    }
    const page = htmlReport({ report: reportOf(results, { gate: true }), results });
    expect(page.match(/<tr class="case"/g)).toHaveLength(2000);
    expect(page.match(/<tr class="case" data-status="fail"/g)).toHaveLength(200);
    expect(page).toContain('2000 of 2000 cases shown');
  });
});

describe('gateHtmlReport', () => {
  const hostile = 'id="decision" <img src=x onerror=alert(1)> aria-labelledby="x"';
  const suites = [
    {
      name: 'smoke',
      report: reportOf([result('a', 'pass'), result('b', 'fail', { output: hostile })], { gate: true }),
      results: [result('a', 'pass'), result('b', 'fail', { output: hostile })],
    },
    {
      name: 'full',
      report: reportOf([result('c', 'pass')], { gate: true, run: { id: 'run_full' } }),
      results: [result('c', 'pass')],
    },
  ];
  const page = (decision: 'blocked' | 'hold' = 'blocked') =>
    gateHtmlReport({
      title: 'Release gate: support-bot · staging',
      facts: [['Feature', 'support-bot']],
      decision,
      reasons: ['suite smoke: 1/2 passed'],
      steps: [{ name: 'suite smoke', status: 'fail', durationMs: 12, summary: '1/2 passed' }],
      suites,
      cost: ['cost / request: $0.001'],
    });

  it('gives every suite its own ids (each id once, every reference resolves) and escapes outputs', () => {
    const html = page();
    const ids = [...html.matchAll(/\bid="([^"]+)"/g)].map((match) => match[1]);
    expect(new Set(ids).size).toBe(ids.length);
    for (const match of html.matchAll(/aria-(?:labelledby|describedby)="([^"]+)"/g)) {
      for (const id of (match[1] ?? '').split(' ')) expect(ids).toContain(id);
    }
    expect(html).not.toContain('<img src=x');
    expect(html).toContain('id=&quot;decision&quot; &lt;img src=x');
    // Failing cases of every suite first, named by suite.
    expect(html.indexOf('smoke › b')).toBeLessThan(html.indexOf('smoke › a'));
    expect(html).toContain('full › c');
  });

  it('shows a hold as neither deploy nor blocked', () => {
    const html = page('hold');
    expect(section(html, 'decision')).toContain('class="decision ungated"');
    expect(section(html, 'decision')).toContain('Decision: Hold');
  });
});
