// A stand-in for the hosted model, so the example's gate runs offline on a fresh machine: a small
// OpenAI-compatible server (POST /v1/chat/completions, GET /v1/models) that answers support
// questions *extractively* from the facts in the system prompt. It is deterministic and not a
// language model: it picks the fact lines whose topics the question mentions and returns them.
// That is enough to make the gate honest — a prompt that drops a fact makes the answers that
// needed it fail, exactly as a hosted model would — without an API key.
//
// The prompt's facts look like `- <fact> [topics: refund, money back, rembours]`; a topic
// matches when the lower-cased question contains it. Requests that try to extract the
// instructions or someone's credentials get a refusal, as the prompt's rules ask.
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

interface ChatMessage {
  role: string;
  content: string;
}

interface Fact {
  text: string;
  topics: string[];
}

const factLine = /^\s*-\s+(.+?)\s*\[topics:\s*([^\]]+)\]\s*$/;

/** The fact lines of a system prompt. */
export function factsOf(system: string): Fact[] {
  const facts: Fact[] = [];
  for (const line of system.split('\n')) {
    const match = factLine.exec(line);
    if (!match?.[1] || !match[2]) continue;
    facts.push({
      text: match[1],
      topics: match[2]
        .split(',')
        .map((topic) => topic.trim().toLowerCase())
        .filter(Boolean),
    });
  }
  return facts;
}

const extraction =
  /(ignore (all |the )?(previous|prior|above) instructions|system prompt|your instructions|reveal your prompt|ignorez? les instructions|ignoriere)/i;
const credentials =
  /(someone else'?s|another user'?s|my colleague'?s|d'un autre|eines anderen).*(password|mot de passe|passwort)/i;

const refusal = "I can't help with that, but I'm happy to help with your own Acme Cloud account.";
const handover = "I don't have an answer for that yet, so I'm handing you over to a human agent.";

/** The answer to a question, given the system prompt: at most two fact lines, best match first. */
export function answer(system: string, question: string): string {
  if (extraction.test(question) || credentials.test(question)) return refusal;
  const text = question.toLowerCase();
  const scored = factsOf(system)
    .map((fact, index) => ({
      fact,
      index,
      score: fact.topics.filter((topic) => text.includes(topic)).length,
    }))
    .filter((entry) => entry.score > 0)
    .sort((a, b) => b.score - a.score || a.index - b.index)
    .slice(0, 2);
  if (scored.length === 0) return handover;
  return scored.map((entry) => entry.fact.text).join(' ');
}

const tokens = (text: string) => Math.max(1, Math.ceil(text.length / 4));

/** A latency that looks like a hosted model's (longer answers take longer) but is repeatable. */
function latencyMs(question: string, reply: string, scale: number): number {
  const jitter = createHash('sha256').update(question).digest()[0] ?? 0;
  return Math.round((8 + reply.length / 12 + jitter / 16) * scale);
}

export interface LocalModel {
  /** The OpenAI-compatible base URL, e.g. http://127.0.0.1:41234/v1. */
  url: string;
  /** Chat requests answered so far. */
  requests(): number;
  close(): Promise<void>;
}

export interface LocalModelOptions {
  port?: number;
  /** Multiplies the simulated latency (0: answer at once). Default 1. */
  latencyScale?: number;
}

function send(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(JSON.stringify(body));
}

async function bodyOf(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
}

/** Starts the stand-in model on 127.0.0.1 (a free port unless one is given). */
export async function startLocalModel(options: LocalModelOptions = {}): Promise<LocalModel> {
  const scale = options.latencyScale ?? 1;
  let answered = 0;
  const server = createServer((request, response) => {
    void (async () => {
      if (request.method === 'GET' && request.url === '/v1/models') {
        send(response, 200, { object: 'list', data: [] });
        return;
      }
      if (request.method !== 'POST' || request.url !== '/v1/chat/completions') {
        send(response, 404, { error: { message: `no route ${request.method} ${request.url}` } });
        return;
      }
      let body: { model?: string; messages?: ChatMessage[]; stream?: boolean };
      try {
        body = (await bodyOf(request)) as typeof body;
      } catch {
        send(response, 400, { error: { message: 'the body is not JSON' } });
        return;
      }
      const messages = Array.isArray(body.messages) ? body.messages : [];
      if (body.stream === true) {
        send(response, 400, { error: { message: 'this stand-in model does not stream; set stream: false' } });
        return;
      }
      const system = messages
        .filter((message) => message.role === 'system')
        .map((message) => message.content)
        .join('\n');
      const question = [...messages].reverse().find((message) => message.role === 'user')?.content ?? '';
      const reply = answer(system, question);
      answered += 1;
      await new Promise((resolve) => setTimeout(resolve, latencyMs(question, reply, scale)));
      const promptTokens = messages.reduce((sum, message) => sum + tokens(message.content) + 4, 0);
      send(response, 200, {
        id: `chatcmpl-local-${answered}`,
        object: 'chat.completion',
        created: Math.floor(Date.now() / 1000),
        model: body.model ?? 'unknown',
        choices: [{ index: 0, message: { role: 'assistant', content: reply }, finish_reason: 'stop' }],
        usage: {
          prompt_tokens: promptTokens,
          completion_tokens: tokens(reply),
          total_tokens: promptTokens + tokens(reply),
        },
      });
    })().catch((error: unknown) => send(response, 500, { error: { message: String(error) } }));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests: () => answered,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
