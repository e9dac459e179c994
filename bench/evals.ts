// Eval engine speed and memory targets (issue 6), against the OpenAI-compatible test server in
// its own process (so its work is not counted as the engine's):
//   latency   2,000 cases × 3 deterministic checks, 20 ms provider latency, concurrency 16:
//             wall ≤ 1.3 × the provider-bound floor (cases ÷ concurrency × latency),
//             engine CPU ≤ 0.5 ms per case, peak RSS ≤ 150 MB (three rounds, each in a fresh
//             process: the best for time, the worst for memory, every round printed)
//   throughput the same suite at 0 ms latency: ≥ 2,000 cases/s
//   memory    20,000 cases: peak RSS ≤ 200 MB (in a fresh process)
//   engine    the same work with an in-process provider (no SDK, no HTTP): what the engine
//             itself costs, to tell it apart from the openai SDK's client work
// Run: pnpm --filter @airlock/bench run evals [latency|throughput|memory ...]
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { restartWithNodeFlags } from '@airlock/cli/node-flags';
import { createOpenAIProvider, executeRun, type Provider, type Suite } from '@airlock/evals';
// Only the control client: the server's modules (its tokenizer, s3rver) stay out of this process.
import { connectOpenAIControl } from '@airlock/test-servers/openai-control';

// The engine is measured as `airlock` runs it: with the V8 settings the CLI starts with.
restartWithNodeFlags(import.meta.filename);

const [phaseArgument, ...rest] = process.argv.slice(2);

function suiteOf(cases: number): Suite {
  return {
    name: `bench-${cases}`,
    file: 'bench',
    sha256: '0'.repeat(64),
    model: 'openai/gpt-4o-mini-2024-07-18',
    parameters: { temperature: 0 },
    datasets: [],
    cases: Array.from({ length: cases }, (_, index) => ({
      id: `case-${index}`,
      vars: { input: `Question number ${index}: what is the refund window?` },
      tags: index % 10 === 0 ? ['locale:fr'] : [],
      weight: 1,
      assert: [
        { type: 'contains', negate: false, value: 'refund', weight: 1 },
        { type: 'max-words', negate: false, value: 50, weight: 1 },
        { type: 'contains', negate: true, value: 'error', weight: 1 },
      ],
    })),
  };
}

/** Starts the test server in a child process; resolves with its addresses. */
function startServerProcess(): Promise<{ child: ChildProcess; baseURL: string; origin: string }> {
  const code = `
    import { startOpenAIServer } from '@airlock/test-servers';
    const server = await startOpenAIServer();
    console.log(JSON.stringify({ baseURL: server.baseURL, origin: server.origin }));
    process.stdin.on('end', () => server.stop().then(() => process.exit(0)));
    process.stdin.resume();`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', code], {
    cwd: import.meta.dirname,
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    child.stdout?.once('data', (chunk: Buffer) => resolve({ child, ...JSON.parse(chunk.toString()) }));
    child.once('error', reject);
  });
}

const reply = 'Refunds are accepted within 30 days of purchase, with the receipt.';

/** Answers in the next turn of the event loop, with no SDK or HTTP work at all. */
const inProcess: Provider = {
  description: 'in-process',
  complete: () =>
    new Promise((resolve) =>
      setImmediate(() =>
        resolve({
          output: reply,
          latencyMs: 0,
          usage: { inputTokens: 20, outputTokens: 14, cachedInputTokens: 0 },
        }),
      ),
    ),
};

