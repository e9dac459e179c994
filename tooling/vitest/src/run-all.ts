// Runs every package's tests through turbo, then prints the totals as the plain line CI reads:
// `N passed, N failed`. The counts come from each package's vitest JSON results, written during
// this run (or restored by turbo from its cache); a package that should have tested but left no results
// is reported and fails the run.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { resultsFile } from './index.ts';
import { addResults, formatSummaryLine, type TestTotals, type VitestResults } from './summary.ts';

const root = resolve(import.meta.dirname, '../../..');
const extraArgs = process.argv.slice(2);
const filtered = extraArgs.some((arg) => arg.startsWith('--filter'));

function packagesWithTests(): string[] {
  const dirs: string[] = [];
  for (const group of ['apps', 'packages', 'tooling']) {
    const groupDir = join(root, group);
    if (!existsSync(groupDir)) continue;
    for (const name of readdirSync(groupDir)) {
      const manifest = join(groupDir, name, 'package.json');
      if (!existsSync(manifest)) continue;
      const scripts = JSON.parse(readFileSync(manifest, 'utf8')).scripts ?? {};
      if (typeof scripts.test === 'string') dirs.push(join(group, name));
    }
  }
  return dirs.sort();
}

// Old results are removed first, so every file read afterwards was written (or restored) by this run.
const packages = packagesWithTests();
for (const dir of packages) rmSync(join(root, dir, resultsFile), { force: true });

// Two tasks at a time: each vitest run forks its own workers, and this machine has two cores.
// Colour only when a person is watching: CI logs and pipes get plain text.
const plain = process.stdout.isTTY !== true;
const turbo = spawnSync(
  'turbo',
  ['run', 'test', '--concurrency=2', ...(plain ? ['--no-color'] : []), ...extraArgs],
  {
    cwd: root,
    stdio: 'inherit',
    env: {
      ...process.env,
      TURBO_TELEMETRY_DISABLED: '1',
      DO_NOT_TRACK: '1',
      ...(plain ? { NO_COLOR: '1', FORCE_COLOR: '0' } : {}),
    },
  },
);

let totals: TestTotals = { passed: 0, failed: 0, skipped: 0, missing: [] };
for (const dir of packages) {
  const file = join(root, dir, resultsFile);
  if (!existsSync(file)) {
    if (!filtered) totals.missing.push(dir);
    continue;
  }
  totals = addResults(totals, JSON.parse(readFileSync(file, 'utf8')) as VitestResults);
}

if (totals.missing.length > 0) {
  console.error(`no test results from: ${totals.missing.join(', ')}`);
}
console.log(formatSummaryLine(totals));
const ok = turbo.status === 0 && totals.failed === 0 && totals.missing.length === 0;
process.exit(ok ? 0 : 1);
