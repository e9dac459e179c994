// `pnpm example`: the support bot's pre-merge gate, twice — the release in features/ passes, the
// candidate in candidates/ (a trimmed prompt that dropped the refund fact) is blocked — each
// writing its four reports. Offline by default: without OPENAI_API_KEY it starts the local
// stand-in model (local-model/) and points the project's provider at it; with the key set it
// calls OpenAI (a few dozen small requests).
//
// It also does what a team does once (scripts/registry-setup.ts): publish the models and prompts
// and approve the models for the high risk tier.
import { startLocalModel } from '../local-model/local-model.ts';
import { projectCli, setUpRegistry } from './registry-setup.ts';

const env: NodeJS.ProcessEnv = { ...process.env };
// `env` is read when each command starts, so the local model's address set below reaches them.
const cli = projectCli(env);

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
    await setUpRegistry(cli);
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
