#!/usr/bin/env node
// The `airlock` executable. Airlock runs TypeScript directly, which needs Node 24; an older
// Node gets one clear line instead of a syntax error from deep inside a dependency.
const [major] = process.versions.node.split('.').map(Number);
if (major < 24) {
  process.stderr.write(
    `airlock needs Node.js 24 or newer; this is ${process.version}.\n` +
      'Run it through the project (pnpm airlock ...), which brings its own Node 24, or install Node 24.\n',
  );
  process.exit(2);
}
// Restart in place with the V8 settings in node-flags.js; keep compiled modules on disk.
const { restartWithNodeFlags, enableCompileCache } = await import('./node-flags.js');
const { fileURLToPath } = await import('node:url');
restartWithNodeFlags(fileURLToPath(import.meta.url));
enableCompileCache();
const { main } = await import('../src/main.ts');
await main();
