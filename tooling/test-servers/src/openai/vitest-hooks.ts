import { afterAll, beforeAll, beforeEach } from 'vitest';
import { type OpenAITestServer, type ReplyRuleInput, startOpenAIServer } from './openai-server.ts';

/**
 * One OpenAI test server for a test file: started before its first test, stopped after its last,
 * and before each test reset to `rules` (no faults, an empty request log). Returns the server as
 * tests use it (valid inside tests and hooks).
 */
export function useOpenAIServer(rules: ReplyRuleInput[] = []): OpenAITestServer {
  let server: OpenAITestServer | undefined;
  beforeAll(async () => {
    server = await startOpenAIServer();
  });
  afterAll(async () => {
    await server?.stop();
  });
  beforeEach(async () => {
    await server?.reset();
    await server?.setRules(rules);
  });
  return new Proxy({} as OpenAITestServer, {
    get(_target, key) {
      if (!server) throw new Error('the OpenAI test server is used outside a test');
      const value = Reflect.get(server, key);
      return typeof value === 'function' ? value.bind(server) : value;
    },
  });
}
