// The child process that runs s3rver. It is a separate process because s3rver needs Node's
// `--openssl-legacy-provider` (without it, paginated ListObjectsV2 answers HTTP 500), a flag that
// cannot be turned on inside an already-running process. It prints `{"port":N}` once listening and
// exits when its parent closes stdin or sends SIGTERM, so it never outlives the test run.
import S3rver from 's3rver';

interface ChildOptions {
  directory: string;
  buckets: string[];
}

const options = JSON.parse(process.argv[2] ?? '{}') as ChildOptions;
const server = new S3rver({
  address: '127.0.0.1',
  port: 0,
  silent: true,
  directory: options.directory,
  configureBuckets: options.buckets.map((name) => ({ name })),
});

const address = (await server.run()) as { port: number };
process.stdout.write(`${JSON.stringify({ port: address.port })}\n`);

let stopping = false;
async function stop(): Promise<void> {
  if (stopping) return;
  stopping = true;
  await server.close();
  process.exit(0);
}
process.stdin.on('end', stop);
process.stdin.resume();
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
