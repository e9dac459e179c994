/** Structured fields attached to a log line (request ids, durations, counts). */
export type LogFields = Record<string, unknown>;

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/**
 * The only way packages report what they do. They never print: the app decides where lines go
 * (JSON for machines, readable text on a terminal, nothing in tests).
 */
export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  /** A logger that adds `fields` to every line (e.g. a request id). */
  child(fields: LogFields): Logger;
}

const levelRank: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface LoggerOptions {
  /** Receives one finished line, newline included. */
  write: (line: string) => void;
  format: 'json' | 'pretty';
  level?: LogLevel;
  now?: () => Date;
}

function prettyValue(value: unknown): string {
  if (typeof value === 'string') return /\s/.test(value) ? JSON.stringify(value) : value;
  if (value instanceof Error) return JSON.stringify(value.message);
  return JSON.stringify(value) ?? String(value);
}

function serializeFields(fields: LogFields): LogFields {
  const out: LogFields = {};
  for (const [key, value] of Object.entries(fields)) {
    out[key] = value instanceof Error ? { name: value.name, message: value.message } : value;
  }
  return out;
}

/** A logger that writes JSON lines (production) or `time level message key=value` (a terminal). */
export function createLogger(options: LoggerOptions, bound: LogFields = {}): Logger {
  const minimum = levelRank[options.level ?? 'info'];
  const now = options.now ?? (() => new Date());
  const emit = (level: LogLevel, message: string, fields: LogFields = {}) => {
    if (levelRank[level] < minimum) return;
    const all = { ...bound, ...fields };
    const time = now().toISOString();
    if (options.format === 'json') {
      options.write(`${JSON.stringify({ time, level, msg: message, ...serializeFields(all) })}\n`);
      return;
    }
    const pairs = Object.entries(all).map(([key, value]) => `${key}=${prettyValue(value)}`);
    options.write(`${[time.slice(11, 23), level.toUpperCase().padEnd(5), message, ...pairs].join(' ')}\n`);
  };
  return {
    debug: (message, fields) => emit('debug', message, fields),
    info: (message, fields) => emit('info', message, fields),
    warn: (message, fields) => emit('warn', message, fields),
    error: (message, fields) => emit('error', message, fields),
    child: (fields) => createLogger(options, { ...bound, ...fields }),
  };
}

/** A logger that drops everything (library defaults, quiet tests). */
export const silentLogger: Logger = {
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
  child: () => silentLogger,
};
