import { AirlockError } from '@airlock/core';
import type { EvalRun, StoredOutcome } from '@airlock/evals';
import type { CommandContext } from '../context.ts';

/** A stored eval run and its per-case outcomes, or a NOT_FOUND error that says where to look. */
export function requireEvalRun(
  context: CommandContext,
  id: string,
): { run: EvalRun; outcomes: StoredOutcome[] } {
  const runs = context.evalRuns();
  const run = runs.getRun(id);
  if (!run)
    throw new AirlockError('NOT_FOUND', `no eval run ${id} in this project's store (see airlock eval list)`);
  return { run, outcomes: runs.outcomes(id) };
}
