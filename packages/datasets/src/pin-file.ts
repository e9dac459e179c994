import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { parseYamlDocument, writeFileAtomic } from '@airlock/core';
import { z } from 'zod';

/** `<data>.pin.yaml`, committed to git beside the data (which stays out of git). */
export const pinFileSchema = z.strictObject({
  name: z.string().min(1),
  /** The data, relative to the pin file's folder. */
  path: z.string().min(1),
  sha256: z.string().regex(/^[0-9a-f]{64}$/, 'expected a SHA-256 digest (64 lowercase hex characters)'),
  size: z.number().int().min(0),
  files: z.number().int().min(1),
  rows: z.number().int().min(0).optional(),
  format: z.enum(['jsonl', 'csv', 'directory', 'other']),
  pinned_at: z.string(),
  pinned_by: z.string(),
});

export type PinFile = z.output<typeof pinFileSchema>;

/** Where the pin of a file or folder lives: `data.jsonl` → `data.jsonl.pin.yaml`, `data/` → `data.pin.yaml`. */
export function pinPathFor(dataPath: string): string {
  return `${dataPath.replace(/[/\\]+$/, '')}.pin.yaml`;
}

export function readPinFile(path: string, display: string = path): PinFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return parseYamlDocument('', { file: display, schema: pinFileSchema });
  }
  return parseYamlDocument(text, { file: display, schema: pinFileSchema });
}

export function writePinFile(path: string, pin: PinFile): void {
  const lines = [
    `# Airlock dataset pin for ${basename(pin.path)}: commit this file; the bytes live in the`,
    '# cache and the remote (airlock dataset push / pull / checkout).',
    `name: ${JSON.stringify(pin.name)}`,
    `path: ${JSON.stringify(pin.path)}`,
    `sha256: ${pin.sha256}`,
    `size: ${pin.size}`,
    `files: ${pin.files}`,
    ...(pin.rows === undefined ? [] : [`rows: ${pin.rows}`]),
    `format: ${pin.format}`,
    `pinned_at: ${JSON.stringify(pin.pinned_at)}`,
    `pinned_by: ${JSON.stringify(pin.pinned_by)}`,
    '',
  ];
  writeFileAtomic(path, lines.join('\n'));
}
