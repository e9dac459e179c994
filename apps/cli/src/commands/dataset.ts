import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { AirlockError, parseYamlDocument } from '@airlock/core';
import {
  type DatasetStatus,
  type Datasets,
  describeChanges,
  type PinFile,
  parseRows,
  pinPathFor,
  type RowSchema,
  readPinFile,
  rowSchemaFileSchema,
  rowSchemaFromJsonSchema,
  validateRows,
} from '@airlock/datasets';
import { z } from 'zod';
import type { CommandDefinition } from '../command.ts';
import type { CommandContext } from '../context.ts';
import { formatTable } from '../table.ts';
import { actorOption } from './shared-options.ts';

const skipFolders = new Set(['node_modules', '.git', '.airlock', '.turbo']);

/** Every `*.pin.yaml` under a folder (the project root when no pins are named). */
function findPins(root: string): string[] {
  const found: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.isDirectory() && !skipFolders.has(entry.name)) walk(join(dir, entry.name));
      else if (entry.isFile() && entry.name.endsWith('.pin.yaml')) found.push(join(dir, entry.name));
    }
  };
  walk(root);
  return found.sort();
}

/** The pins a command acts on: the named ones (data paths or pin files), else all in the project. */
function pinsFrom(context: CommandContext, given: readonly string[]): string[] {
  if (given.length === 0) return findPins(context.config().root);
  return given.map((path) => {
    const full = resolve(context.io.cwd, path);
    return full.endsWith('.pin.yaml') ? full : pinPathFor(full);
  });
}

const shown = (context: CommandContext, path: string) => relative(context.io.cwd, path) || path;

function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 ** 2) return `${(bytes / 1024).toFixed(1)} KiB`;
  if (bytes < 1024 ** 3) return `${(bytes / 1024 ** 2).toFixed(1)} MiB`;
  return `${(bytes / 1024 ** 3).toFixed(2)} GiB`;
}

const pinsArgument = {
  name: 'pin',
  description: 'pin files or the data they pin (default: every *.pin.yaml in the project)',
  required: false,
  variadic: true,
};

export const datasetPinCommand: CommandDefinition = {
  words: ['dataset', 'pin'],
  summary: 'pin a file or folder by SHA-256: copy it into the cache and write <data>.pin.yaml',
  description:
    'Commit the pin file; the bytes stay out of git (push them to the remote). Re-pinning unchanged\n' +
    'data reads nothing: a stat cache (size, mtime, inode, ctime) remembers each file’s hash\n' +
    '(a file changed under 2 s before it was read is read again next time: an edit in the same\n' +
    'clock tick would look unchanged).',
  options: {
    name: { type: 'string', valueName: 'name', description: 'the dataset name (default: the file name)' },
    actor: actorOption,
  },
  positionals: [{ name: 'path', description: 'a data file (JSONL, CSV, …) or a folder', required: true }],
  examples: [
    {
      command: 'airlock dataset pin datasets/golden.jsonl',
      description: 'writes datasets/golden.jsonl.pin.yaml',
    },
    {
      command: 'airlock dataset pin datasets/images --name product-photos',
      description: 'a folder, by its manifest',
    },
  ],
  async run(context, options, [path = '']) {
    const { pin, pinFile, changed, hashedFiles } = await context
      .datasets()
      .pin(resolve(context.io.cwd, path), {
        actor: context.actor(options.actor),
        ...(typeof options.name === 'string' ? { name: options.name } : {}),
      });
    context.output.result({ pin, pinFile, changed, hashedFiles }, () => [
      `${changed ? context.output.green('pinned') : 'unchanged'} ${pin.name} ${pin.sha256.slice(0, 12)} (${pin.files} file(s), ${pin.size} bytes${pin.rows === undefined ? '' : `, ${pin.rows} rows`}; read ${hashedFiles})`,
      `pin file  ${shown(context, pinFile)} (commit it)`,
    ]);
    return 0;
  },
};

