/** A stream the CLI writes to; `isTTY` decides colour and progress. */
export interface OutputStream {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

/** Everything the CLI touches outside itself, so `run` can be driven by tests and by main.ts alike. */
export interface CliIO {
  stdout: OutputStream;
  stderr: OutputStream;
  env: Record<string, string | undefined>;
  cwd: string;
  /** Resolves when the process is asked to stop (SIGINT / SIGTERM), for long-running commands. */
  waitForShutdown: () => Promise<void>;
}
