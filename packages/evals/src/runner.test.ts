import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createBundledPriceTable, requirePrice } from '@airlock/cost';
import { useOpenAIServer } from '@airlock/test-servers/vitest-hooks';
import { temporaryDirectory } from '@airlock/vitest-config/temp-dir';
import { describe, expect, it } from 'vitest';
import { createOpenAIProvider } from './openai-provider.ts';
import { type RunSuiteOptions, runSuite } from './runner.ts';
import { loadSuite } from './suite-file.ts';
import type { CaseResult, Suite } from './types.ts';

const model = 'openai/gpt-4o-mini-2024-07-18';
const server = useOpenAIServer([
  { when: { lastUserMessage: /revenue/i }, reply: 'Revenue increased 32% year-over-year, reaching $4.2M.' },
  { when: { lastUserMessage: /json/i }, reply: '{"name": "Bob", "customer_id": "c123"}' },
  { when: { lastUserMessage: /french/i }, reply: 'Bonjour le monde' },
  {
    when: { lastUserMessage: /^Rubric: .*polite/s },
    reply: '{"pass": true, "score": 0.9, "reason": "polite"}',
  },
  { when: { lastUserMessage: /^Rubric: /s }, reply: '{"pass": false, "score": 0.2, "reason": "rude"}' },
]);

function suiteFrom(yaml: string, files: Record<string, string> = {}): Suite {
  const dir = temporaryDirectory('airlock-evals-');
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  writeFileSync(join(dir, 'suite.yaml'), yaml);
  return loadSuite(join(dir, 'suite.yaml'));
}

async function run(suite: Suite, options: Partial<RunSuiteOptions> = {}): Promise<Map<string, CaseResult>> {
  const provider = createOpenAIProvider({ apiKey: 'test', baseURL: server.baseURL, timeoutMs: 2_000 });
  const results = new Map<string, CaseResult>();
  for await (const result of runSuite(suite, {
    provider,
    model,
    retry: { baseDelayMs: 1, maxDelayMs: 50 },
    ...options,
  })) {
    results.set(result.caseId, result);
  }
  return results;
}

const assertionCases = `
cases:
  - id: contains
    vars: { input: "Summarize: revenue up 32% to $4.2M" }
    assert: [{ type: contains, value: "4.2M" }]
  - id: contains-fails
    vars: { input: "Summarize: revenue up" }
    assert: [{ type: contains, value: "5.0M" }]
  - id: not-contains
    vars: { input: "revenue?" }
    assert: [{ type: not-contains, value: "competitor" }]
  - id: not-contains-fails
    vars: { input: "revenue?" }
    assert: [{ type: not-contains, value: "Revenue" }]
  - id: icontains
    vars: { input: "Translate to French: Hello world" }
    assert: [{ type: icontains, value: "BONJOUR" }]
  - id: icontains-fails
    vars: { input: "Translate to French: Hello world" }
    assert: [{ type: icontains, value: "hola" }]
  - id: equals
    vars: { input: "in french" }
    assert: [{ type: equals, value: "Bonjour le monde" }]
  - id: equals-fails
    vars: { input: "in french" }
    assert: [{ type: equals, value: "Bonjour" }]
  - id: equals-json
    vars: { input: "give json" }
    assert: [{ type: equals, value: { customer_id: c123, name: Bob } }]
  - id: regex
    vars: { input: "revenue" }
    assert: [{ type: regex, value: "\\\\d+%" }]
  - id: regex-fails
    vars: { input: "revenue" }
    assert: [{ type: regex, value: "/^bonjour/i" }]
  - id: is-json
    vars: { input: "json please" }
    assert: [{ type: is-json }]
  - id: is-json-fails
    vars: { input: "revenue" }
    assert: [{ type: is-json }]
  - id: json-schema
    vars: { input: "json please" }
    assert:
      - type: json-schema
        value: { type: object, required: [name, customer_id], properties: { name: { type: string } } }
  - id: json-schema-fails
    vars: { input: "json please" }
    assert:
      - type: json-schema
        value: { type: object, required: [email] }
  - id: max-words
    vars: { input: "in french" }
    assert: [{ type: max-words, value: 3 }]
  - id: max-words-fails
    vars: { input: "revenue" }
    assert: [{ type: max-words, value: 3 }]
  - id: max-chars
    vars: { input: "in french" }
    assert: [{ type: max-chars, value: 16 }]
  - id: max-chars-fails
    vars: { input: "in french" }
    assert: [{ type: max-chars, value: 15 }]
  - id: latency-ms
    vars: { input: "in french" }
    assert: [{ type: latency-ms, value: 5000 }]
  - id: latency-ms-fails
    vars: { input: "in french" }
    assert: [{ type: latency-ms, value: 0 }]
  - id: cost-usd
    vars: { input: "in french" }
    assert: [{ type: cost-usd, value: 0.01 }]
  - id: cost-usd-fails
    vars: { input: "in french" }
    assert: [{ type: cost-usd, value: 0.0000001 }]
  - id: javascript
    vars: { input: "in french", expected: "Bonjour" }
    assert: [{ type: javascript, value: ./check.mjs }]
  - id: javascript-fails
    vars: { input: "revenue", expected: "Bonjour" }
    assert: [{ type: javascript, value: ./check.mjs }]
  - id: llm-rubric
    vars: { input: "in french" }
    assert: [{ type: llm-rubric, value: "The answer is polite." }]
  - id: llm-rubric-fails
    vars: { input: "in french" }
    assert: [{ type: llm-rubric, value: "The answer is in German." }]
  - id: not-llm-rubric
    vars: { input: "in french" }
    assert: [{ type: not-llm-rubric, value: "The answer is in German." }]
  - id: threshold-partial
    vars: { input: "revenue" }
    threshold: 0.6
    assert:
      - { type: contains, value: "4.2M", weight: 3 }
      - { type: contains, value: "Q3", weight: 1 }
`;