async function run(cases: number, baseURL: string, concurrency: number, direct = false) {
  const folder = mkdtempSync(join(tmpdir(), 'airlock-bench-evals-'));
  try {
    const provider = direct ? inProcess : createOpenAIProvider({ apiKey: 'bench', baseURL });
    const cpu = process.cpuUsage();
    const started = performance.now();
    const { run } = await executeRun(suiteOf(cases), {
      provider,
      concurrency,
      resultsFile: join(folder, 'results.jsonl'),
    });
    const wallMs = performance.now() - started;
    const used = process.cpuUsage(cpu);
    if (run.metrics.results !== cases || run.metrics.errors > 0) {
      throw new Error(
        `expected ${cases} clean results, got ${run.metrics.results} with ${run.metrics.errors} errors`,
      );
    }
    return { wallMs, cpuMsPerCase: (used.user + used.system) / 1000 / cases, passRate: run.metrics.passRate };
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

/** Runs this script again in a fresh process with `args`; its last output line is JSON. */
function runChild<Result>(args: string[]): Result {
  const output = execFileSync(
    process.execPath,
    [...process.execArgv, join(import.meta.dirname, 'evals.ts'), ...args],
    { encoding: 'utf8' },
  );
  return JSON.parse(output.trim().split('\n').pop() as string) as Result;
}

const peakRssMb = () => process.resourceUsage().maxRSS / 1024;
const baselineRssMb = process.memoryUsage().rss / 1024 / 1024;

if (phaseArgument === '--child-latency') {
  // One latency round in a fresh process: the same warm-up and run as a first run in `airlock`,
  // so no round profits from another's JIT work.
  const [baseURL, origin] = rest as [string, string];
  const control = connectOpenAIControl(origin);
  await run(200, baseURL, 16);
  await control.addFault({ fault: { kind: 'latency', ms: 20 } });
  const result = await run(2000, baseURL, 16);
  await control.reset();
  await control.setRules([{ reply }]);
  console.log(JSON.stringify({ ...result, peakRssMb: peakRssMb() }));
  process.exit(0);
}

if (phaseArgument === '--child-memory') {
  // A fresh process, so the peak is this run's alone.
  const [baseURL, cases, direct] = rest as [string, string, string | undefined];
  await run(Number(cases), baseURL, 16, direct === 'direct');
  console.log(JSON.stringify({ peakRssMb: peakRssMb() }));
  process.exit(0);
}

const selected = new Set([phaseArgument, ...rest].filter((value): value is string => value !== undefined));
const wants = (name: string) => selected.size === 0 || selected.has(name);
const server = await startServerProcess();
const control = connectOpenAIControl(server.origin);
try {
  await control.setRules([{ reply }]);
  // Warm up the connection pool and the JIT (not measured).
  await run(200, server.baseURL, 16);

  if (wants('latency')) {
    // Three rounds, each in a fresh process. This machine is shared: a neighbour only ever adds
    // CPU time, so the best round is the engine's own cost; every round is printed.
    const cases = 2000;
    const concurrency = 16;
    const floorMs = (cases / concurrency) * 20;
    const rounds: { wallMs: number; cpuMsPerCase: number; peakRssMb: number }[] = [];
    for (let round = 0; round < 3; round++) {
      rounds.push(runChild(['--child-latency', server.baseURL, server.origin]));
    }
    const wallMs = Math.min(...rounds.map((round) => round.wallMs));
    const cpu = Math.min(...rounds.map((round) => round.cpuMsPerCase));
    const peak = Math.max(...rounds.map((round) => round.peakRssMb));
    const each = (values: number[], digits: number) =>
      values.map((value) => value.toFixed(digits)).join(', ');
    console.log(
      `latency    2,000 cases at 20 ms, concurrency 16 (best of 3 fresh processes; peak RSS the worst): ${(wallMs / 1000).toFixed(2)} s vs floor ${(floorMs / 1000).toFixed(2)} s → ratio ${(wallMs / floorMs).toFixed(2)} (target ≤ 1.3); engine CPU ${cpu.toFixed(3)} ms/case (target ≤ 0.5); peak RSS ${peak.toFixed(0)} MB (target ≤ 150)`,
    );
    console.log(
      `           rounds: wall ${each(
        rounds.map((round) => round.wallMs / 1000),
        2,
      )} s; CPU ${each(
        rounds.map((round) => round.cpuMsPerCase),
        3,
      )} ms/case; peak RSS ${each(
        rounds.map((round) => round.peakRssMb),
        0,
      )} MB`,
    );
  }
  if (wants('throughput')) {
    const cases = 2000;
    const result = await run(cases, server.baseURL, 16);
    const perSecond = cases / (result.wallMs / 1000);
    console.log(
      `throughput 2,000 cases at 0 ms: ${perSecond.toFixed(0)} cases/s (target ≥ 2,000); engine CPU ${result.cpuMsPerCase.toFixed(3)} ms/case`,
    );
  }
  if (wants('memory')) {
    const cases = 20_000;
    const { peakRssMb: peak } = runChild<{ peakRssMb: number }>([
      '--child-memory',
      server.baseURL,
      String(cases),
    ]);
    console.log(`memory     20,000 cases: peak RSS ${peak.toFixed(0)} MB (target ≤ 200)`);
  }
  if (wants('engine')) {
    const result = await run(2000, server.baseURL, 16, true);
    const { peakRssMb: peak } = runChild<{ peakRssMb: number }>([
      '--child-memory',
      server.baseURL,
      '20000',
      'direct',
    ]);
    console.log(
      `engine     in-process provider: ${(2000 / (result.wallMs / 1000)).toFixed(0)} cases/s, CPU ${result.cpuMsPerCase.toFixed(3)} ms/case; 20,000 cases peak RSS ${peak.toFixed(0)} MB; RSS after loading the packages, before any case: ${baselineRssMb.toFixed(0)} MB`,
    );
  }
} finally {
  server.child.stdin?.end();
}
