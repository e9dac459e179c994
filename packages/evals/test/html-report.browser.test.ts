// The HTML report as a person sees it: written to a file and opened in headless Chromium over
// file://, with no network. Debian's Chromium is driven by playwright-core (which never downloads
// a browser of its own); CI installs it (.ci/run), and without it this test fails rather than skips.
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import {
  baselineFromRun,
  type CaseResult,
  createMetricsAccumulator,
  decideGate,
  defaultGatePolicy,
  type EvalRun,
  evalReport,
  htmlReport,
} from '../src/index.ts';

const chromiumPath = '/usr/bin/chromium';
// The machine's network is closed: without the background-networking flags Chromium keeps trying
// (and failing) to reach Google's services at every start.
const chromiumArgs = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const screenshotPath = join(import.meta.dirname, 'artifacts', 'html-report.png');
const scriptOutput = 'Our refund policy: <script>alert(1)</script> (30 days)';

function result(caseId: string, status: CaseResult['status'], extra: Partial<CaseResult> = {}): CaseResult {
  const pass = status === 'pass';
  return {
    caseId,
    repeat: 0,
    tags: [],
    weight: 1,
    status,
    score: pass ? 1 : 0,
    checks:
      status === 'error'
        ? []
        : [
            {
              type: 'icontains',
              label: 'icontains "refund"',
              pass,
              score: pass ? 1 : 0,
              weight: 1,
              reason: pass ? 'found "refund"' : 'the output does not mention "refund"',
            },
          ],
    ...(status === 'error'
      ? { error: 'timeout: no answer after 30000 ms' }
      : { output: `answer to ${caseId}` }),
    latencyMs: 400,
    costUsd: 0.00045,
    usage: { inputTokens: 120, outputTokens: 40, cachedInputTokens: 0 },
    model: 'openai/gpt-4o-mini-2024-07-18',
    parameters: { temperature: 0 },
    cached: false,
    attempts: 1,
    ...extra,
  };
}

function runOf(id: string, results: readonly CaseResult[]) {
  const accumulator = createMetricsAccumulator();
  for (const line of results) accumulator.add(line);
  const metrics = accumulator.metrics();
  const run: EvalRun = {
    id,
    feature: 'support-bot',
    suite: { name: 'refunds', file: 'evals/refunds.yaml', sha256: 'b'.repeat(64), cases: metrics.cases },
    datasets: [],
    model: 'openai/gpt-4o-mini-2024-07-18',
    prompt: 'support-answer@3',
    parameters: { temperature: 0 },
    provider: 'replay (evals/cassettes/refunds.jsonl)',
    options: { concurrency: 8, repeat: 1, tags: [] },
    startedAt: '2026-11-22T09:00:00.000Z',
    finishedAt: '2026-11-22T09:00:12.000Z',
    durationMs: 12_000,
    interrupted: false,
    metrics,
  };
  return { run, outcomes: accumulator.outcomes() };
}

/** A blocked run: three failures (one with a `<script>` in its output) and an error, against a clean baseline. */
function fixture() {
  const passing = Array.from({ length: 12 }, (_, index) =>
    result(`policy-${String(index + 1).padStart(2, '0')}`, 'pass', {
      tags: [index % 2 === 0 ? 'locale:en' : 'locale:fr'],
      latencyMs: 300 + index * 35,
    }),
  );
  const candidate = [
    ...passing.slice(0, 5),
    result('refund-window', 'fail', { tags: ['locale:en'], output: scriptOutput, latencyMs: 1250 }),
    ...passing.slice(5, 9),
    result('refund-fr', 'fail', {
      tags: ['locale:fr'],
      output: 'Voir <img src=x onerror="alert(2)"> pour les détails',
      latencyMs: 980,
    }),
    result('escalation', 'fail', { tags: ['locale:en'], latencyMs: 720 }),
    ...passing.slice(9),
    result('slow-provider', 'error', { tags: ['locale:fr'], latencyMs: 30_000 }),
  ];
  const baselineLines = candidate.map((line) =>
    result(line.caseId, 'pass', { tags: line.tags, latencyMs: 350, costUsd: 0.0004 }),
  );
  const base = runOf('run_baseline', baselineLines);
  const { run, outcomes } = runOf('run_candidate', candidate);
  const baseline = baselineFromRun(base.run, base.outcomes);
  const gate = decideGate(run, outcomes, defaultGatePolicy, baseline);
  return { report: evalReport(run, outcomes, gate, baseline), results: candidate };
}

const failingIds = ['refund-window', 'refund-fr', 'escalation', 'slow-provider'];

interface OpenedReport {
  page: Page;
  consoleErrors: string[];
  pageErrors: string[];
  requests: string[];
  dialogs: string[];
}