export const datasetStatusCommand: CommandDefinition = {
  words: ['dataset', 'status'],
  summary: 'compare datasets with their pins: unchanged, changed, missing, not in cache, not on remote',
  options: { remote: { type: 'boolean', description: 'also ask the remote which objects it lacks' } },
  positionals: [pinsArgument],
  examples: [
    { command: 'airlock dataset status', description: 'every pinned dataset in the project' },
    { command: 'airlock dataset status --remote', description: 'and what still needs a push' },
  ],
  async run(context, options, pins) {
    const datasets = context.datasets();
    const statuses: (DatasetStatus & { missingOnRemote?: string[] })[] = [];
    for (const pinFile of pinsFrom(context, pins)) {
      const status = await datasets.status(pinFile);
      statuses.push(
        options.remote === true
          ? { ...status, missingOnRemote: await datasets.missingOnRemote(readPinFile(pinFile)) }
          : status,
      );
    }
    const remoteColumn = (status: (typeof statuses)[number]) =>
      status.missingOnRemote === undefined
        ? []
        : [
            status.missingOnRemote.length === 0
              ? 'ok'
              : context.output.yellow(`${status.missingOnRemote.length} not on remote`),
          ];
    context.output.result({ datasets: statuses }, () =>
      statuses.length === 0
        ? ['no pinned datasets (airlock dataset pin <path>)']
        : formatTable(
            ['DATASET', 'PIN', 'STATE', 'CACHE', ...(options.remote === true ? ['REMOTE'] : []), 'PATH'],
            statuses.map((status) => [
              status.name,
              status.sha256.slice(0, 12),
              status.state === 'unchanged' ? 'unchanged' : context.output.yellow(status.state),
              status.missingFromCache.length === 0
                ? 'ok'
                : context.output.yellow(`${status.missingFromCache.length} not in cache`),
              ...remoteColumn(status),
              shown(context, status.path),
            ]),
          ).concat(
            statuses.flatMap((status) =>
              status.changes ? [`${status.name}: ${describeChanges(status.changes, 10)}`] : [],
            ),
          ),
    );
    return 0;
  },
};

export const datasetVerifyCommand: CommandDefinition = {
  words: ['dataset', 'verify'],
  summary:
    'check data matches its pins and re-hash the cache, and the remote with --remote (exit 1 on any difference)',
  options: {
    remote: { type: 'boolean', description: 'also download and re-hash the remote copies' },
    repair: {
      type: 'boolean',
      description: 'remove corrupt cache objects, so pin (or pull) can store them again',
    },
  },
  positionals: [pinsArgument],
  examples: [
    { command: 'airlock dataset verify datasets/golden.jsonl', description: 'before an eval, in CI' },
    {
      command: 'airlock dataset verify --repair && airlock dataset pin datasets/golden.jsonl',
      description: 'replace a damaged cache object from the workspace',
    },
  ],
  async run(context, options, pins) {
    const datasets = context.datasets();
    const problems: string[] = [];
    const checked: PinFile[] = [];
    for (const pinFile of pinsFrom(context, pins)) {
      const status = await datasets.status(pinFile, { rehash: true });
      if (status.state !== 'unchanged') {
        const detail = status.changes ? ` (${describeChanges(status.changes)})` : '';
        problems.push(`${shown(context, status.path)}: ${status.state} since pinned${detail}`);
      }
      checked.push(readPinFile(pinFile));
    }
    const cache = await datasets.verifyCache(
      checked.flatMap((pin) => datasets.objectsOf(pin)),
      { repair: options.repair === true },
    );
    if (options.remote === true) {
      const remote = await datasets.verifyRemote(checked);
      for (const sha256 of remote.missing) problems.push(`object ${sha256} is not on ${remote.location}`);
      for (const object of remote.corrupt) {
        problems.push(
          `object ${object.sha256} on ${remote.location} is corrupt (its bytes hash to ${object.actual})`,
        );
      }
    }
    for (const object of cache.corrupt) {
      problems.push(
        `cache object ${object.sha256} is corrupt (its bytes hash to ${object.actual})${
          cache.removed
            ? '; removed: pin the data again or pull to put it back'
            : '; airlock dataset verify --repair removes it'
        }`,
      );
    }
    context.output.result(
      {
        ok: problems.length === 0,
        datasets: checked.length,
        objects: cache.checked,
        notInCache: cache.missing.length,
        problems,
      },
      () => {
        // Objects the cache lacks were not verified: said, not counted (pull fetches them).
        const absent =
          cache.missing.length > 0
            ? `, ${cache.missing.length} not in the cache (airlock dataset pull fetches them)`
            : '';
        return problems.length === 0
          ? [
              `${context.output.green('ok')} ${checked.length} dataset(s), ${cache.checked} cache object(s) verified${absent}`,
            ]
          : problems.map((problem) => `${context.output.red('error:')} ${problem}`);
      },
    );
    return problems.length === 0 ? 0 : 1;
  },
};