const checkModule = `export default (output, { vars }) => ({ pass: output.includes(vars.expected), reason: 'looked for ' + vars.expected });\n`;

describe('assertions through the openai SDK and the test server', () => {
  it('each assertion type passes and fails as written', async () => {
    const suite = suiteFrom(assertionCases, { 'check.mjs': checkModule });
    const price = requirePrice(createBundledPriceTable(), model);
    const results = await run(suite, { price });
    expect(results.size).toBe(suite.cases.length);
    for (const [id, result] of results) {
      expect(
        result.status,
        `${id}: ${result.checks.map((check) => check.reason).join('; ')} ${result.error ?? ''}`,
      ).toBe(id.endsWith('-fails') ? 'fail' : 'pass');
    }
    const partial = results.get('threshold-partial');
    expect(partial?.score).toBeCloseTo(0.75);
    expect(partial?.checks.map((check) => check.pass)).toEqual([true, false]);
    // Cost comes from the provider's usage and the bundled price of the pinned model.
    const contains = results.get('contains');
    expect(contains?.usage?.inputTokens).toBeGreaterThan(0);
    expect(contains?.usageEstimated).toBeUndefined();
    expect(contains?.costUsd).toBeGreaterThan(0);
    expect(contains?.parameters).toEqual({});
  });

  it('records temperature, seed and max tokens with each result, and sends them', async () => {
    const suite = suiteFrom(`
parameters: { temperature: 0, seed: 42, max_tokens: 64 }
cases:
  - id: one
    vars: { input: "revenue" }
    assert: [{ type: contains, value: "4.2M" }]
`);
    const results = await run(suite);
    expect(results.get('one')?.parameters).toEqual({ temperature: 0, seed: 42, maxTokens: 64 });
    const [request] = await server.requests();
    expect(request?.body).toMatchObject({
      model: 'gpt-4o-mini-2024-07-18',
      temperature: 0,
      seed: 42,
      max_tokens: 64,
    });
  });
});

