import { describe, expect, it } from 'vitest';
import { createLogger } from './logger.ts';

const now = () => new Date('2026-11-22T10:00:00.000Z');

describe('logger', () => {
  it('writes JSON lines with bound and call fields, above the level', () => {
    const lines: string[] = [];
    const logger = createLogger({ write: (line) => lines.push(line), format: 'json', level: 'info', now });
    logger.child({ requestId: 'req_1' }).info('request', { status: 200, error: new Error('boom') });
    logger.debug('hidden');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0] ?? '')).toEqual({
      time: '2026-11-22T10:00:00.000Z',
      level: 'info',
      msg: 'request',
      requestId: 'req_1',
      status: 200,
      error: { name: 'Error', message: 'boom' },
    });
  });

  it('writes readable lines for a terminal', () => {
    const lines: string[] = [];
    createLogger({ write: (line) => lines.push(line), format: 'pretty', now }).warn('slow call', {
      path: '/v1/models',
      note: 'two words',
    });
    expect(lines).toEqual(['10:00:00.000 WARN  slow call path=/v1/models note="two words"\n']);
  });
});
