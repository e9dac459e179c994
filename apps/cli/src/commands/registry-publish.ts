import { resolve } from 'node:path';
import { type RegistryFile, readRegistryFile } from '@airlock/registry';
import type { CommandDefinition } from '../command.ts';
import { actorOption } from './shared-options.ts';

export const registryPublishCommand: CommandDefinition = {
  words: ['registry', 'publish'],
  summary: 'publish model and prompt files (idempotent; every file is validated before any is stored)',
  options: { actor: actorOption },
  positionals: [{ name: 'file', description: 'model or prompt YAML files', required: true, variadic: true }],
  examples: [
    {
      command: 'airlock registry publish models/*.yaml prompts/*.yaml',
      description: 'sync the registry from the repo',
    },
  ],
  async run(context, options, files) {
    // Every file is read and validated first: one bad file means nothing is published.
    const parsed: RegistryFile[] = files.map((file) => readRegistryFile(resolve(context.io.cwd, file), file));
    const actor = context.actor(options.actor);
    const registry = context.registry();
    // Then every model is checked against the registry (pinned, not registered with other details).
    for (const item of parsed) {
      if (item.kind !== 'model') continue;
      await registry.checkAddModel({
        id: item.model.id,
        ...(item.model.description === undefined ? {} : { description: item.model.description }),
        ...(item.model.context_window === undefined ? {} : { contextWindow: item.model.context_window }),
      });
    }
    const results: { file: string; kind: string; subject: string; created: boolean }[] = [];
    for (const item of parsed) {
      if (item.kind === 'model') {
        const { model, created } = await registry.addModel({
          id: item.model.id,
          actor,
          ...(item.model.description === undefined ? {} : { description: item.model.description }),
          ...(item.model.context_window === undefined ? {} : { contextWindow: item.model.context_window }),
        });
        results.push({ file: item.file, kind: 'model', subject: model.id, created });
      } else {
        const { prompt, created } = await registry.publishPrompt(item.prompt, actor);
        results.push({
          file: item.file,
          kind: 'prompt',
          subject: `${prompt.name}@${prompt.version}`,
          created,
        });
      }
    }
    context.output.result({ results }, () =>
      results.map(
        (result) =>
          `${result.created ? context.output.green('published') : 'unchanged'}  ${result.subject}  (${result.file})`,
      ),
    );
    return 0;
  },
};
