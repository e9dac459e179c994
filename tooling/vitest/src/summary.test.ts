import { describe, expect, it } from 'vitest';
import { addResults, formatSummaryLine, type TestTotals } from './summary.ts';

const empty: TestTotals = { passed: 0, failed: 0, skipped: 0, missing: [] };
const results = (passed: number, failed: number, pending = 0, todo = 0) => ({
  numPassedTests: passed,
  numFailedTests: failed,
  numPendingTests: pending,
  numTodoTests: todo,
  success: failed === 0,
});

describe('test summary', () => {
  it('adds the counts of every package', () => {
    const totals = addResults(addResults(empty, results(3, 0)), results(4, 2));
    expect(formatSummaryLine(totals)).toBe('7 passed, 2 failed');
  });

  it('mentions skipped tests only when there are some', () => {
    const totals = addResults(empty, results(5, 0, 1, 1));
    expect(formatSummaryLine(totals)).toBe('5 passed, 0 failed, 2 skipped');
  });
});
