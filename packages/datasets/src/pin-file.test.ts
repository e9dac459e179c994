import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { temporaryDirectory } from '@airlock/vitest-config/temp-dir';
import { describe, expect, it } from 'vitest';
import { readPinFile } from './pin-file.ts';

const pin = (path: string) =>
  `name: golden\npath: ${JSON.stringify(path)}\nsha256: ${'a'.repeat(64)}\nsize: 1\nfiles: 1\nformat: jsonl\npinned_at: x\npinned_by: y\n`;

describe('pin files', () => {
  it('refuse a path that leaves the pin file’s folder', () => {
    const dir = temporaryDirectory('airlock-pin-');
    for (const path of ['../../../etc/hostname', '/etc/hostname', 'sub/file.jsonl', '..', '.']) {
      writeFileSync(join(dir, 'x.pin.yaml'), pin(path));
      expect(() => readPinFile(join(dir, 'x.pin.yaml'), 'x.pin.yaml'), path).toThrowError(
        expect.objectContaining({
          code: 'INVALID_INPUT',
          issues: [
            expect.objectContaining({ line: 2, message: expect.stringContaining('beside this pin file') }),
          ],
        }),
      );
    }
    writeFileSync(join(dir, 'x.pin.yaml'), pin('golden.jsonl'));
    expect(readPinFile(join(dir, 'x.pin.yaml')).path).toBe('golden.jsonl');
    writeFileSync(join(dir, 'x.pin.yaml'), pin('images/'));
    expect(readPinFile(join(dir, 'x.pin.yaml')).path).toBe('images/');
  });

  it('say so when the pin file does not exist', () => {
    expect(() => readPinFile('/nonexistent/x.pin.yaml', 'x.pin.yaml')).toThrow(
      'x.pin.yaml: no such pin file (airlock dataset pin <data> writes one)',
    );
  });
});
