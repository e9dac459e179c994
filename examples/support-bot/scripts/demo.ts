// `pnpm example`: the support bot's pre-merge gate, twice — the release in features/ passes, the
// candidate in candidates/ (a trimmed prompt that dropped the refund fact) is blocked — each
// writing its four reports. Offline by default: without OPENAI_API_KEY it starts the local
// stand-in model (local-model/) and points the project's provider at it; with the key set it
// calls OpenAI (a few dozen small requests).
//
// It also does what a team does once, idempotently: publish the models and prompts to the
// registry and approve the models for the high risk tier (a release manager and an AI-risk
// partner, neither of them the publisher).
import { spawn } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startLocalModel } from '../local-model/local-model.ts';

const project = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const airlock = resolve(project, '../../node_modules/.bin/airlock');
const env: NodeJS.ProcessEnv = { ...process.env };

/** Runs the CLI as a child process (asynchronously: the local model answers from this process). */
function cli(args: string[], options: { quiet?: boolean } = {}): Promise<{ status: number; stdout: string }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(airlock, args, {
      cwd: project,
      env,
      stdio: options.quiet ? ['ignore', 'pipe', 'pipe'] : ['ignore', 'inherit', 'inherit'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    child.once('error', reject);
    child.once('close', (code) => {
      if (options.quiet && code !== 0) process.stderr.write(stderr);
      resolvePromise({ status: code ?? 70, stdout });
    });
  });
}

async function setUpRegistry(): Promise<void> {
  const publish = await cli(
    [
      'registry',
      'publish',
      'models/gpt-4o-2024-11-20.yaml',
      'models/gpt-4o-mini-2024-07-18.yaml',
      'prompts/support-answer.yaml',
      'candidates/support-answer-trimmed.yaml',
      '--actor',
      'ml-platform@example.com',
    ],
    { quiet: true },
  );
  if (publish.status !== 0) throw new Error(`registry publish failed (exit ${publish.status})`);
  for (const model of ['openai/gpt-4o-2024-11-20', 'openai/gpt-4o-mini-2024-07-18']) {
    const shown = await cli(['registry', 'model', 'show', model, '--json'], { quiet: true });
    const approvals =
      (JSON.parse(shown.stdout) as { approvals?: { role: string; tier: string }[] }).approvals ?? [];
    const signers = [
      { role: 'release-manager', actor: 'release-manager@example.com' },
      { role: 'risk-partner', actor: 'ai-risk@example.com' },
    ];
    for (const { role, actor } of signers) {
      if (approvals.some((approval) => approval.role === role && approval.tier === 'high')) continue;
      const approved = await cli(
        [
          'registry',
          'model',
          'approve',
          model,
          '--tier',
          'high',
          '--role',
          role,
          '--reason',
          'support-bot example',
          '--actor',
          actor,
        ],
        { quiet: true },
      );
      if (approved.status !== 0)
        throw new Error(`approving ${model} as ${role} failed (exit ${approved.status})`);
    }
  }
}

async function main(): Promise<number> {
  const started = performance.now();
  let local: Awaited<ReturnType<typeof startLocalModel>> | undefined;
  if (!env.OPENAI_API_KEY) {
    local = await startLocalModel();
    env.SUPPORT_BOT_MODEL_URL = local.url;
    // Sent only to the local server; the provider needs some key.
    env.OPENAI_API_KEY = 'local-model';
    console.log(`model: the local stand-in at ${local.url} (set OPENAI_API_KEY to call OpenAI instead)\n`);
  } else {
    console.log('model: OpenAI (OPENAI_API_KEY is set)\n');
  }
  try {
    await setUpRegistry();
    console.log('1. the release in features/support-bot.yaml (prompt support-answer@1)\n');
    const pass = await cli(['gate', 'support-bot', '--stage', 'pre-merge']);
    console.log(
      '\n2. the candidate in candidates/support-bot.yaml (prompt support-answer@2: the refund fact trimmed)\n',
    );
    const block = await cli([
      'gate',
      'support-bot',
      '--stage',
      'pre-merge',
      '--manifest',
      'candidates/support-bot.yaml',
      '--reports',
      join('.airlock', 'reports', 'support-bot-pre-merge-candidate'),
    ]);
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    const expected = pass.status === 0 && block.status === 1;
    console.log(
      `\n${expected ? 'as expected' : 'NOT as expected'}: the release passed (exit ${pass.status}), the candidate was blocked (exit ${block.status}) — ${seconds} s${local ? `, ${local.requests()} model calls` : ''}`,
    );
    console.log('open examples/support-bot/.airlock/reports/*/report.html in a browser for the full reports');
    return expected ? 0 : 1;
  } finally {
    await local?.close();
  }
}

process.exitCode = await main();
