// The HTML report: one self-contained file (inline CSS, a little inline JS, inline SVG) that
// opens from disk with no network. Model outputs are untrusted text, so every value reaches the
// page through the `html` template below, which escapes anything that is not already markup.

import type { GateCheckStatus, GateResult } from './gate.ts';
import type { EvalReport } from './reports.ts';
import type { CaseResult, CaseStatus, CheckResult, EvalRun } from './types.ts';

export interface HtmlReportInput {
  report: EvalReport;
  /** Every line of the run's results JSONL (one per case × repeat), with outputs and checks. */
  results: readonly CaseResult[];
  title?: string;
}

// --- Escaping by construction -------------------------------------------------------------------

const markup = Symbol('markup');

/** Text that is already HTML; only `html` and `joinHtml` make one. */
interface Html {
  readonly [markup]: string;
}

type HtmlValue = Html | readonly Html[] | string | number | false | null | undefined;

const entities: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => entities[character] as string);
}

function asMarkup(text: string): Html {
  return { [markup]: text };
}

function render(value: HtmlValue): string {
  if (value === undefined || value === null || value === false) return '';
  if (typeof value === 'string') return escapeHtml(value);
  if (typeof value === 'number') return escapeHtml(String(value));
  if (Array.isArray(value)) return joinHtml(value)[markup];
  return (value as Html)[markup];
}

/** Interpolated strings and numbers are escaped; `Html` values (and arrays of them) are inserted as is. */
function html(strings: TemplateStringsArray, ...values: HtmlValue[]): Html {
  const parts: string[] = [strings[0] as string];
  for (let index = 0; index < values.length; index += 1) {
    parts.push(render(values[index]), strings[index + 1] as string);
  }
  return asMarkup(parts.join(''));
}

/** One join over the parts: thousands of case rows stay linear. */
function joinHtml(values: readonly Html[], separator = ''): Html {
  return asMarkup(values.map((value) => value[markup]).join(separator));
}

// --- Numbers ------------------------------------------------------------------------------------

const percent = (value: number) => `${(value * 100).toFixed(1)}%`;
const signedPoints = (value: number) => `${value >= 0 ? '+' : '−'}${Math.abs(value * 100).toFixed(1)} pts`;
const ms = (value: number) => `${Math.round(value)} ms`;
const signedMs = (value: number) => `${value >= 0 ? '+' : '−'}${Math.abs(Math.round(value))} ms`;
const usd = (digits: number) => (value: number) => `$${value.toFixed(digits)}`;
const signedUsd = (digits: number) => (value: number) =>
  `${value >= 0 ? '+' : '−'}$${Math.abs(value).toFixed(digits)}`;
const perCallUsd = usd(6);
const per1kUsd = usd(4);

function signedPercentChange(baseline: number, candidate: number): string | undefined {
  if (baseline === 0) return undefined;
  const change = ((candidate - baseline) / baseline) * 100;
  return `${change >= 0 ? '+' : '−'}${Math.abs(change).toFixed(1)}%`;
}

function duration(milliseconds: number): string {
  if (milliseconds < 1000) return `${Math.round(milliseconds)} ms`;
  const seconds = milliseconds / 1000;
  if (seconds < 120) return `${seconds.toFixed(1)} s`;
  return `${Math.floor(seconds / 60)} min ${Math.round(seconds % 60)} s`;
}

/** Which way is good for a metric, so a delta can say better or worse (in words and colour). */
type Direction = 'higher-is-better' | 'lower-is-better';

function deltaClass(delta: number, direction: Direction): string {
  if (Math.abs(delta) < 1e-12) return 'same';
  return delta > 0 === (direction === 'higher-is-better') ? 'better' : 'worse';
}

// --- Cases --------------------------------------------------------------------------------------

interface CaseView {
  caseId: string;
  status: CaseStatus;
  passFraction: number;
  tags: readonly string[];
  results: CaseResult[];
  /** From the JSON report, for a case with no result line (no results file was given). */
  detail?: string;
}

/** Same rule as the JUnit report: any error makes the case an error, else any failure a failure. */
function caseStatus(passes: number, errors: number, total: number): CaseStatus {
  if (passes === total) return 'pass';
  return errors > 0 ? 'error' : 'fail';
}

/** Cases in run order, then worst first (a stable sort keeps run order among equals). */
function caseViews(report: EvalReport, results: readonly CaseResult[]): CaseView[] {
  const byCase = new Map<string, CaseResult[]>();
  for (const result of results) {
    const list = byCase.get(result.caseId);
    if (list) list.push(result);
    else byCase.set(result.caseId, [result]);
  }
  const views: CaseView[] = [];
  for (const [caseId, list] of byCase) {
    list.sort((a, b) => a.repeat - b.repeat);
    let passes = 0;
    let errors = 0;
    for (const result of list) {
      if (result.status === 'pass') passes += 1;
      else if (result.status === 'error') errors += 1;
    }
    views.push({
      caseId,
      status: caseStatus(passes, errors, list.length),
      passFraction: passes / list.length,
      tags: (list[0] as CaseResult).tags,
      results: list,
    });
  }
  for (const outcome of report.cases) {
    if (byCase.has(outcome.caseId)) continue;
    views.push({
      caseId: outcome.caseId,
      status: outcome.passFraction >= 1 ? 'pass' : outcome.errors > 0 ? 'error' : 'fail',
      passFraction: outcome.passFraction,
      tags: outcome.tags,
      results: [],
      ...(outcome.detail === undefined ? {} : { detail: outcome.detail }),
    });
  }
  return views.sort((a, b) => a.passFraction - b.passFraction);
}

