import { AirlockError } from '@airlock/core';
import {
  computeRelease,
  lintManifest,
  loadManifestSources,
  parsePromptRef,
  type Release,
} from '@airlock/registry';
import type { CommandContext } from '../context.ts';
import { datasetPinCheck } from './dataset-pin-check.ts';

/**
 * The release a manifest, commit and image make — only when the manifest passes policy lint
 * (pinned, approved, unchanged data). `registry release` prints it; `deploy record` records it.
 */
export async function releaseFromManifest(
  context: CommandContext,
  manifestPath: string,
  build: { commit: string; image: string },
): Promise<Release> {
  const config = context.config();
  const sources = loadManifestSources(manifestPath, { root: config.root, cwd: context.io.cwd });
  const missing = [...sources.datasets, ...sources.suites].filter((file) => file.sha256 === undefined);
  if (missing.length > 0) {
    throw new AirlockError(
      'NOT_FOUND',
      `files the manifest names do not exist: ${missing.map((file) => file.display).join(', ')}`,
    );
  }
  // A release is only made of what policy lint accepts: pinned, approved, unchanged data.
  const report = await lintManifest(context.registry(), sources, {
    day: new Date().toISOString().slice(0, 10),
    checkDatasetPin: datasetPinCheck(context),
  });
  if (!report.ok) {
    const errors = report.findings.filter((finding) => finding.severity === 'error');
    throw new AirlockError('CHECK_FAILED', `${sources.file} does not pass policy lint; no release computed`, {
      issues: errors.map((finding) => ({
        file: finding.file,
        line: finding.line,
        column: finding.column,
        message: `${finding.message} [${finding.check}]`,
      })),
    });
  }
  const ref = parsePromptRef(sources.manifest.prompt);
  const prompt = await context.registry().getPrompt(ref.name, { version: ref.version });
  return computeRelease({
    manifest: sources.manifest,
    commit: build.commit,
    image: build.image,
    promptSha256: prompt.sha256,
    datasets: sources.datasets.map((file) => ({ name: file.name, sha256: file.sha256 ?? '' })),
    evalSuites: sources.suites.map((file) => ({ name: file.name, sha256: file.sha256 ?? '' })),
  });
}
