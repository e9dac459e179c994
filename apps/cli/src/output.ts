import { AirlockError, isAirlockError } from '@airlock/core';
import type { CliIO, OutputStream } from './io.ts';

export interface OutputOptions {
  json: boolean;
  /** `--no-color` */
  noColor?: boolean;
}

type Paint = (text: string) => string;

export interface Output {
  readonly json: boolean;
  readonly color: boolean;
  /** Whether progress may be drawn (stderr is a terminal and output is not JSON). */
  readonly interactive: boolean;
  bold: Paint;
  dim: Paint;
  green: Paint;
  red: Paint;
  yellow: Paint;
  /** The command's result: `data` as JSON with --json, else the human lines. */
  result(data: unknown, human: () => string[]): void;
  /** A line for a person on stdout (ignored with --json). */
  line(text?: string): void;
  /** A note on stderr (ignored with --json), e.g. a hint or a warning. */
  note(text: string): void;
  /** Reports a failure: JSON on stdout with --json, else `error: …` lines on stderr. */
  failure(error: unknown, debug: boolean): void;
  /**
   * A progress line on stderr, drawn only on a terminal; quiet (a no-op) everywhere else.
   * `format` shows the counts (e.g. as bytes).
   */
  progress(label: string, total: number, format?: (value: number) => string): Progress;
}

export interface Progress {
  tick(amount?: number): void;
  /** Sets the count outright, with a note after it (e.g. "3/10 objects"). */
  set(current: number, note?: string): void;
  done(): void;
}

function supportsColor(stream: OutputStream, env: CliIO['env'], noColor: boolean): boolean {
  if (noColor || (env.NO_COLOR !== undefined && env.NO_COLOR !== '')) return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0') return true;
  return stream.isTTY === true && env.TERM !== 'dumb';
}

const ansi =
  (open: number, close: number): Paint =>
  (text) =>
    `\u001b[${open}m${text}\u001b[${close}m`;
const plain: Paint = (text) => text;

/**
 * The only place the CLI writes. It knows whether stdout is a terminal: colour and progress appear
 * only there, `NO_COLOR` and `--no-color` turn colour off, and `--json` makes stdout one JSON document.
 */
export function createOutput(io: CliIO, options: OutputOptions): Output {
  const color = !options.json && supportsColor(io.stdout, io.env, options.noColor ?? false);
  const interactive = !options.json && io.stderr.isTTY === true && io.env.CI !== 'true';
  const paint = (open: number, close: number) => (color ? ansi(open, close) : plain);
  const red = paint(31, 39);
  return {
    json: options.json,
    color,
    interactive,
    bold: paint(1, 22),
    dim: paint(2, 22),
    green: paint(32, 39),
    red,
    yellow: paint(33, 39),
    result(data, human) {
      if (options.json) io.stdout.write(`${JSON.stringify(data, null, 2)}\n`);
      else for (const text of human()) io.stdout.write(`${text}\n`);
    },
    line(text = '') {
      if (!options.json) io.stdout.write(`${text}\n`);
    },
    note(text) {
      if (!options.json) io.stderr.write(`${text}\n`);
    },
    failure(error, debug) {
      const known = isAirlockError(error)
        ? error
        : new AirlockError(
            'INTERNAL',
            `internal error: ${error instanceof Error ? error.message : String(error)}`,
          );
      if (options.json) {
        io.stdout.write(`${JSON.stringify({ error: known.toJSON() }, null, 2)}\n`);
      } else {
        for (const text of known.describe()) io.stderr.write(`${red('error:')} ${text}\n`);
        if (!isAirlockError(error)) {
          io.stderr.write(
            debug && error instanceof Error
              ? `${error.stack}\n`
              : 'This is a bug in Airlock. Run again with AIRLOCK_DEBUG=1 for the stack trace, and report it.\n',
          );
        } else if (debug && error.cause instanceof Error && error.cause.stack) {
          // What the operating system refused (or another wrapped error): where it came from.
          io.stderr.write(`${error.cause.stack}\n`);
        }
      }
    },
    progress(label, total, format = String) {
      if (!interactive) return { tick: () => {}, set: () => {}, done: () => {} };
      let current = 0;
      let note = '';
      let lastDraw = 0;
      const draw = () => {
        const width = 24;
        const filled = total > 0 ? Math.round((current / total) * width) : 0;
        io.stderr.write(
          `\r${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${format(current)}/${format(total)}${note ? ` ${note}` : ''}`,
        );
      };
      const maybeDraw = () => {
        const now = Date.now();
        // Redraw at most ~10 times a second: drawing every tick slows big runs down.
        if (now - lastDraw >= 100 || current === total) {
          lastDraw = now;
          draw();
        }
      };
      return {
        tick(amount = 1) {
          current = Math.min(total, current + amount);
          maybeDraw();
        },
        set(value, text = '') {
          current = Math.min(total, value);
          note = text;
          maybeDraw();
        },
        done() {
          draw();
          io.stderr.write('\n');
        },
      };
    },
  };
}
