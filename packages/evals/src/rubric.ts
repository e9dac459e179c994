import type { AssertionInput, RawVerdict } from './assertions.ts';
import { parseJsonOutput } from './assertions.ts';
import type { Assertion, Completion, CompletionRequest } from './types.ts';

/** The judge's instructions: grade one output against one rubric, answer in JSON. */
export function rubricMessages(rubric: string, output: string): CompletionRequest['messages'] {
  return [
    {
      role: 'system',
      content:
        'You grade an AI assistant\'s output against a rubric. Reply with JSON only: {"pass": true|false, "score": <number from 0 to 1>, "reason": "<one sentence>"}.',
    },
    { role: 'user', content: `Rubric: ${rubric}\n\nOutput:\n${output}` },
  ];
}

/** Reads the judge's answer; an answer that is not the asked-for JSON fails the check, never passes it. */
export function verdictFromJudge(answer: string): RawVerdict {
  const parsed = parseJsonOutput(answer);
  const value = parsed.ok
    ? (parsed.value as { pass?: unknown; score?: unknown; reason?: unknown })
    : undefined;
  if (!value || typeof value !== 'object' || typeof value.pass !== 'boolean') {
    return {
      pass: false,
      indeterminate: true,
      reason: `the judge did not answer with {"pass", "score", "reason"}: ${answer.slice(0, 120)}`,
    };
  }
  const score = typeof value.score === 'number' ? Math.min(1, Math.max(0, value.score)) : value.pass ? 1 : 0;
  return {
    pass: value.pass,
    score,
    reason: `judge: ${typeof value.reason === 'string' ? value.reason : value.pass ? 'meets the rubric' : 'does not meet the rubric'}`,
  };
}

/** `llm-rubric`: the judge model is called through the same provider layer (retries, replay, record). */
export function createRubricCheck(
  complete: (request: Omit<CompletionRequest, 'model'>) => Promise<Completion>,
): (assertion: Assertion, input: AssertionInput) => Promise<RawVerdict> {
  return async (assertion, input) => {
    try {
      const answer = await complete({
        messages: rubricMessages(String(assertion.value), input.output),
        parameters: { temperature: 0 },
      });
      return verdictFromJudge(answer.output);
    } catch (error) {
      return {
        pass: false,
        indeterminate: true,
        reason: `the judge could not be asked: ${error instanceof Error ? error.message : String(error)}`,
      };
    }
  };
}
