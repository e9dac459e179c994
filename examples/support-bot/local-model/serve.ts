// Runs the stand-in model until Ctrl-C, for using the example's CLI by hand:
//   ../../node_modules/.bin/node local-model/serve.ts [port]
// then, in another shell, the two exports it prints.
import { startLocalModel } from './local-model.ts';

const port = process.argv[2] === undefined ? 18555 : Number(process.argv[2]);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  process.stderr.write(`usage: local-model/serve.ts [port]  (got "${process.argv[2]}")\n`);
  process.exit(2);
}
const model = await startLocalModel({ port });
process.stdout.write(
  `the stand-in model listens at ${model.url}; in another shell:\n  export SUPPORT_BOT_MODEL_URL=${model.url} OPENAI_API_KEY=local-model\n`,
);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void model.close().then(() => process.exit(0));
  });
}
