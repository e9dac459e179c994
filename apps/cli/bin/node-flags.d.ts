/** V8 settings every `airlock` process runs with; see node-flags.js. */
export declare const nodeFlags: readonly string[];
/** C allocator settings (environment variables read at start) every `airlock` process runs with. */
export declare const allocatorSettings: Readonly<Record<string, string>>;
/** The flags this process (or the given argv) was not started with. */
export declare function missingNodeFlags(execArgv?: readonly string[]): string[];
/**
 * Restarts the process in place running `entryFile` with the missing flags and allocator
 * settings (none missing: returns). In the restarted process, removes the added variables from
 * `process.env` so that its children do not inherit them.
 */
export declare function restartWithNodeFlags(entryFile: string): void;
/**
 * Keeps V8's compiled code on disk in the user's own cache folder ($XDG_CACHE_HOME or
 * ~/.cache/airlock/node-compile-cache, mode 0700) so the next process starts sooner; does nothing
 * when NODE_COMPILE_CACHE or NODE_DISABLE_COMPILE_CACHE is set or the folder is not private.
 */
export declare function enableCompileCache(env?: Readonly<Record<string, string | undefined>>): void;
