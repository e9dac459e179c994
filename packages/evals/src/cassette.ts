import { existsSync, readFileSync } from 'node:fs';
import { AirlockError, digestOf, formatSourceIssue, parseJsonl, writeFileAtomic } from '@airlock/core';
import { type Provider, ProviderError } from './provider.ts';
import type { Completion, CompletionRequest } from './types.ts';

/** The identity of a request: model, messages and parameters, canonically hashed. */
export function requestKey(request: CompletionRequest): string {
  return digestOf({ model: request.model, messages: request.messages, parameters: request.parameters });
}

/** One recorded exchange, one JSON line in a cassette. */
export interface CassetteEntry {
  key: string;
  request: CompletionRequest;
  response: Completion;
  recordedAt: string;
}

/** Reads a cassette; every malformed line is reported with its number. */
export function readCassette(path: string, display = path): Map<string, CassetteEntry> {
  if (!existsSync(path)) throw new AirlockError('NOT_FOUND', `${display}: no such cassette`);
  const entries = new Map<string, CassetteEntry>();
  const issues = [];
  for (const row of parseJsonl(readFileSync(path, 'utf8'))) {
    const where = { file: display, line: row.line, column: 1 };
    if ('error' in row) {
      issues.push({ ...where, message: row.error });
      continue;
    }
    const entry = row.value as Partial<CassetteEntry>;
    if (typeof entry.key !== 'string' || typeof entry.response?.output !== 'string') {
      issues.push({ ...where, message: 'expected { key, request, response: { output, … } }' });
      continue;
    }
    entries.set(entry.key, entry as CassetteEntry);
  }
  if (issues.length > 0) {
    throw new AirlockError('INVALID_INPUT', issues.map(formatSourceIssue).join('\n'), { issues });
  }
  return entries;
}

/** Serves recorded answers; a request that was never recorded fails its case, not the run. */
export function createReplayProvider(path: string, display = path): Provider {
  const entries = readCassette(path, display);
  return {
    description: `replay ${display} (${entries.size} recorded)`,
    async complete(request) {
      const key = requestKey(request);
      const entry = entries.get(key);
      if (!entry) {
        throw new ProviderError(
          'not-recorded',
          `no recorded answer for this request in ${display} (key ${key.slice(0, 12)}); record it again with --record`,
        );
      }
      return entry.response;
    },
  };
}

export interface RecordingProvider extends Provider {
  /** Writes the cassette (what was there before, plus every answer recorded), atomically. */
  save(): void;
  readonly recorded: number;
}

/** Passes calls through and keeps every successful answer for the cassette. */
export function createRecordingProvider(inner: Provider, path: string, display = path): RecordingProvider {
  const entries = existsSync(path) ? readCassette(path, display) : new Map<string, CassetteEntry>();
  let recorded = 0;
  return {
    description: `${inner.description}, recording to ${display}`,
    get recorded() {
      return recorded;
    },
    async complete(request, options) {
      const response = await inner.complete(request, options);
      const key = requestKey(request);
      entries.set(key, {
        key,
        request,
        response,
        recordedAt: new Date().toISOString(),
      });
      recorded += 1;
      return response;
    },
    save() {
      const lines = [...entries.values()].map((entry) => JSON.stringify(entry));
      writeFileAtomic(path, lines.length === 0 ? '' : `${lines.join('\n')}\n`);
    },
  };
}
