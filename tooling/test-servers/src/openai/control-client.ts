import type { FaultRuleInput, OpenAIServerControl, ReplyRuleInput } from './openai-server.ts';
import { type RecordedRequest, toPatternData } from './scenario.ts';

function serializable<Rule extends ReplyRuleInput | FaultRuleInput>(rule: Rule): Rule {
  const pattern = rule.when?.lastUserMessage;
  if (!(pattern instanceof RegExp)) return rule;
  return { ...rule, when: { ...rule.when, lastUserMessage: toPatternData(pattern) } };
}

/**
 * Controls an OpenAI test server from another process (a vitest worker when the server was
 * started in global setup, a bench script, an example) over its `/__control/*` endpoints.
 */
export function connectOpenAIControl(origin: string): OpenAIServerControl {
  const call = async (method: string, path: string, body?: unknown): Promise<unknown> => {
    const response = await fetch(`${origin}${path}`, {
      method,
      headers: { 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    if (!response.ok)
      throw new Error(`${method} ${path} answered ${response.status}: ${await response.text()}`);
    return response.json();
  };
  return {
    setRules: async (rules) => {
      await call('PUT', '/__control/rules', { rules: rules.map(serializable) });
    },
    addFault: async (fault) => {
      await call('POST', '/__control/faults', serializable(fault));
    },
    reset: async () => {
      await call('POST', '/__control/reset');
    },
    requests: async () =>
      ((await call('GET', '/__control/requests')) as { requests: RecordedRequest[] }).requests,
  };
}