const statusWords: Record<CaseStatus | GateCheckStatus, string> = {
  pass: 'PASS',
  fail: 'FAIL',
  error: 'ERROR',
  warn: 'WARN',
  skipped: 'SKIPPED',
};

function badge(status: CaseStatus | GateCheckStatus): Html {
  return html`<span class="badge ${status}">${statusWords[status]}</span>`;
}

function checkItem(check: CheckResult): Html {
  const graded = check.score !== 0 && check.score !== 1;
  return html`<li class="check ${check.pass ? 'pass' : 'fail'}">${badge(check.pass ? 'pass' : 'fail')} <code>${check.type}</code>${check.label && check.label !== check.type ? html` ${check.label}` : ''}${graded ? html` <span class="muted">(score ${check.score.toFixed(2)})</span>` : ''}${check.weight !== 1 ? html` <span class="muted">(weight ${check.weight})</span>` : ''}${check.reason ? html`<div class="reason">${check.reason}</div>` : ''}</li>`;
}

function resultBlock(result: CaseResult, repeats: number): Html {
  const facts: string[] = [];
  if (result.latencyMs !== undefined) facts.push(ms(result.latencyMs));
  if (result.costUsd !== undefined) facts.push(perCallUsd(result.costUsd));
  if (result.usage) {
    facts.push(
      `${result.usage.inputTokens} in / ${result.usage.outputTokens} out tokens${result.usageEstimated ? ' (counted here)' : ''}`,
    );
  }
  if (result.attempts > 1) facts.push(`${result.attempts} attempts`);
  if (result.cached) facts.push('cached');
  const open = result.status !== 'pass';
  return html`<div class="result">${
    repeats > 1 ? html`<p class="repeat">Repeat ${result.repeat + 1} ${badge(result.status)}</p>` : ''
  }${facts.length > 0 ? html`<p class="facts">${facts.join(' · ')}</p>` : ''}${
    result.error === undefined ? '' : html`<p class="error-text"><strong>Error:</strong> ${result.error}</p>`
  }${result.checks.length > 0 ? html`<ul class="checks">${result.checks.map(checkItem)}</ul>` : ''}${
    result.output === undefined
      ? ''
      : html`<details class="output"${open ? html` open` : ''}><summary>Output (${result.output.length} characters)</summary><pre>${result.output}</pre></details>`
  }</div>`;
}

function caseRow(view: CaseView): Html {
  const repeats = view.results.length;
  const source = view.results[0]?.source;
  const passed =
    repeats > 1
      ? html` <span class="muted">${view.results.filter((r) => r.status === 'pass').length}/${repeats} passed</span>`
      : '';
  const body =
    repeats === 0
      ? html`${view.detail ? html`<p class="reason">${view.detail}</p>` : ''}<p class="muted">No result line for this case (no results file given).</p>`
      : joinHtml(view.results.map((result) => resultBlock(result, repeats)));
  return html`<tr class="case" data-status="${view.status}"><th scope="row"><code>${view.caseId}</code>${
    source ? html`<div class="muted source">${source.file}:${source.line}:${source.column}</div>` : ''
  }</th><td>${badge(view.status)}${passed}</td><td>${joinHtml(
    view.tags.map((tag) => html`<span class="tag">${tag}</span>`),
    ' ',
  )}</td><td>${body}</td></tr>`;
}

function casesSection(views: readonly CaseView[], resultCount: number): Html {
  const counts: Record<CaseStatus, number> = { pass: 0, fail: 0, error: 0 };
  for (const view of views) counts[view.status] += 1;
  const failing = counts.fail + counts.error;
  const box = (status: CaseStatus, word: string) =>
    html`<label class="status-box"><input type="checkbox" name="status" value="${status}" checked> ${word} (${counts[status]})</label>`;
  return html`<section id="cases-section" aria-labelledby="cases-heading">
<h2 id="cases-heading">Cases</h2>
<p>${views.length} cases${failing > 0 ? `, ${failing} not passing, listed first` : ', all passing'}.${
    resultCount === 0 && views.length > 0
      ? ' No result lines were given, so outputs and assertions are not shown.'
      : ''
  }</p>
<div class="filters" role="search">
<label for="filter">Filter cases</label>
<input type="search" id="filter" placeholder="case id, tag, output or reason" autocomplete="off">
<fieldset><legend>Status</legend>${box('fail', 'Fail')} ${box('error', 'Error')} ${box('pass', 'Pass')}</fieldset>
<p id="shown" aria-live="polite">${views.length} of ${views.length} cases shown</p>
</div>
<table id="cases">
<thead><tr><th scope="col">Case</th><th scope="col">Status</th><th scope="col">Tags</th><th scope="col">Assertions and output</th></tr></thead>
<tbody>
${joinHtml(views.map(caseRow), '\n')}
</tbody>
</table>
</section>`;
}