describe('the HTML report in Chromium', { timeout: 60_000 }, () => {
  const directory = mkdtempSync(join(tmpdir(), 'airlock-html-report-'));
  const reportFile = join(directory, 'report.html');
  const reportUrl = pathToFileURL(reportFile).href;
  const { report, results } = fixture();
  let browser: Promise<Browser> | undefined;
  let written = false;
  const contexts: BrowserContext[] = [];

  afterEach(async () => {
    for (const context of contexts.splice(0)) await context.close();
  });

  afterAll(async () => {
    if (browser) await (await browser).close();
    rmSync(directory, { recursive: true, force: true });
  });

  /** Every test opens the file in a fresh context, so one test's filter never leaks into another. */
  // Set up inside the tests, not in a hook: a failing hook makes vitest report the tests as
  // skipped, and this suite must count as failed when Chromium is missing.
  async function open(): Promise<OpenedReport> {
    if (!written) {
      writeFileSync(reportFile, htmlReport({ report, results }));
      written = true;
    }
    if (!existsSync(chromiumPath)) {
      throw new Error(
        `${chromiumPath} is missing: this test needs Debian's Chromium (apt-get install -y chromium; .ci/run installs it when missing)`,
      );
    }
    browser ??= chromium.launch({ executablePath: chromiumPath, args: chromiumArgs });
    const context = await (await browser).newContext({ viewport: { width: 1280, height: 900 } });
    contexts.push(context);
    const opened: OpenedReport = {
      page: await context.newPage(),
      consoleErrors: [],
      pageErrors: [],
      requests: [],
      dialogs: [],
    };
    context.on('request', (request) => opened.requests.push(request.url()));
    opened.page.on('console', (message) => {
      if (message.type() === 'error') opened.consoleErrors.push(message.text());
    });
    opened.page.on('pageerror', (error) => opened.pageErrors.push(error.message));
    opened.page.on('dialog', (dialog) => {
      opened.dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    await opened.page.goto(reportUrl, { waitUntil: 'load' });
    return opened;
  }

  const caseRows = (page: Page) => page.locator('#cases tbody tr');
  const visibleCaseIds = (page: Page) =>
    page.locator('#cases tbody tr:visible th[scope=row] code').allTextContents();

  it('loads from the file with no console error, no page error and no request but the file itself', async () => {
    const { page, consoleErrors, pageErrors, requests } = await open();
    expect(await page.title()).toBe('Eval report: support-bot · refunds');
    expect(consoleErrors).toEqual([]);
    expect(pageErrors).toEqual([]);
    expect(requests).toEqual([reportUrl]);
    mkdirSync(join(import.meta.dirname, 'artifacts'), { recursive: true });
    await page.screenshot({ path: screenshotPath, fullPage: true });
    expect(statSync(screenshotPath).size).toBeGreaterThan(10_000);
  });

  it('shows the blocked decision and every gate reason in the first screen', async () => {
    const { page } = await open();
    const heading = page.getByRole('heading', { name: 'Decision: Blocked' });
    expect(await heading.isVisible()).toBe(true);
    const box = await heading.boundingBox();
    expect(box?.y).toBeLessThan(900);
    const reasons = await page.locator('#decision .reasons li').allTextContents();
    expect(reasons).toHaveLength(report.gate?.checks.length ?? -1);
    expect(reasons.join('\n')).toContain('FAIL errors: 1 provider error or timeout (limit 0)');
    expect(reasons.join('\n')).toMatch(/FAIL threshold: pass rate 75\.0%/);
  });

  it('lists the failing cases first, and they are visible', async () => {
    const { page } = await open();
    const statuses = await caseRows(page).evaluateAll((rows) =>
      rows.map((row) => row.getAttribute('data-status')),
    );
    expect(statuses).toEqual(['fail', 'fail', 'fail', 'error', ...Array(12).fill('pass')]);
    expect((await visibleCaseIds(page)).slice(0, 4)).toEqual(failingIds);
    for (const id of failingIds) {
      expect(await page.locator('#cases th[scope=row] code', { hasText: id }).isVisible()).toBe(true);
    }
  });

  it('shows a <script> in an output as text and runs none of the output', async () => {
    const { page, dialogs } = await open();
    const output = page.locator('#cases pre', { hasText: '<script>alert(1)</script>' });
    expect(await output.isVisible()).toBe(true);
    expect(await output.textContent()).toBe(scriptOutput);
    expect(await page.locator('#cases pre', { hasText: '<img src=x onerror="alert(2)">' }).isVisible()).toBe(
      true,
    );
    expect(await page.locator('#cases script, #cases img').count()).toBe(0);
    expect(dialogs).toEqual([]);
  });

  it('hides the rows that do not match as you type in the filter', async () => {
    const { page } = await open();
    await page.getByLabel('Filter cases').pressSequentially('refund-');
    expect(await visibleCaseIds(page)).toEqual(['refund-window', 'refund-fr']);
    expect(await page.locator('#shown').textContent()).toBe('2 of 16 cases shown');
    // Outputs and reasons are searched too.
    await page.getByLabel('Filter cases').fill('pour les détails');
    expect(await visibleCaseIds(page)).toEqual(['refund-fr']);
    await page.getByLabel('Filter cases').fill('');
    expect(await visibleCaseIds(page)).toHaveLength(16);
  });

  it('hides the passing rows when "Pass" is unchecked, and shows them again', async () => {
    const { page } = await open();
    const pass = page.getByRole('checkbox', { name: /^Pass/ });
    await pass.uncheck();
    expect(await visibleCaseIds(page)).toEqual(failingIds);
    expect(await page.locator('#shown').textContent()).toBe('4 of 16 cases shown');
    await page.getByRole('checkbox', { name: /^Error/ }).uncheck();
    expect(await visibleCaseIds(page)).toEqual(['refund-window', 'refund-fr', 'escalation']);
    await pass.check();
    expect(await visibleCaseIds(page)).toHaveLength(15);
  });
});