export const datasetCheckoutCommand: CommandDefinition = {
  words: ['dataset', 'checkout'],
  summary: 'restore pinned bytes into the workspace from the cache',
  options: {},
  positionals: [pinsArgument],
  examples: [
    {
      command: 'airlock dataset checkout datasets/golden.jsonl.pin.yaml',
      description: 'put the pinned version back',
    },
  ],
  async run(context, _options, pins) {
    const datasets = context.datasets();
    const results: Awaited<ReturnType<Datasets['checkout']>>[] = [];
    for (const pinFile of pinsFrom(context, pins)) results.push(await datasets.checkout(pinFile));
    context.output.result({ results }, () =>
      results.map(
        (result) =>
          `${shown(context, result.path)}: ${result.written} of ${result.files} file(s) written${result.removed > 0 ? `, ${result.removed} removed` : ''}`,
      ),
    );
    return 0;
  },
};

export const datasetGcCommand: CommandDefinition = {
  words: ['dataset', 'gc'],
  summary:
    'list (or with --force delete) cache objects no pin in the project needs, and files of writes that never finished',
  options: { force: { type: 'boolean', description: 'delete them (default: only report)' } },
  positionals: [],
  examples: [
    { command: 'airlock dataset gc', description: 'what would go, and how much' },
    { command: 'airlock dataset gc --force', description: 'delete it' },
  ],
  async run(context, options) {
    const keep = findPins(context.config().root).map((pinFile) => readPinFile(pinFile));
    const result = await context.datasets().gc({ keep, dryRun: options.force !== true });
    const verb = result.deleted ? 'deleted' : 'would delete';
    context.output.result(result, () => [
      ...result.objects.map((object) => `${verb} ${object.sha256} (${object.size} bytes)`),
      ...result.leftovers.map(
        (leftover) =>
          `${verb} ${leftover.path} (${leftover.size} bytes, left by a write that never finished)`,
      ),
      `${result.objects.length} object(s), ${result.bytes} bytes ${result.deleted ? 'deleted' : 'unused (run with --force to delete)'}`,
      ...(result.leftovers.length > 0
        ? [
            `${result.leftovers.length} unfinished write(s), ${result.leftoverBytes} bytes ${result.deleted ? 'deleted' : 'to delete'}`,
          ]
        : []),
    ]);
    return 0;
  },
};

export const datasetListCommand: CommandDefinition = {
  words: ['dataset', 'list'],
  summary: 'list pinned dataset versions recorded in the store',
  options: {},
  positionals: [{ name: 'name', description: 'only this dataset', required: false }],
  examples: [{ command: 'airlock dataset list golden', description: 'every version of golden' }],
  async run(context, _options, [name]) {
    const versions = await context.datasets().listVersions(name);
    context.output.result({ versions }, () =>
      formatTable(
        ['DATASET', 'SHA256', 'FILES', 'ROWS', 'PINNED', 'BY'],
        versions.map((version) => [
          version.name,
          version.sha256.slice(0, 12),
          String(version.files),
          version.rows === undefined ? '-' : String(version.rows),
          version.pinnedAt,
          version.pinnedBy,
        ]),
      ),
    );
    return 0;
  },
};