// --- Summary sections ---------------------------------------------------------------------------

function header(run: EvalRun, title: string, report: EvalReport): Html {
  const facts: [string, HtmlValue][] = [];
  if (run.feature !== undefined) facts.push(['Feature', run.feature]);
  facts.push([
    'Suite',
    html`${run.suite.name} <span class="muted">(${run.suite.file}, <code>${run.suite.sha256.slice(0, 12)}</code>)</span>`,
  ]);
  facts.push(['Model', html`<code>${run.model}</code>`]);
  if (run.prompt !== undefined) facts.push(['Prompt', html`<code>${run.prompt}</code>`]);
  facts.push(['Run', html`<code>${run.id}</code>`]);
  if (run.release !== undefined) facts.push(['Release', html`<code>${run.release}</code>`]);
  facts.push(['Provider', run.provider]);
  facts.push([
    'Cases',
    `${run.metrics.cases}${run.metrics.repeats > 1 ? ` × ${run.metrics.repeats} repeats` : ''} (${run.metrics.results} results)`,
  ]);
  facts.push(['Started', `${run.startedAt} (took ${duration(run.durationMs)})`]);
  facts.push(['Baseline', report.baseline ? report.baseline.source : 'no baseline']);
  return html`<header>
<h1>${title}</h1>
<dl class="facts-list">${facts.map(([name, value]) => html`<div><dt>${name}</dt><dd>${value}</dd></div>`)}</dl>
</header>`;
}

