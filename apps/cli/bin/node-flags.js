import { lstatSync, mkdirSync } from 'node:fs';
import module from 'node:module';
import { homedir } from 'node:os';
import { isAbsolute, join } from 'node:path';

// V8 settings every `airlock` process runs with (bin/airlock.js restarts itself with them; the
// eval benchmark runs the engine with them too). They shape when V8 collects, never how much it
// may hold: the young generation stays small (4 MiB semi-spaces instead of up to 32) and the old
// generation grows 20% past what survived its last collection instead of up to 4×. An eval run
// through the openai SDK makes garbage on every call; with V8's defaults that garbage, not live
// data, set the process's peak memory (bench/README.md has the numbers). A process that needs
// more memory still gets it: there is no cap.
export const nodeFlags = ['--max-semi-space-size=4', '--heap-growing-percent=20'];

// The C allocator's settings, read only when a process starts. glibc gives each thread that
// allocates its own arena (up to 8 per core) and keeps freed memory in each; Node's worker
// threads (V8's compilers and collectors, libuv's pool) left ~15 MB resident that way in an eval
// run. Two arenas hold it. A value the user set is kept; other C libraries ignore the variable.
export const allocatorSettings = { MALLOC_ARENA_MAX: '2' };

// Names the variables the restart added, so the restarted process can keep them from its
// children (a deploy command airlock runs gets the user's environment, not airlock's tuning).
const addedMarker = 'AIRLOCK_RESTART_ADDED_ENV';

/** The flags this process was not started with. */
export function missingNodeFlags(execArgv = process.execArgv) {
  return nodeFlags.filter((flag) => !execArgv.includes(flag));
}

/**
 * Restarts this process in place (same pid, stdio and signals) running `entryFile` with the
 * flags and allocator settings it lacks; returns only when nothing is missing or where
 * process.execve does not exist (Windows), in which case the defaults stay.
 */
export function restartWithNodeFlags(entryFile) {
  const { env } = process;
  const added = env[addedMarker];
  if (added !== undefined) {
    // The restarted process: what was added for it is not passed on.
    for (const name of added.split(',')) if (name !== '') delete env[name];
    delete env[addedMarker];
    return;
  }
  const missing = missingNodeFlags();
  const settings = Object.entries(allocatorSettings).filter(([name]) => env[name] === undefined);
  if ((missing.length === 0 && settings.length === 0) || typeof process.execve !== 'function') return;
  process.execve(
    process.execPath,
    [process.execPath, ...missing, ...process.execArgv, entryFile, ...process.argv.slice(2)],
    {
      ...env,
      ...Object.fromEntries(settings),
      [addedMarker]: settings.map(([name]) => name).join(','),
    },
  );
}

/**
 * Keeps V8's compiled code for the modules this process loads (TypeScript stripped once, not on
 * every run) on disk. Measured: `airlock --help` 0.58 s → 0.37 s from the second run on.
 *
 * The folder is the user's own: $XDG_CACHE_HOME (or ~/.cache)/airlock/node-compile-cache, made
 * mode 0700, and used only if it is a real folder (no link), owned by this user and closed to
 * everyone else — a folder another user can write would let them plant code this process runs
 * (the cache holds stripped JavaScript behind a checksum, not a signature). Anything else: no
 * cache, modules compile as before; it never fails a run. NODE_COMPILE_CACHE=dir: Node already
 * uses that folder; NODE_DISABLE_COMPILE_CACHE=1: nothing is made or used. Each level is made on
 * its own: Node's recursive mkdir spins forever on a path under /proc.
 */
export function enableCompileCache(env = process.env) {
  if (env.NODE_COMPILE_CACHE !== undefined || env.NODE_DISABLE_COMPILE_CACHE !== undefined) return;
  if (typeof module.enableCompileCache !== 'function') return;
  const configured = env.XDG_CACHE_HOME;
  const cacheHome = configured && isAbsolute(configured) ? configured : join(homedir(), '.cache');
  const airlock = join(cacheHome, 'airlock');
  const directory = join(airlock, 'node-compile-cache');
  for (const level of [cacheHome, airlock, directory]) {
    try {
      mkdirSync(level, { mode: 0o700 });
    } catch (error) {
      if (error?.code !== 'EEXIST') return;
    }
  }
  if (![airlock, directory].every(isPrivateFolder)) return;
  module.enableCompileCache(directory);
}

/** A real folder (not a link) that only this user can write into (POSIX; elsewhere: a folder). */
function isPrivateFolder(path) {
  const stats = lstatSync(path, { throwIfNoEntry: false });
  if (!stats?.isDirectory()) return false;
  if (typeof process.getuid !== 'function') return true;
  return stats.uid === process.getuid() && (stats.mode & 0o022) === 0;
}