describe('provider faults', () => {
  const oneCase = `
cases:
  - id: one
    vars: { input: "revenue" }
    assert: [{ type: contains, value: "4.2M" }]
`;

  it('retries a 429 after its retry-after, then passes', async () => {
    await server.addFault({ fault: { kind: 'status', status: 429, retryAfterSeconds: 1 }, times: 1 });
    const waits: number[] = [];
    const results = await run(suiteFrom(oneCase), {
      retry: { baseDelayMs: 1, maxDelayMs: 5_000 },
      sleep: async (ms) => {
        waits.push(ms);
      },
    });
    expect(results.get('one')?.status).toBe('pass');
    expect(results.get('one')?.attempts).toBe(2);
    expect(waits).toEqual([1000]);
  });

  it('counts a 500 storm as errors, never as passes', async () => {
    await server.addFault({ fault: { kind: 'status', status: 500 } });
    const results = await run(suiteFrom(oneCase), { retry: { attempts: 3, baseDelayMs: 1, maxDelayMs: 5 } });
    const result = results.get('one');
    expect(result?.status).toBe('error');
    expect(result?.attempts).toBe(3);
    expect(result?.error).toMatch(/^server: HTTP 500 injected HTTP 500 \(3 attempts\)$/);
  });

  it('counts a truncated stream as an error, and a cut whole answer too', async () => {
    const streaming = createOpenAIProvider({ apiKey: 'test', baseURL: server.baseURL, stream: true });
    await server.addFault({ fault: { kind: 'truncate', afterChunks: 1 }, times: 1 });
    const streamed = await run(suiteFrom(oneCase), { provider: streaming, retry: { attempts: 1 } });
    expect(streamed.get('one')?.status).toBe('error');
    expect(streamed.get('one')?.error).toMatch(/^truncated/);
    await server.addFault({ fault: { kind: 'truncate' }, times: 1 });
    const whole = await run(suiteFrom(oneCase), { retry: { attempts: 1 } });
    expect(whole.get('one')?.status).toBe('error');
    expect(whole.get('one')?.error).toMatch(/^truncated/);
    // Retried, the same cut passes on the next attempt.
    await server.addFault({ fault: { kind: 'truncate', afterChunks: 1 }, times: 1 });
    const retried = await run(suiteFrom(oneCase), { provider: streaming });
    expect(retried.get('one')).toMatchObject({ status: 'pass', attempts: 2 });
  });

  it('streams answers when asked, with usage from the last chunk', async () => {
    const streaming = createOpenAIProvider({ apiKey: 'test', baseURL: server.baseURL, stream: true });
    const results = await run(suiteFrom(oneCase), { provider: streaming });
    expect(results.get('one')?.status).toBe('pass');
    expect(results.get('one')?.usage?.outputTokens).toBeGreaterThan(0);
    expect((await server.requests())[0]?.body).toMatchObject({
      stream: true,
      stream_options: { include_usage: true },
    });
  });

  it('a javascript check that never returns fails only its own case', async () => {
    const suite = suiteFrom(
      `
cases:
  - id: loops
    vars: { input: "revenue" }
    assert: [{ type: javascript, value: ./loop.mjs }]
  - id: fine
    vars: { input: "revenue" }
    assert: [{ type: contains, value: "4.2M" }]
  - id: fine-js
    vars: { input: "in french", expected: "Bonjour" }
    assert: [{ type: javascript, value: ./check.mjs }]
`,
      { 'loop.mjs': 'export default () => { for (;;) {} };\n', 'check.mjs': checkModule },
    );
    const results = await run(suite, { javascriptTimeoutMs: 300 });
    expect(results.get('loops')?.status).toBe('fail');
    expect(results.get('loops')?.checks[0]?.reason).toMatch(/did not return within 300 ms/);
    expect(results.get('fine')?.status).toBe('pass');
    expect(results.get('fine-js')?.status).toBe('pass');
  });

  it('stops with an error when the provider cannot be reached at all', async () => {
    const suite = suiteFrom(oneCase);
    const provider = createOpenAIProvider({
      apiKey: 'test',
      baseURL: 'http://127.0.0.1:9/v1',
      timeoutMs: 1_000,
    });
    const consume = async () => {
      for await (const _ of runSuite(suite, { provider, model, retry: { attempts: 1 } })) {
        // nothing
      }
    };
    await expect(consume()).rejects.toMatchObject({ code: 'UPSTREAM_FAILED' });
  });

  it('refuses a floating model id before any call', async () => {
    await expect(run(suiteFrom(oneCase), { model: 'openai/gpt-4o' })).rejects.toThrow(/not pinned/);
    expect(await server.requests()).toEqual([]);
  });
});

describe('suites as users write them', () => {
  it('takes a prompt as plain text and names id-less rows by their content', async () => {
    const dir = temporaryDirectory('airlock-evals-');
    writeFileSync(join(dir, 'rows.jsonl'), '{"question":"revenue?"}\n{"question":"french?"}\n');
    writeFileSync(
      join(dir, 'suite.yaml'),
      'prompt: "Answer: {{question}}"\ndataset: rows.jsonl\ndefaults:\n  assert: [{ type: contains, value: Revenue }]\n',
    );
    const suite = loadSuite(join(dir, 'suite.yaml'), { cwd: dir });
    expect(suite.prompt).toEqual([{ role: 'user', content: 'Answer: {{question}}' }]);
    const ids = suite.cases.map((item) => item.id);
    expect(ids[0]).toMatch(/^rows\.jsonl#[0-9a-f]{12}$/);
    // A row inserted above does not rename the others.
    writeFileSync(
      join(dir, 'rows.jsonl'),
      '{"question":"new?"}\n{"question":"revenue?"}\n{"question":"french?"}\n',
    );
    expect(
      loadSuite(join(dir, 'suite.yaml'), { cwd: dir })
        .cases.map((item) => item.id)
        .slice(1),
    ).toEqual(ids);
  });

  it('locates a case whose variables the prompt needs but it lacks', async () => {
    const suite = suiteFrom(`
prompt: "{{question}} in {{locale}}"
cases:
  - id: a
    vars: { question: "revenue?" }
    assert: [{ type: contains, value: x }]
`);
    await expect(run(suite)).rejects.toThrow(/suite\.yaml:4:5: case "a" needs \{\{locale\}\}/);
  });
});