function decisionSection(gate: GateResult | undefined, run: EvalRun): Html {
  const interrupted = run.interrupted
    ? html`<p class="warning"><strong>Interrupted:</strong> ${run.metrics.results} results finished before the run was stopped; the numbers cover those only.</p>`
    : '';
  if (!gate) {
    return html`<section id="decision" class="decision ungated" aria-labelledby="decision-heading">
<h2 id="decision-heading">Decision: not gated</h2>
<p>No gate ran for this run, so there is no deploy decision.</p>
${interrupted}
</section>`;
  }
  const failed = gate.checks.filter((check) => check.status === 'fail').length;
  const blocked = gate.decision === 'blocked';
  return html`<section id="decision" class="decision ${blocked ? 'blocked' : 'deploy'}" aria-labelledby="decision-heading">
<h2 id="decision-heading"><span aria-hidden="true">${blocked ? '✗' : '✓'}</span> Decision: ${blocked ? 'Blocked' : 'Deploy'}</h2>
<p>${
    blocked
      ? `The eval gate blocked this candidate: ${failed} of ${gate.checks.length} checks failed.`
      : `The eval gate passed: the candidate may deploy (${gate.checks.length} checks).`
  }${gate.baseline ? ` Compared with ${gate.baseline.source}.` : ' No baseline was compared.'}</p>
${interrupted}
<ul class="reasons">${gate.checks.map(
    (check) =>
      html`<li class="reason-item ${check.status}">${badge(check.status)} <strong>${check.id}</strong>: ${check.summary}</li>`,
  )}</ul>
${gate.underpowered ? html`<p class="muted">The suite is too small to detect a drop of the limit's size; add cases to make the regression check meaningful.</p>` : ''}
</section>`;
}

function metricRow(
  name: string,
  baseline: number | undefined,
  candidate: number | undefined,
  show: (value: number) => string,
  delta: (value: number) => string,
  direction: Direction,
): Html {
  const change =
    baseline === undefined || candidate === undefined
      ? html`<td>–</td>`
      : html`<td class="${deltaClass(candidate - baseline, direction)}">${delta(candidate - baseline)}</td>`;
  return html`<tr><th scope="row">${name}</th><td>${baseline === undefined ? '–' : show(baseline)}</td><td>${
    candidate === undefined ? '–' : show(candidate)
  }</td>${change}</tr>`;
}

function metricsSection(report: EvalReport): Html {
  const { baseline } = report;
  const m = report.run.metrics;
  const rows = [
    metricRow(
      'Accuracy (pass rate)',
      baseline?.passRate,
      m.passRate,
      percent,
      signedPoints,
      'higher-is-better',
    ),
    metricRow('P95 latency', baseline?.p95LatencyMs, m.latencyMs?.p95, ms, signedMs, 'lower-is-better'),
    metricRow(
      'Cost per 1k requests',
      baseline?.costPer1kUsd,
      m.cost?.per1kRequestsUsd,
      per1kUsd,
      signedUsd(4),
      'lower-is-better',
    ),
    metricRow(
      'Cost per call',
      baseline?.costPerCallUsd,
      m.cost?.perCallUsd,
      perCallUsd,
      signedUsd(6),
      'lower-is-better',
    ),
    html`<tr><th scope="row">Checks passed</th><td>–</td><td>${m.checksPassed}/${m.checksTotal} (${percent(m.checkPassRate)})</td><td>–</td></tr>`,
    html`<tr><th scope="row">Errors</th><td>–</td><td>${m.errors}</td><td>–</td></tr>`,
  ];
  if (m.repeats > 1) {
    rows.push(
      html`<tr><th scope="row">Passed all ${m.repeats} repeats</th><td>–</td><td>${percent(m.passAllRepeats)}</td><td>–</td></tr>`,
    );
  }
  return html`<section id="metrics" aria-labelledby="metrics-heading">
<h2 id="metrics-heading">Baseline vs candidate</h2>
<p>${baseline ? html`Baseline: ${baseline.source}.` : 'No baseline: the candidate is shown alone, with no deltas.'}</p>
<table>
<thead><tr><th scope="col">Metric</th><th scope="col">Baseline</th><th scope="col">Candidate</th><th scope="col">Delta</th></tr></thead>
<tbody>${rows}</tbody>
</table>
</section>`;
}

function slicesSection(report: EvalReport): Html {
  const { slices } = report.run.metrics;
  const tags = Object.keys(slices);
  const heading = html`<h2 id="slices-heading">Pass rate by slice</h2>`;
  if (tags.length === 0) {
    return html`<section id="slices" aria-labelledby="slices-heading">${heading}<p>No tags in this run, so no slices.</p></section>`;
  }
  const rows = tags.map((tag) => {
    const slice = slices[tag] as { cases: number; passRate: number };
    const base = report.baseline?.slices[tag]?.passRate;
    return html`<tr><th scope="row"><span class="tag">${tag}</span></th><td>${slice.cases}</td><td>${
      base === undefined ? (report.baseline ? 'not in baseline' : 'no baseline') : percent(base)
    }</td><td><span class="bar-cell"><span class="pass-bar" style="width:${(slice.passRate * 100).toFixed(1)}%"></span></span> ${percent(slice.passRate)}</td>${
      base === undefined
        ? html`<td>–</td>`
        : html`<td class="${deltaClass(slice.passRate - base, 'higher-is-better')}">${signedPoints(slice.passRate - base)}</td>`
    }</tr>`;
  });
  return html`<section id="slices" aria-labelledby="slices-heading">${heading}
<table>
<thead><tr><th scope="col">Slice (tag)</th><th scope="col">Cases</th><th scope="col">Baseline</th><th scope="col">Candidate</th><th scope="col">Delta</th></tr></thead>
<tbody>${rows}</tbody>
</table>
</section>`;
}

interface HistogramBin {
  from: number;
  to: number;
  count: number;
}

/** 1, 2 or 5 × a power of ten, at least `raw` and at least 1 ms. */
function niceStep(raw: number): number {
  if (!(raw > 1)) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  for (const factor of [1, 2, 5]) if (factor * magnitude >= raw) return factor * magnitude;
  return 10 * magnitude;
}

/** Sturges' rule for the number of bins (12 for 2,000 values), on round millisecond edges. */
function latencyBins(values: readonly number[]): HistogramBin[] {
  if (values.length === 0) return [];
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (const value of values) {
    if (value < min) min = value;
    if (value > max) max = value;
  }
  const target = Math.min(30, Math.ceil(Math.log2(values.length)) + 1);
  const step = niceStep((max - min) / target);
  const start = Math.floor(min / step) * step;
  const count = Math.floor((max - start) / step) + 1;
  const bins: HistogramBin[] = Array.from({ length: count }, (_, index) => ({
    from: start + index * step,
    to: start + (index + 1) * step,
    count: 0,
  }));
  for (const value of values) {
    const index = Math.min(count - 1, Math.max(0, Math.floor((value - start) / step)));
    (bins[index] as HistogramBin).count += 1;
  }
  return bins;
}

function histogramSvg(
  bins: readonly HistogramBin[],
  markers: readonly { name: string; value: number }[],
): Html {
  const width = 720;
  const height = 240;
  const left = 48;
  const right = 16;
  const top = 16;
  const bottom = 40;
  const plotWidth = width - left - right;
  const plotHeight = height - top - bottom;
  const first = (bins[0] as HistogramBin).from;
  const last = (bins[bins.length - 1] as HistogramBin).to;
  const x = (value: number) => left + ((value - first) / (last - first)) * plotWidth;
  let tallest = 0;
  for (const bin of bins) if (bin.count > tallest) tallest = bin.count;
  const barWidth = plotWidth / bins.length;
  const bars = bins.map((bin, index) => {
    const barHeight = tallest === 0 ? 0 : (bin.count / tallest) * plotHeight;
    return html`<rect class="bar" x="${(left + index * barWidth + 1).toFixed(1)}" y="${(top + plotHeight - barHeight).toFixed(1)}" width="${Math.max(1, barWidth - 2).toFixed(1)}" height="${barHeight.toFixed(1)}"><title>${ms(bin.from)}–${ms(bin.to)}: ${bin.count} result${bin.count === 1 ? '' : 's'}</title></rect>`;
  });
  const labelEvery = Math.ceil((bins.length + 1) / 8);
  const ticks: Html[] = [];
  for (let index = 0; index <= bins.length; index += labelEvery) {
    const value = first + (index * (last - first)) / bins.length;
    ticks.push(
      html`<text class="tick" x="${x(value).toFixed(1)}" y="${height - bottom + 16}" text-anchor="middle">${Math.round(value)}</text>`,
    );
  }
  const lines = markers
    .filter((marker) => marker.value >= first && marker.value <= last)
    .map(
      (marker, index) =>
        html`<line class="marker" x1="${x(marker.value).toFixed(1)}" x2="${x(marker.value).toFixed(1)}" y1="${top}" y2="${top + plotHeight}"></line><text class="marker-label" x="${(x(marker.value) + 4).toFixed(1)}" y="${top + 12 + index * 14}">${marker.name} ${ms(marker.value)}</text>`,
    );
  return html`<svg class="histogram" viewBox="0 0 ${width} ${height}" role="img" aria-labelledby="latency-svg-title latency-svg-desc">
<title id="latency-svg-title">Latency histogram</title>
<desc id="latency-svg-desc">${bins.length} bins of ${ms(bins[0] ? bins[0].to - bins[0].from : 0)} from ${ms(first)} to ${ms(last)}; the tallest holds ${tallest} results.</desc>
<line class="axis" x1="${left}" x2="${width - right}" y1="${top + plotHeight}" y2="${top + plotHeight}"></line>
<line class="axis" x1="${left}" x2="${left}" y1="${top}" y2="${top + plotHeight}"></line>
<text class="tick" x="${left - 6}" y="${top + 4}" text-anchor="end">${tallest}</text>
<text class="tick" x="${left - 6}" y="${top + plotHeight}" text-anchor="end">0</text>
${bars}
${ticks}
${lines}
<text class="tick" x="${left + plotWidth / 2}" y="${height - 4}" text-anchor="middle">latency (ms)</text>
</svg>`;
}

function latencySection(run: EvalRun, results: readonly CaseResult[]): Html {
  // The same population as the run's latency metrics: results that reached the provider or the cache.
  const values: number[] = [];
  for (const result of results) {
    if (
      result.status !== 'error' &&
      typeof result.latencyMs === 'number' &&
      Number.isFinite(result.latencyMs)
    ) {
      values.push(result.latencyMs);
    }
  }
  const heading = html`<h2 id="latency-heading">Latency</h2>`;
  const summary = run.metrics.latencyMs;
  const summaryLine = summary
    ? html`<p>p50 ${ms(summary.p50)} · p95 ${ms(summary.p95)} · p99 ${ms(summary.p99)} · mean ${ms(summary.mean)} · max ${ms(summary.max)}</p>`
    : '';
  if (values.length === 0) {
    return html`<section id="latency" aria-labelledby="latency-heading">${heading}${summaryLine}<p>No latencies in the results, so no histogram.</p></section>`;
  }
  const bins = latencyBins(values);
  const markers = summary
    ? [
        { name: 'p50', value: summary.p50 },
        { name: 'p95', value: summary.p95 },
      ]
    : [];
  return html`<section id="latency" aria-labelledby="latency-heading">${heading}${summaryLine}
${histogramSvg(bins, markers)}
<details><summary>Histogram as a table (${values.length} results)</summary>
<table class="compact"><thead><tr><th scope="col">Latency</th><th scope="col">Results</th></tr></thead>
<tbody>${bins.map((bin) => html`<tr><th scope="row">${ms(bin.from)}–${ms(bin.to)}</th><td>${bin.count}</td></tr>`)}</tbody></table>
</details>
</section>`;
}

function costSection(report: EvalReport): Html {
  const { cost, tokens, results } = report.run.metrics;
  const heading = html`<h2 id="cost-heading">Cost</h2>`;
  const tokenLine = html`<p>Tokens: ${tokens.input} input (${tokens.cachedInput} cached), ${tokens.output} output.</p>`;
  if (!cost) {
    return html`<section id="cost" aria-labelledby="cost-heading">${heading}<p>Not priced: the model has no price, so the cost is unknown.</p>${tokenLine}</section>`;
  }
  const { baseline } = report;
  const delta = (base: number | undefined, candidate: number, digits: number) => {
    if (base === undefined) return html`<td>–</td>`;
    const change = signedPercentChange(base, candidate);
    return html`<td class="${deltaClass(candidate - base, 'lower-is-better')}">${signedUsd(digits)(candidate - base)}${change ? ` (${change})` : ''}</td>`;
  };
  const baseCell = (value: number | undefined, show: (value: number) => string) =>
    html`<td>${value === undefined ? (baseline ? 'not priced' : 'no baseline') : show(value)}</td>`;
  return html`<section id="cost" aria-labelledby="cost-heading">${heading}
<p>${baseline ? html`Compared with ${baseline.source}.` : 'No baseline: no cost delta.'} Total for this run: ${usd(4)(cost.totalUsd)} over ${results} results.</p>
<table>
<thead><tr><th scope="col">Cost</th><th scope="col">Baseline</th><th scope="col">Candidate</th><th scope="col">Delta</th></tr></thead>
<tbody>
<tr><th scope="row">Per call</th>${baseCell(baseline?.costPerCallUsd, perCallUsd)}<td>${perCallUsd(cost.perCallUsd)}</td>${delta(baseline?.costPerCallUsd, cost.perCallUsd, 6)}</tr>
<tr><th scope="row">Per 1k requests</th>${baseCell(baseline?.costPer1kUsd, per1kUsd)}<td>${per1kUsd(cost.per1kRequestsUsd)}</td>${delta(baseline?.costPer1kUsd, cost.per1kRequestsUsd, 4)}</tr>
</tbody>
</table>
${tokenLine}
</section>`;
}

// --- The page -----------------------------------------------------------------------------------

// Forbids every fetch: the report must open from a file with no network, and an output that
// somehow became markup still could not load or send anything. Inserted as is (it has no `"`),
// so the policy reads literally in the file.
const contentSecurityPolicy =
  "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:";

const styles = `
:root { color-scheme: light dark; --fg: #1b1f24; --muted: #5c6570; --bg: #fff; --panel: #f5f7f9; --line: #d5dae0;
  --pass: #1a7f37; --pass-bg: #dafbe1; --fail: #b42318; --fail-bg: #ffe4e1; --warn: #8a5a00; --warn-bg: #fff3cd;
  --skip: #5c6570; --skip-bg: #eceff2; --bar: #4c78a8; --marker: #b42318; }
@media (prefers-color-scheme: dark) {
  :root { --fg: #e6e9ed; --muted: #9aa4ae; --bg: #14171a; --panel: #1d2125; --line: #343a40;
    --pass: #4ac26b; --pass-bg: #12301c; --fail: #ff7b72; --fail-bg: #3d1614; --warn: #e3b341; --warn-bg: #3a2d0c;
    --skip: #9aa4ae; --skip-bg: #2a2f34; --bar: #6ea8dc; --marker: #ff7b72; }
}
* { box-sizing: border-box; }
[hidden] { display: none !important; }
body { margin: 0 auto; max-width: 1200px; padding: 24px; font: 14px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: var(--bg); }
h1 { font-size: 1.6em; margin: 0 0 8px; }
h2 { font-size: 1.25em; margin: 32px 0 8px; }
code, pre { font: 12.5px/1.45 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
.muted { color: var(--muted); }
.facts-list { display: flex; flex-wrap: wrap; gap: 4px 24px; margin: 0; }
.facts-list div { display: flex; gap: 6px; }
.facts-list dt { color: var(--muted); }
.facts-list dd { margin: 0; }
.decision { margin-top: 16px; padding: 12px 16px; border-radius: 8px; border: 2px solid var(--line); background: var(--panel); }
.decision h2 { margin: 0 0 4px; font-size: 1.5em; }
.decision.blocked { border-color: var(--fail); background: var(--fail-bg); }
.decision.blocked h2 { color: var(--fail); }
.decision.deploy { border-color: var(--pass); background: var(--pass-bg); }
.decision.deploy h2 { color: var(--pass); }
.reasons { list-style: none; padding: 0; margin: 8px 0 0; }
.reasons li { margin: 4px 0; }
.warning { padding: 8px 12px; border-left: 4px solid var(--warn); background: var(--warn-bg); }
.badge { display: inline-block; min-width: 4.2em; padding: 0 6px; border-radius: 4px; font-size: 11px; font-weight: 700; text-align: center; letter-spacing: .03em; }
.badge.pass { color: var(--pass); background: var(--pass-bg); border: 1px solid var(--pass); }
.badge.fail, .badge.error { color: var(--fail); background: var(--fail-bg); border: 1px solid var(--fail); }
.badge.warn { color: var(--warn); background: var(--warn-bg); border: 1px solid var(--warn); }
.badge.skipped { color: var(--skip); background: var(--skip-bg); border: 1px solid var(--skip); }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; vertical-align: top; padding: 6px 8px; border-bottom: 1px solid var(--line); }
thead th { background: var(--panel); }
td.better { color: var(--pass); font-weight: 600; }
td.worse { color: var(--fail); font-weight: 600; }
table.compact { width: auto; }
.tag { display: inline-block; padding: 0 6px; border-radius: 10px; background: var(--skip-bg); font-size: 12px; }
.bar-cell { display: inline-block; width: 80px; height: 8px; border-radius: 4px; background: var(--fail-bg); vertical-align: middle; overflow: hidden; }
.pass-bar { display: block; height: 100%; background: var(--pass); }
.histogram { width: 100%; max-width: 720px; height: auto; }
.histogram .bar { fill: var(--bar); }
.histogram .axis { stroke: var(--muted); }
.histogram .marker { stroke: var(--marker); stroke-dasharray: 4 3; }
.histogram text { fill: var(--fg); font-size: 11px; }
.histogram .marker-label { fill: var(--marker); paint-order: stroke; stroke: var(--bg); stroke-width: 3px; }
.filters { position: sticky; top: 0; z-index: 2; display: flex; flex-wrap: wrap; align-items: center; gap: 8px 16px; padding: 8px 12px; margin-bottom: 8px; background: var(--panel); border: 1px solid var(--line); border-radius: 8px; }
.filters input[type=search] { min-width: 280px; padding: 4px 8px; font: inherit; color: inherit; background: var(--bg); border: 1px solid var(--line); border-radius: 4px; }
.filters fieldset { border: 0; margin: 0; padding: 0; display: flex; gap: 12px; align-items: center; }
.filters legend { float: left; margin-right: 8px; color: var(--muted); }
.filters p { margin: 0; color: var(--muted); }
tr.case[data-status=fail] > th, tr.case[data-status=error] > th { border-left: 4px solid var(--fail); }
tr.case[data-status=pass] > th { border-left: 4px solid var(--pass); }
.result + .result { margin-top: 10px; padding-top: 10px; border-top: 1px dashed var(--line); }
.result p { margin: 0 0 4px; }
.facts { color: var(--muted); font-size: 12px; }
.checks { list-style: none; padding: 0; margin: 0 0 6px; }
.checks li { margin: 2px 0; }
.reason { color: var(--muted); margin-left: 4.8em; white-space: pre-wrap; overflow-wrap: anywhere; }
.error-text { color: var(--fail); white-space: pre-wrap; overflow-wrap: anywhere; }
.output summary { cursor: pointer; color: var(--muted); }
.output pre { margin: 4px 0 0; padding: 8px; max-height: 360px; overflow: auto; white-space: pre-wrap; overflow-wrap: anywhere; background: var(--panel); border: 1px solid var(--line); border-radius: 4px; }
.source { font-size: 11px; }
`;

// Filters rows client-side. Each row's text is read once, so typing stays fast with thousands of cases.
const script = `
'use strict';
(function () {
  var rows = Array.prototype.slice.call(document.querySelectorAll('#cases tbody tr'));
  var texts = rows.map(function (row) { return row.textContent.toLowerCase(); });
  var filter = document.getElementById('filter');
  var boxes = Array.prototype.slice.call(document.querySelectorAll('input[name=status]'));
  var shown = document.getElementById('shown');
  function apply() {
    var query = filter.value.trim().toLowerCase();
    var allowed = {};
    boxes.forEach(function (box) { allowed[box.value] = box.checked; });
    var visible = 0;
    rows.forEach(function (row, index) {
      var show = allowed[row.getAttribute('data-status')] === true && (query === '' || texts[index].indexOf(query) !== -1);
      row.hidden = !show;
      if (show) visible += 1;
    });
    shown.textContent = visible + ' of ' + rows.length + ' cases shown';
  }
  filter.addEventListener('input', apply);
  boxes.forEach(function (box) { box.addEventListener('change', apply); });
  apply();
})();
`;

/** The page up to `<body>`: a strict Content-Security-Policy, the inline styles, the title. */
function pageHead(title: string): Html {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${asMarkup(contentSecurityPolicy)}">
<meta name="referrer" content="no-referrer">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>${title}</title>
<style>${asMarkup(styles)}</style>
</head>
<body>`;
}

/**
 * The report as one HTML page with no external resources: the decision and its reasons, baseline
 * vs candidate, slices, a latency histogram, cost, then every case (failures first) with its
 * assertions and output, filterable by text and status. Pure: the caller writes the file.
 */
export function htmlReport(input: HtmlReportInput): string {
  const { report, results } = input;
  const { run } = report;
  const gate = report.gate ?? run.gate;
  const title = input.title ?? `Eval report: ${run.feature ? `${run.feature} · ` : ''}${run.suite.name}`;
  const views = caseViews(report, results);
  const page = html`${pageHead(title)}
${header(run, title, report)}
<main>
${decisionSection(gate, run)}
${metricsSection(report)}
${slicesSection(report)}
${latencySection(run, results)}
${costSection(report)}
${casesSection(views, results.length)}
</main>
<script>${asMarkup(script)}</script>
</body>
</html>
`;
  return page[markup];
}

// --- The release gate's page: several suites under one decision ---------------------------------

/** One step of a release gate (lint, datasets, a suite, cost, regression, rollout, decision). */
export interface GateStepView {
  name: string;
  status: GateCheckStatus;
  durationMs: number;
  summary: string;
}

export interface GateHtmlInput {
  title: string;
  /** Feature, stage, release, deployed release, …: shown in the header. */
  facts: readonly (readonly [string, string])[];
  decision: 'deploy' | 'blocked' | 'could-not-run' | 'halted' | 'hold';
  reasons: readonly string[];
  steps: readonly GateStepView[];
  suites: readonly { name: string; report: EvalReport; results: readonly CaseResult[] }[];
  /** The cost change against the deployed release, one line each (e.g. "cost / month: $41 → $44"). */
  cost: readonly string[];
}

const decisionWords: Record<GateHtmlInput['decision'], string> = {
  deploy: 'Deploy',
  blocked: 'Blocked',
  'could-not-run': 'Could not run',
  halted: 'Halted',
  hold: 'Hold (wait and evaluate again)',
};

/** Gives a suite's sections their own ids, so several suites can share one page. */
function scoped(section: Html, prefix: string): Html {
  // Only our own attributes can match: text from outputs reaches the page with `"` escaped.
  return asMarkup(
    section[markup].replace(
      /\b(id|aria-labelledby|aria-describedby)="([^"]+)"/g,
      (_, name: string, ids: string) =>
        `${name}="${ids
          .split(' ')
          .map((id) => `${prefix}-${id}`)
          .join(' ')}"`,
    ),
  );
}