export function readRows(context: CommandContext, path: string) {
  const full = resolve(context.io.cwd, path.endsWith('.pin.yaml') ? path.replace(/\.pin\.yaml$/, '') : path);
  let text: string;
  try {
    text = readFileSync(full, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new AirlockError(
      code === 'EISDIR' ? 'INVALID_INPUT' : 'NOT_FOUND',
      code === 'EISDIR' ? `${path} is a folder; validate takes a JSONL or CSV file` : `${path}: no such file`,
    );
  }
  return { full, rows: parseRows(full, text) };
}

/** A row schema from YAML, or from a JSON Schema (.json), with errors that name the file. */
export function readRowSchema(path: string, display: string): RowSchema {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new AirlockError('NOT_FOUND', `${display}: no such file`);
  }
  if (!path.endsWith('.json')) return parseYamlDocument(text, { file: display, schema: rowSchemaFileSchema });
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new AirlockError('INVALID_INPUT', `${display}: not JSON: ${(error as Error).message}`);
  }
  try {
    return rowSchemaFromJsonSchema(value);
  } catch (error) {
    if (error instanceof z.ZodError) {
      const problems = error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`);
      throw new AirlockError(
        'INVALID_INPUT',
        `${display}: not a row schema (JSON Schema): ${problems.join('; ')}`,
      );
    }
    throw error;
  }
}

export const datasetValidateCommand: CommandDefinition = {
  words: ['dataset', 'validate'],
  summary: 'check rows against a schema, text length, duplicates, PII and label drift (exit 1 if invalid)',
  description:
    'The schema is YAML (fields, label_field, max_text_length 10000, max_drift 0.1) or a JSON Schema.\n' +
    'Drift is the Jensen–Shannon distance (natural log, as scipy’s jensenshannon) between the label\n' +
    'distributions of the file and the reference.',
  options: {
    schema: {
      type: 'string',
      valueName: 'file',
      description: 'the row schema (.yaml, or .json for JSON Schema)',
    },
    reference: { type: 'string', valueName: 'file', description: 'the reference version, for label drift' },
  },
  positionals: [{ name: 'file', description: 'a JSONL or CSV file', required: true }],
  examples: [
    {
      command:
        'airlock dataset validate datasets/train.jsonl --schema datasets/schema.yaml --reference datasets/train-v1.jsonl',
      description: 'the data gate in CI',
    },
  ],
  async run(context, options, [file = '']) {
    if (typeof options.schema !== 'string') throw new AirlockError('INVALID_INPUT', '--schema is required');
    const schema = readRowSchema(resolve(context.io.cwd, options.schema), options.schema);
    if (typeof options.reference === 'string' && schema.label_field === undefined) {
      throw new AirlockError(
        'INVALID_INPUT',
        `--reference compares label distributions: set label_field in ${options.schema}`,
      );
    }
    const { full, rows } = readRows(context, file);
    const reference =
      typeof options.reference === 'string' ? readRows(context, options.reference).rows : undefined;
    let report: ReturnType<typeof validateRows>;
    try {
      report = validateRows(rows, schema, {
        fromCsv: full.endsWith('.csv'),
        ...(reference ? { reference } : {}),
      });
    } catch (error) {
      if (error instanceof RangeError) {
        throw new AirlockError(
          'INVALID_INPUT',
          `no rows with a "${schema.label_field}" label in ${reference?.length === 0 ? String(options.reference) : `${file} or ${String(options.reference)}`}: nothing to compare`,
        );
      }
      throw error;
    }
    const name = shown(context, full);
    const driftFailed = report.drift !== undefined && !report.drift.ok;
    context.output.result(report, () => [
      ...report.violations.map(
        (violation) =>
          `${context.output.red('error:')} ${name}:${violation.line}:${violation.column ?? 1}: ${violation.message} [${violation.kind}]`,
      ),
      ...(report.drift
        ? [
            `${report.drift.ok ? 'drift' : `${context.output.red('error:')} drift`} ${report.drift.distance.toFixed(4)} (Jensen–Shannon distance; limit ${report.drift.limit})`,
          ]
        : []),
      report.ok
        ? `${context.output.green('valid')} ${report.rows} rows`
        : `${context.output.red('invalid')} ${report.rows} rows: ${report.violations.length} violation(s)${driftFailed ? ', label drift over the limit' : ''}`,
    ]);
    return report.ok ? 0 : 1;
  },
};

export const datasetCheckCommand: CommandDefinition = {
  words: ['dataset', 'check'],
  summary: 'refuse (exit 2) unless each dataset is exactly its pin — what an eval run checks first',
  options: {},
  positionals: [pinsArgument],
  examples: [
    { command: 'airlock dataset check datasets/golden.jsonl', description: 'in CI, before running evals' },
  ],
  async run(context, _options, pins) {
    const datasets = context.datasets();
    const checked: PinFile[] = [];
    const refused: string[] = [];
    for (const pinFile of pinsFrom(context, pins)) {
      try {
        checked.push(await datasets.requireUnchanged(pinFile, shown(context, pinFile)));
      } catch (error) {
        if (!(error instanceof AirlockError) || error.code !== 'PRECONDITION_FAILED') throw error;
        refused.push(error.message);
      }
    }
    if (refused.length > 0) {
      // Every dataset that differs is named, not just the first.
      throw new AirlockError('PRECONDITION_FAILED', refused.join('\nerror: '), { context: { refused } });
    }
    context.output.result({ ok: true, datasets: checked }, () => [
      `${context.output.green('ok')} ${checked.map((pin) => `${pin.name}@${pin.sha256.slice(0, 12)}`).join(', ') || 'no datasets'} exactly as pinned`,
    ]);
    return 0;
  },
};

export const datasetPushCommand: CommandDefinition = {
  words: ['dataset', 'push'],
  summary: 'send pinned objects the remote lacks (remote.s3 in airlock.yaml); never overwrites',
  options: {},
  positionals: [pinsArgument],
  examples: [{ command: 'airlock dataset push', description: 'after pinning, so CI and teammates can pull' }],
  async run(context, _options, pins) {
    const datasets = context.datasets();
    const pinned = pinsFrom(context, pins).map((pinFile) => readPinFile(pinFile, shown(context, pinFile)));
    let progress: ReturnType<typeof context.output.progress> | undefined;
    const result = await datasets.push(pinned, (done, total) => {
      progress ??= context.output.progress('pushing', total.bytes, formatBytes);
      progress.set(done.bytes, `(${done.objects}/${total.objects} objects)`);
      if (done.objects === total.objects) progress.done();
    });
    context.output.result(result, () => [
      `${result.uploaded} of ${result.objects} object(s) sent to ${result.location} (${result.bytes} bytes)${result.uploaded === 0 ? '; the remote had them all' : ''}`,
    ]);
    return 0;
  },
};

export const datasetPullCommand: CommandDefinition = {
  words: ['dataset', 'pull'],
  summary: 'fetch pinned objects into the cache (every byte re-hashed), then check them out',
  options: {
    'no-checkout': { type: 'boolean', description: 'fill the cache only; leave the workspace as it is' },
  },
  positionals: [pinsArgument],
  examples: [
    { command: 'airlock dataset pull', description: 'in CI, before airlock dataset check and the evals' },
  ],
  async run(context, options, pins) {
    const datasets = context.datasets();
    const pinFiles = pinsFrom(context, pins);
    const pinned = pinFiles.map((pinFile) => readPinFile(pinFile, shown(context, pinFile)));
    let progress: ReturnType<typeof context.output.progress> | undefined;
    const result = await datasets.pull(pinned, (done, total) => {
      progress ??= context.output.progress('pulling objects', total.objects);
      progress.tick();
      if (done.objects === total.objects) progress.done();
    });
    const checkedOut: Awaited<ReturnType<Datasets['checkout']>>[] = [];
    if (options['no-checkout'] !== true) {
      for (const pinFile of pinFiles) checkedOut.push(await datasets.checkout(pinFile));
    }
    context.output.result({ ...result, checkedOut }, () => [
      `${result.fetched} object(s) fetched from ${result.location}`,
      ...checkedOut.map(
        (item) =>
          `${shown(context, item.path)}: ${item.written} of ${item.files} file(s) written${item.removed > 0 ? `, ${item.removed} removed` : ''}`,
      ),
    ]);
    return 0;
  },
};
