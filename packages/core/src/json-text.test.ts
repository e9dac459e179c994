import { describe, expect, it } from 'vitest';
import { AirlockError } from './errors.ts';
import { parseJsonText } from './json-text.ts';

describe('JSON documents', () => {
  it('parses, and locates a syntax error at line and column', () => {
    expect(parseJsonText('{"a": 1}', 'a.json')).toEqual({ a: 1 });
    try {
      parseJsonText('{\n  "a": 1\n  "b": 2\n}', 'b.json');
      throw new Error('expected a syntax error');
    } catch (error) {
      expect(error).toBeInstanceOf(AirlockError);
      expect((error as AirlockError).describe()[0]).toMatch(/^b\.json:3:3: not JSON: /);
    }
  });
});
