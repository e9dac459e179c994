import { type LintReport, lintManifest, loadManifestSources, loadPreviousRelease } from '@airlock/registry';
import type { CommandDefinition } from '../command.ts';
import { datasetPinCheck } from './dataset-pin-check.ts';
import { actorOption } from './shared-options.ts';

function summary(report: LintReport): string {
  const passed = report.checks.filter((check) => check.status === 'pass').length;
  const skipped = report.checks.filter((check) => check.status === 'skipped').map((check) => check.check);
  return `${passed} checks passed${skipped.length > 0 ? `, ${skipped.length} skipped (${skipped.join(', ')})` : ''}`;
}

export const policyLintCommand: CommandDefinition = {
  words: ['policy', 'lint'],
  summary: 'check a feature manifest against every release rule (exit 1 with every finding)',
  description:
    'Checks: model and fallback pinned, approved for the risk tier and not past end of life; the\n' +
    'prompt version exists and renders with every eval case; datasets present and unchanged; no\n' +
    'personal data or secrets in eval data; and, with --against, never a prompt change and a model\n' +
    'change in one release unless --emergency (recorded in the audit log).',
  options: {
    against: {
      type: 'string',
      valueName: 'file',
      description: 'the deployed release (JSON) or previous manifest',
    },
    emergency: {
      type: 'boolean',
      description: 'the emergency path: allow a prompt+model change, and record it',
    },
    actor: actorOption,
  },
  positionals: [{ name: 'manifest', description: 'features/<name>.yaml', required: true }],
  examples: [
    { command: 'airlock policy lint features/support-bot.yaml', description: 'in CI, before merge' },
    {
      command: 'airlock policy lint features/support-bot.yaml --against deployed-release.json',
      description: 'also compare with what runs in production',
    },
  ],
  async run(context, options, [manifestPath = '']) {
    const config = context.config();
    const sources = loadManifestSources(manifestPath, { root: config.root, cwd: context.io.cwd });
    const previous =
      typeof options.against === 'string' ? loadPreviousRelease(options.against, context.io.cwd) : undefined;
    const emergency = options.emergency === true;
    const registry = context.registry();
    const report = await lintManifest(registry, sources, {
      day: new Date().toISOString().slice(0, 10),
      emergency,
      checkDatasetPin: datasetPinCheck(context),
      ...(previous ? { previous } : {}),
    });
    if (report.emergencyUsed && report.ok) {
      await registry.record({
        actor: context.actor(options.actor),
        action: 'policy.emergency',
        subject: sources.manifest.feature,
        details: {
          manifest: sources.file,
          prompt: sources.manifest.prompt,
          model: sources.manifest.model,
          against: previous?.file ?? null,
        },
      });
    }
    const { output } = context;
    output.result(report, () => [
      ...report.findings.map(
        (finding) =>
          `${finding.severity === 'error' ? output.red('error') : output.yellow('warning')}: ${finding.file}:${finding.line}:${finding.column}: ${finding.message} [${finding.check}]`,
      ),
      report.ok
        ? `${output.green('ok')} ${report.feature}: ${summary(report)}${report.emergencyUsed ? ' (emergency path recorded)' : ''}`
        : `${output.red('blocked')} ${report.feature}: ${report.findings.filter((finding) => finding.severity === 'error').length} problem(s)`,
    ]);
    return report.ok ? 0 : 1;
  },
};
