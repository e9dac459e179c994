// How do the eval gate's regression policies behave when the truth is known?
// Monte-Carlo over synthetic suites: 80% of cases always pass, 10% always fail, 10% are flaky with a
// pass probability drawn from U(0.5, 0.9). The baseline and the candidate run are sampled
// independently from those probabilities (pass fraction over `repeat` samples per case).
//   - true drop 0: the candidate has the same per-case probabilities, so any block is a false block;
//   - true drop 2 / 5 / 10 points: always-pass cases become 40%-pass cases (a drop of 0.6 each, the
//     last one partially) until the expected pass rate is exactly that much lower; a pass is a miss.
// Policies: `point` and `significant`, both with limit 0.02 at 95% confidence, power 0.8.
// Deterministic (seeded mulberry32). Run: pnpm --filter @airlock/bench run gate-simulation [trials] [seed]
//
// Imports the module by relative path: `@airlock/evals` does not export it from its index yet.
import type { PairedCase, PairedComparison, RegressionPolicy } from '@airlock/evals';
import { comparePaired, regressionVerdict } from '@airlock/evals';

const trials = Number(process.argv[2] ?? 2000);
const seed = Number(process.argv[3] ?? 20_261_122);
const limit = 0.02;
const policies: RegressionPolicy[] = ['point', 'significant'];
const drops = [0, 0.02, 0.05, 0.1];
const designs: { size: number; repeat: number }[] = [
  { size: 30, repeat: 1 },
  { size: 100, repeat: 1 },
  { size: 100, repeat: 3 },
  { size: 200, repeat: 1 },
  { size: 500, repeat: 1 },
  { size: 500, repeat: 3 },
  { size: 2000, repeat: 1 },
];

function mulberry32(state: number): () => number {
  let a = state >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** True per-case pass probabilities of a fresh suite. */
function suite(size: number, random: () => number): number[] {
  const alwaysPass = Math.round(size * 0.8);
  const alwaysFail = Math.round(size * 0.1);
  const probabilities: number[] = [];
  for (let i = 0; i < alwaysPass; i++) probabilities.push(1);
  for (let i = 0; i < alwaysFail; i++) probabilities.push(0);
  while (probabilities.length < size) probabilities.push(0.5 + 0.4 * random());
  return probabilities;
}

/** The candidate's probabilities: exactly `drop` lower on average (always-pass cases come first). */
function withDrop(baseline: readonly number[], drop: number): number[] {
  const candidate = [...baseline];
  let remaining = drop * baseline.length;
  for (let i = 0; remaining > 1e-9; i++) {
    const step = Math.min(0.6, remaining);
    candidate[i] = 1 - step;
    remaining -= step;
  }
  return candidate;
}

function fraction(probability: number, repeat: number, random: () => number): number {
  let passes = 0;
  for (let i = 0; i < repeat; i++) if (random() < probability) passes++;
  return passes / repeat;
}

interface Cell {
  size: number;
  repeat: number;
  drop: number;
  blocks: Record<RegressionPolicy, number>;
  underpowered: number;
  covered: number;
  detectableDrops: number[];
}

const started = performance.now();
const random = mulberry32(seed);
const cells: Cell[] = [];
for (const { size, repeat } of designs) {
  for (const drop of drops) {
    const cell: Cell = {
      size,
      repeat,
      drop,
      blocks: { point: 0, significant: 0 },
      underpowered: 0,
      covered: 0,
      detectableDrops: [],
    };
    for (let trial = 0; trial < trials; trial++) {
      const truth = suite(size, random);
      const candidateTruth = withDrop(truth, drop);
      const cases: PairedCase[] = truth.map((p, i) => ({
        caseId: String(i),
        baseline: fraction(p, repeat, random),
        candidate: fraction(candidateTruth[i] ?? p, repeat, random),
        weight: 1,
      }));
      const comparison: PairedComparison = comparePaired(cases);
      for (const policy of policies) {
        const verdict = regressionVerdict(comparison, limit, policy);
        if (verdict.blocks) cell.blocks[policy]++;
        if (policy === 'point' && verdict.underpowered) cell.underpowered++;
      }
      const [low, high] = comparison.interval;
      if (low <= -drop + 1e-12 && -drop - 1e-12 <= high) cell.covered++;
      cell.detectableDrops.push(comparison.minimumDetectableDrop);
    }
    cells.push(cell);
  }
}
const seconds = (performance.now() - started) / 1000;

const percent = (count: number) => `${((100 * count) / trials).toFixed(1)}%`;
const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
};
const dropText = (drop: number) => (drop === 0 ? 'none' : `${(drop * 100).toFixed(0)} pts`);

console.log(
  `${trials} trials per cell, seed ${seed}, limit ${(limit * 100).toFixed(0)} points, 95% confidence, ` +
    `power 0.8; suites 80% always-pass, 10% always-fail, 10% flaky p ~ U(0.5, 0.9).\n`,
);
for (const policy of policies) {
  console.log(`Policy \`${policy}\` (limit ${(limit * 100).toFixed(0)} points)\n`);
  console.log('| cases | repeat | true drop | false-block rate | miss rate | flagged underpowered |');
  console.log('| ----: | -----: | --------: | ---------------: | --------: | -------------------: |');
  for (const cell of cells) {
    const blocked = cell.blocks[policy];
    const falseBlock = cell.drop === 0 ? percent(blocked) : '';
    const miss = cell.drop === 0 ? '' : percent(trials - blocked);
    console.log(
      `| ${cell.size} | ${cell.repeat} | ${dropText(cell.drop)} | ${falseBlock} | ${miss} | ${percent(cell.underpowered)} |`,
    );
  }
  console.log('');
}
console.log('Interval and sensitivity (policy-independent)\n');
console.log('| cases | repeat | true drop | 95% CI covers the true drop | median minimum detectable drop |');
console.log('| ----: | -----: | --------: | --------------------------: | -----------------------------: |');
for (const cell of cells) {
  console.log(
    `| ${cell.size} | ${cell.repeat} | ${dropText(cell.drop)} | ${percent(cell.covered)} | ${(median(cell.detectableDrops) * 100).toFixed(1)} pts |`,
  );
}
console.log(`\n${cells.length} cells in ${seconds.toFixed(1)} s`);
