import { resolve } from 'node:path';
import { AirlockError, writeFileAtomic } from '@airlock/core';
import { computeRelease, lintManifest, loadManifestSources, parsePromptRef } from '@airlock/registry';
import type { CommandDefinition } from '../command.ts';
import { datasetPinCheck } from './dataset-pin-check.ts';
import { required } from './shared-options.ts';

export const registryReleaseCommand: CommandDefinition = {
  words: ['registry', 'release'],
  summary: 'compute the release a manifest, commit and image make (after policy lint passes)',
  description:
    'A release binds the model, fallback, prompt version and hash, commit, image and the digests of\n' +
    'the datasets and eval suites. Its id is model/snapshot/vN (e.g. gpt-4o/2024-11-20/v3).',
  options: {
    commit: { type: 'string', valueName: 'sha', description: 'the git commit' },
    image: { type: 'string', valueName: 'ref', description: 'the image, tagged with the commit SHA' },
    out: { type: 'string', valueName: 'file', description: 'also write the release JSON here' },
  },
  positionals: [{ name: 'manifest', description: 'features/<name>.yaml', required: true }],
  examples: [
    {
      command:
        'airlock registry release features/support-bot.yaml --commit $GITHUB_SHA --image ghcr.io/org/bot:$GITHUB_SHA',
      description: 'in CI, after the image is built',
    },
  ],
  async run(context, options, [manifestPath = '']) {
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
      throw new AirlockError(
        'CHECK_FAILED',
        `${sources.file} does not pass policy lint; no release computed`,
        {
          issues: errors.map((finding) => ({
            file: finding.file,
            line: finding.line,
            column: finding.column,
            message: `${finding.message} [${finding.check}]`,
          })),
        },
      );
    }
    const ref = parsePromptRef(sources.manifest.prompt);
    const prompt = await context.registry().getPrompt(ref.name, { version: ref.version });
    const release = computeRelease({
      manifest: sources.manifest,
      commit: required('commit', options.commit),
      image: required('image', options.image),
      promptSha256: prompt.sha256,
      datasets: sources.datasets.map((file) => ({ name: file.name, sha256: file.sha256 ?? '' })),
      evalSuites: sources.suites.map((file) => ({ name: file.name, sha256: file.sha256 ?? '' })),
    });
    if (typeof options.out === 'string') {
      writeFileAtomic(resolve(context.io.cwd, options.out), `${JSON.stringify(release, null, 2)}\n`);
    }
    context.output.result(release, () => [
      `release ${context.output.bold(release.id)}`,
      `digest  ${release.digest}`,
      `image   ${release.image}`,
      ...(typeof options.out === 'string' ? [`written ${options.out}`] : []),
    ]);
    return 0;
  },
};
