// What a team does once, before its first gate: publish the models and prompts to the registry
// and approve the models for the feature's risk tier — high, so a release manager and an AI-risk
// partner, neither of them the publisher. Idempotent: publishing the same content again is a
// no-op, and an approval already given is not asked for again.
import { spawn } from 'node:child_process';
import { dirname, resolve } from 'node:path';

export type Cli = (
  args: string[],
  options?: { quiet?: boolean },
) => Promise<{ status: number; stdout: string }>;

export const registryFiles = [
  'models/gpt-4o-2024-11-20.yaml',
  'models/gpt-4o-mini-2024-07-18.yaml',
  'prompts/support-answer.yaml',
  'candidates/support-answer-trimmed.yaml',
];

const signers = [
  { role: 'release-manager', actor: 'release-manager@example.com' },
  { role: 'risk-partner', actor: 'ai-risk@example.com' },
];

/** Publishes `files` (default: the example's) and approves `models` for the high tier. */
export async function setUpRegistry(
  cli: Cli,
  files: readonly string[] = registryFiles,
  models: readonly string[] = ['openai/gpt-4o-2024-11-20', 'openai/gpt-4o-mini-2024-07-18'],
): Promise<void> {
  const publish = await cli(['registry', 'publish', ...files, '--actor', 'ml-platform@example.com'], {
    quiet: true,
  });
  if (publish.status !== 0) throw new Error(`registry publish failed (exit ${publish.status})`);
  for (const model of models) {
    const shown = await cli(['registry', 'model', 'show', model, '--json'], { quiet: true });
    const approvals =
      (JSON.parse(shown.stdout) as { approvals?: { role: string; tier: string }[] }).approvals ?? [];
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

/** The example project's folder, and this repository's CLI (AIRLOCK_BIN overrides it). */
export const project = resolve(dirname(import.meta.filename), '..');
const airlock = process.env.AIRLOCK_BIN ?? resolve(project, '../../apps/cli/bin/airlock.js');

/**
 * The CLI as a child process in the example project, on the Node running this script
 * (asynchronously, so a local model served from this process keeps answering). Quiet calls keep
 * their output and show stderr only when they fail; the others print as they go.
 */
export function projectCli(env: NodeJS.ProcessEnv = process.env): Cli {
  return (args, options = {}) =>
    new Promise((done, fail) => {
      const child = spawn(process.execPath, [airlock, ...args], {
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
      child.once('error', fail);
      child.once('close', (code) => {
        if (options.quiet && code !== 0) process.stderr.write(stderr);
        done({ status: code ?? 70, stdout });
      });
    });
}

// Run directly (`node scripts/registry-setup.ts`, as the example workflow does on a fresh runner).
if (process.argv[1] !== undefined && import.meta.filename === process.argv[1]) {
  await setUpRegistry(projectCli());
  process.stdout.write(
    'registry ready: models published and approved for the high tier, prompts published\n',
  );
}
