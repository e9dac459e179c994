import { describe, expect, it } from 'vitest';
import { isSameFamily, parseModelId } from './model-id.ts';

describe('parseModelId', () => {
  it.each([
    ['openai/gpt-4o-2024-11-20', 'gpt-4o', '2024-11-20'],
    ['openai/gpt-4o-mini-2024-07-18', 'gpt-4o-mini', '2024-07-18'],
    ['anthropic/claude-3-5-sonnet-20241022', 'claude-3-5-sonnet', '20241022'],
    ['vertex/claude-3-5-sonnet@20240620', 'claude-3-5-sonnet', '20240620'],
    ['openai/gpt-4-0613', 'gpt-4', '0613'],
    ['google/gemini-1.5-pro-002', 'gemini-1.5-pro', '002'],
    ['openai/ft:gpt-4o-2024-08-06:acme::AbC123', 'ft:gpt-4o-2024-08-06', 'AbC123'],
    ['bedrock/anthropic.claude-v2:1', 'anthropic.claude', 'v2:1'],
    ['openai/gpt-4-1106-preview', 'gpt-4', '1106-preview'],
  ])('%s is pinned (family %s, snapshot %s)', (id, family, snapshot) => {
    expect(parseModelId(id)).toMatchObject({ pinned: true, family, snapshot });
  });

  it.each([
    ['openai/gpt-4o', 'gpt-4o'],
    ['openai/gpt-4o-latest', 'gpt-4o'],
    ['openai/chatgpt-4o-latest', 'chatgpt-4o'],
    ['openai/latest', 'latest'],
    ['anthropic/claude-3-5-sonnet-latest', 'claude-3-5-sonnet'],
    ['openai/o3', 'o3'],
    ['openai/gpt-4o-2024', 'gpt-4o-2024'],
    ['openai/gpt-4o-2024-99-99', 'gpt-4o-2024-99-99'],
    ['deepseek/deepseek-v3', 'deepseek-v3'],
  ])('%s floats (family %s)', (id, family) => {
    expect(parseModelId(id)).toMatchObject({ pinned: false, family });
  });

  it('needs a provider', () => {
    expect(() => parseModelId('gpt-4o-2024-11-20')).toThrow(
      '"gpt-4o-2024-11-20" is not a model id: expected provider/model-snapshot, e.g. openai/gpt-4o-2024-11-20',
    );
  });

  it('relates a floating alias to the pinned snapshots of its family', () => {
    const pinned = parseModelId('openai/gpt-4o-2024-11-20');
    expect(isSameFamily(parseModelId('openai/gpt-4o'), pinned)).toBe(true);
    expect(isSameFamily(parseModelId('openai/chatgpt-4o-latest'), pinned)).toBe(true);
    expect(isSameFamily(parseModelId('openai/o3'), pinned)).toBe(false);
    expect(isSameFamily(parseModelId('openai/gpt-4'), pinned)).toBe(false);
    expect(isSameFamily(parseModelId('openai/gpt-4o'), parseModelId('openai/gpt-4o-mini-2024-07-18'))).toBe(
      false,
    );
  });
});
