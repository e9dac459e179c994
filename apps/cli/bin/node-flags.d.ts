/** V8 settings every `airlock` process runs with; see node-flags.js. */
export declare const nodeFlags: readonly string[];
/** The flags this process (or the given argv) was not started with. */
export declare function missingNodeFlags(execArgv?: readonly string[]): string[];
/** Restarts the process in place running `entryFile` with the missing flags (none missing: returns). */
export declare function restartWithNodeFlags(entryFile: string): void;
