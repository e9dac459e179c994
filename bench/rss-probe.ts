const r0 = process.memoryUsage().rss;
const t0 = performance.now();
await import(process.argv[2]!);
const r1 = process.memoryUsage().rss;
console.log(process.argv[2], ((r1 - r0) / 1e6).toFixed(1), 'MB added; rss', (r1 / 1e6).toFixed(1), 'MB;', (performance.now() - t0).toFixed(0), 'ms');
