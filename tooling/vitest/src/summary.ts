/** The counts that vitest's JSON reporter writes (the jest-compatible shape). */
export interface VitestResults {
  numPassedTests: number;
  numFailedTests: number;
  numPendingTests: number;
  numTodoTests: number;
  success: boolean;
}

/** Totals over all packages; a package whose results are missing counts as a failed package. */
export interface TestTotals {
  passed: number;
  failed: number;
  skipped: number;
  missing: string[];
}

export function addResults(totals: TestTotals, results: VitestResults): TestTotals {
  return {
    passed: totals.passed + results.numPassedTests,
    failed: totals.failed + results.numFailedTests,
    skipped: totals.skipped + results.numPendingTests + results.numTodoTests,
    missing: totals.missing,
  };
}

/** The one line CI reads: `N passed, N failed` with `, N skipped` only when something was skipped. */
export function formatSummaryLine(totals: TestTotals): string {
  const line = `${totals.passed} passed, ${totals.failed} failed`;
  return totals.skipped > 0 ? `${line}, ${totals.skipped} skipped` : line;
}