function stepsSection(steps: readonly GateStepView[]): Html {
  return html`<section id="steps" aria-labelledby="steps-heading">
<h2 id="steps-heading">Steps</h2>
<table class="steps">
<thead><tr><th scope="col">Step</th><th scope="col">Result</th><th scope="col">Time</th><th scope="col">What it found</th></tr></thead>
<tbody>
${joinHtml(
  steps.map(
    (step) =>
      html`<tr data-status="${step.status}"><th scope="row">${step.name}</th><td>${badge(step.status)}</td><td class="num">${duration(step.durationMs)}</td><td>${step.summary}</td></tr>`,
  ),
  '\n',
)}
</tbody>
</table>
</section>`;
}

/**
 * The release gate as one self-contained page: the decision and every reason first, the steps
 * with their timing, then per suite baseline vs candidate, slices, latency histogram and cost,
 * and every case of every suite (failures first, filterable). Pure: the caller writes the file.
 */
export function gateHtmlReport(input: GateHtmlInput): string {
  const views = input.suites.flatMap((suite) =>
    caseViews(suite.report, suite.results).map((view) => ({
      ...view,
      caseId: `${suite.name} › ${view.caseId}`,
      tags: [`suite:${suite.name}`, ...view.tags],
    })),
  );
  views.sort((a, b) => a.passFraction - b.passFraction);
  const resultCount = input.suites.reduce((sum, suite) => sum + suite.results.length, 0);
  const negative = input.decision !== 'deploy' && input.decision !== 'hold';
  const look = input.decision === 'hold' ? 'ungated' : negative ? 'blocked' : 'deploy';
  const mark = input.decision === 'hold' ? '⏸' : negative ? '✗' : '✓';
  const suiteSections = input.suites.map((suite, index) => {
    const { report } = suite;
    const gate = report.gate ?? report.run.gate;
    return html`<section class="suite" id="suite-${index + 1}" aria-labelledby="suite-${index + 1}-heading">
<h2 id="suite-${index + 1}-heading">Suite ${suite.name} ${gate ? badge(gate.decision === 'pass' ? 'pass' : 'fail') : ''}</h2>
<p class="muted">${report.run.suite.file} · <code>${report.run.suite.sha256.slice(0, 12)}</code> · run <code>${report.run.id}</code> · ${report.baseline ? `baseline ${report.baseline.source}` : 'no baseline'}</p>
${gate ? html`<ul class="reasons">${gate.checks.map((check) => html`<li class="reason-item ${check.status}">${badge(check.status)} <strong>${check.id}</strong>: ${check.summary}</li>`)}</ul>` : ''}
${scoped(metricsSection(report), `s${index + 1}`)}
${scoped(slicesSection(report), `s${index + 1}`)}
${scoped(latencySection(report.run, suite.results), `s${index + 1}`)}
${scoped(costSection(report), `s${index + 1}`)}
</section>`;
  });
  const page = html`${pageHead(input.title)}
<header>
<h1>${input.title}</h1>
<dl class="facts-list">${input.facts.map(([name, value]) => html`<div><dt>${name}</dt><dd>${value}</dd></div>`)}</dl>
</header>
<main>
<section id="decision" class="decision ${look}" aria-labelledby="decision-heading">
<h2 id="decision-heading"><span aria-hidden="true">${mark}</span> Decision: ${decisionWords[input.decision]}</h2>
${input.reasons.length > 0 ? html`<ul class="reasons">${input.reasons.map((reason) => html`<li class="reason-item">${reason}</li>`)}</ul>` : html`<p>Every step passed.</p>`}
</section>
${stepsSection(input.steps)}
${
  input.cost.length > 0
    ? html`<section id="cost-delta" aria-labelledby="cost-delta-heading"><h2 id="cost-delta-heading">Cost against the deployed release</h2><ul>${input.cost.map((line) => html`<li>${line}</li>`)}</ul></section>`
    : ''
}
${suiteSections}
${casesSection(views, resultCount)}
</main>
<script>${asMarkup(script)}</script>
</body>
</html>
`;
  return page[markup];
}
