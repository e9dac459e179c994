import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { temporaryDirectory } from '@airlock/vitest-config/temp-dir';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { AirlockError } from './errors.ts';
import { ensureDirectory, readYamlFile, writeFileAtomic, writeFilesAtomic } from './files.ts';

const folder = () => temporaryDirectory('airlock-core-');

describe('writeFileAtomic', () => {
  it('replaces a file and leaves no temporary file behind', () => {
    const dir = folder();
    const path = join(dir, 'state.json');
    writeFileAtomic(path, '{"v":1}');
    writeFileAtomic(path, '{"v":2}');
    expect(readFileSync(path, 'utf8')).toBe('{"v":2}');
    expect(readdirSync(dir)).toEqual(['state.json']);
  });

  it('refuses to overwrite when asked, leaving the old bytes', () => {
    const dir = folder();
    const path = join(dir, 'airlock.yaml');
    writeFileSync(path, 'mine');
    expect(() => writeFileAtomic(path, 'theirs', { overwrite: false })).toThrowError(
      expect.objectContaining({ code: 'CONFLICT' }),
    );
    expect(readFileSync(path, 'utf8')).toBe('mine');
    expect(readdirSync(dir)).toEqual(['airlock.yaml']);
  });
});

describe('readYamlFile', () => {
  it('names a missing file as NOT_FOUND', () => {
    const dir = folder();
    try {
      readYamlFile(join(dir, 'nope.yaml'), z.object({}), 'nope.yaml');
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(AirlockError);
      expect((error as AirlockError).code).toBe('NOT_FOUND');
      expect((error as AirlockError).message).toBe('nope.yaml: no such file');
    }
  });
});

describe('ensureDirectory', () => {
  it('creates missing parents and accepts an existing folder', () => {
    const dir = folder();
    ensureDirectory(join(dir, 'a', 'b', 'c'));
    ensureDirectory(join(dir, 'a', 'b', 'c'));
    expect(readdirSync(join(dir, 'a', 'b'))).toEqual(['c']);
  });

  it('names a file that is in the way', () => {
    const dir = folder();
    writeFileSync(join(dir, 'file'), 'x');
    expect(() => ensureDirectory(join(dir, 'file', 'sub'), 'the store folder')).toThrowError(
      expect.objectContaining({
        code: 'INVALID_INPUT',
        message: expect.stringContaining('is a file, not a folder'),
      }),
    );
  });

  it('refuses, instead of spinning, where folders cannot be made', () => {
    expect(() => ensureDirectory('/proc/airlock-nope/deeper')).toThrowError(
      expect.objectContaining({ code: 'PRECONDITION_FAILED' }),
    );
  });
});

describe('writeFilesAtomic', () => {
  it('writes every file, or — when one target is a folder — none of them', () => {
    const folder = temporaryDirectory('airlock-files-');
    writeFileSync(join(folder, 'a.txt'), 'old a');
    writeFilesAtomic([
      { path: join(folder, 'a.txt'), data: 'new a' },
      { path: join(folder, 'b.txt'), data: 'new b' },
    ]);
    expect(readFileSync(join(folder, 'a.txt'), 'utf8')).toBe('new a');
    expect(readFileSync(join(folder, 'b.txt'), 'utf8')).toBe('new b');
    mkdirSync(join(folder, 'c.txt'));
    expect(() =>
      writeFilesAtomic([
        { path: join(folder, 'a.txt'), data: 'newer a' },
        { path: join(folder, 'c.txt'), data: 'c' },
      ]),
    ).toThrow(/c\.txt is a folder/);
    expect(readFileSync(join(folder, 'a.txt'), 'utf8')).toBe('new a');
    expect(readdirSync(folder).sort()).toEqual(['a.txt', 'b.txt', 'c.txt']);
  });
});
