import { resolve } from 'node:path';
import { writeFileAtomic } from '@airlock/core';
import type { CommandDefinition } from '../command.ts';
import { releaseFromManifest } from './manifest-release.ts';
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
    const release = await releaseFromManifest(context, manifestPath, {
      commit: required('commit', options.commit),
      image: required('image', options.image),
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
