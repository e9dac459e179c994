// V8 settings every `airlock` process runs with (bin/airlock.js restarts itself with them; the
// eval benchmark runs the engine with them too). They shape when V8 collects, never how much it
// may hold: the young generation stays small (4 MiB semi-spaces instead of up to 32) and the old
// generation grows 20% past what survived its last collection instead of up to 4×. An eval run
// through the openai SDK makes garbage on every call; with V8's defaults that garbage, not live
// data, set the process's peak memory (bench/README.md has the numbers). A process that needs
// more memory still gets it: there is no cap.
export const nodeFlags = ['--max-semi-space-size=4', '--heap-growing-percent=20'];

/** The flags this process was not started with. */
export function missingNodeFlags(execArgv = process.execArgv) {
  return nodeFlags.filter((flag) => !execArgv.includes(flag));
}

/**
 * Restarts this process in place (same pid, stdio and signals) running `entryFile` with the
 * flags it lacks; returns only when nothing is missing or where process.execve does not exist
 * (Windows), in which case V8's defaults stay.
 */
export function restartWithNodeFlags(entryFile) {
  const missing = missingNodeFlags();
  if (missing.length === 0 || typeof process.execve !== 'function') return;
  process.execve(
    process.execPath,
    [process.execPath, ...missing, ...process.execArgv, entryFile, ...process.argv.slice(2)],
    process.env,
  );
}
