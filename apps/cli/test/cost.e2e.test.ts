import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { temporaryDirectory } from '@airlock/vitest-config/temp-dir';
import { describe, expect, it } from 'vitest';
import { runCli } from './cli-process.ts';

describe('airlock cost, as a process', () => {
  it('estimates seed 003’s example and names the prices’ date and source', async () => {
    const cwd = temporaryDirectory('airlock-cost-');
    const result = await runCli(
      [
        'cost',
        'estimate',
        '--model',
        'openai/gpt-4o-2024-11-20',
        '--requests',
        '1000000',
        '--input-tokens',
        '500',
        '--output-tokens',
        '150',
        '--json',
      ],
      { cwd },
    );
    expect(result.code).toBe(0);
    const estimate = JSON.parse(result.stdout);
    // By hand from the table's gpt-4o entry ($2.50 in, $10 out per million): 500M × 2.5 + 150M × 10.
    expect(estimate).toMatchObject({
      monthlyInputCost: 1250,
      monthlyOutputCost: 1500,
      totalMonthlyCost: 2750,
      costPerRequest: 0.00275,
    });
    const human = await runCli(
      [
        'cost',
        'estimate',
        '--model',
        'openai/gpt-4o-2024-11-20',
        '--requests',
        '1000000',
        '--input-tokens',
        '500',
        '--output-tokens',
        '150',
      ],
      { cwd },
    );
    expect(human.stdout).toMatch(/^total {4}\$2,750\.00 \/ month \(\$0\.00275 per request\)$/m);
    expect(human.stdout).toMatch(
      /^prices as of \d{4}-\d{2}-\d{2} from @pydantic\/genai-prices \d+\.\d+\.\d+ \(bundled\)$/m,
    );
  });

  it('uses an override file from airlock.yaml; unknown models and malformed files are exit 2', async () => {
    const cwd = temporaryDirectory('airlock-cost-');
    writeFileSync(join(cwd, 'airlock.yaml'), 'prices:\n  overrides: prices.yaml\n');
    writeFileSync(
      join(cwd, 'prices.yaml'),
      'as_of: 2026-11-01\nsource: contract 42\nmodels:\n  self-hosted/llama-3-70b-2024-07-01: { input: 0.8, output: 0.8 }\n',
    );
    const own = await runCli(
      [
        'cost',
        'estimate',
        '--model',
        'self-hosted/llama-3-70b-2024-07-01',
        '--requests',
        '1000',
        '--input-tokens',
        '1000',
        '--output-tokens',
        '250',
        '--json',
      ],
      { cwd },
    );
    expect(JSON.parse(own.stdout)).toMatchObject({
      totalMonthlyCost: 1,
      priceSource: 'contract 42',
      pricesAsOf: '2026-11-01',
    });

    const unknown = await runCli(
      [
        'cost',
        'estimate',
        '--model',
        'openai/gpt-4o-2024-11-21',
        '--requests',
        '1',
        '--input-tokens',
        '1',
        '--output-tokens',
        '1',
      ],
      { cwd },
    );
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(
      /^error: no price for openai\/gpt-4o-2024-11-21 in .*; close ids: openai\/gpt-4o-2024-11-20/,
    );

    writeFileSync(
      join(cwd, 'prices.yaml'),
      'as_of: soon\nsource: x\nmodels:\n  llama: { input: 1, output: 1 }\n',
    );
    const malformed = await runCli(['cost', 'prices'], { cwd });
    expect(malformed.code).toBe(2);
    expect(malformed.stderr.trim().split('\n')).toEqual([
      'error: prices.yaml:1:8: as_of: expected the date the prices were taken, YYYY-MM-DD',
      'error: prices.yaml:4:3: key "llama" in models: expected provider/model',
    ]);
  });

  it('counts tokens with the real tokenizer', async () => {
    const cwd = temporaryDirectory('airlock-cost-');
    writeFileSync(join(cwd, 'prompt.txt'), 'tiktoken is great!');
    const result = await runCli(['cost', 'tokens', 'prompt.txt', '--model', 'openai/gpt-4-0613', '--json'], {
      cwd,
    });
    expect(JSON.parse(result.stdout)).toMatchObject({ tokens: 6, encoding: 'cl100k_base', exact: true });
  });
});

describe('airlock cost diff', () => {
  it('prints the Markdown delta table between two manifests, fallback share included', async () => {
    const cwd = temporaryDirectory('airlock-cost-');
    const manifest = (model: string) =>
      `feature: support-bot\nrisk_tier: low\nmodel: ${model}\nfallback_model: openai/gpt-4o-mini-2024-07-18\nprompt: answer@1\n`;
    writeFileSync(join(cwd, 'main.yaml'), manifest('openai/gpt-4o-mini-2024-07-18'));
    writeFileSync(join(cwd, 'pr.yaml'), manifest('openai/gpt-4o-2024-11-20'));
    const result = await runCli(
      [
        'cost',
        'diff',
        'main.yaml',
        'pr.yaml',
        '--requests',
        '1000000',
        '--input-tokens',
        '500',
        '--output-tokens',
        '150',
        '--fallback-share',
        '0.1',
        '--markdown',
      ],
      { cwd },
    );
    expect(result.code).toBe(0);
    // PR: 90% gpt-4o ($0.00275) + 10% mini ($0.000165) = $0.0024915 per request.
    expect(result.stdout).toContain(
      '| Fallback | openai/gpt-4o-mini-2024-07-18 (10%) | openai/gpt-4o-mini-2024-07-18 (10%) | |',
    );
    expect(result.stdout).toContain('| Cost / month | $165.00 | $2,491.50 | +$2,326.50 (+1410.0%) |');

    // The candidate's monthly budget is a gate; the text table signs deltas as Markdown does.
    writeFileSync(
      join(cwd, 'pr.yaml'),
      `${manifest('openai/gpt-4o-2024-11-20')}budgets:\n  monthly_usd_max: 2000\n`,
    );
    const traffic = [
      '--requests',
      '1000000',
      '--input-tokens',
      '500',
      '--output-tokens',
      '150',
      '--fallback-share',
      '0.1',
    ];
    const over = await runCli(['cost', 'diff', 'main.yaml', 'pr.yaml', ...traffic], { cwd });
    expect(over.code).toBe(1);
    expect(over.stdout).toMatch(
      /fallback +openai\/gpt-4o-mini-2024-07-18 \(10%\) +openai\/gpt-4o-mini-2024-07-18 \(10%\)/,
    );
    expect(over.stdout).toMatch(/per month +\$165\.00 +\$2,491\.50 +\+\$2,326\.50 \(\+1410\.0%\)/);
    expect(over.stdout).toContain("over the candidate's monthly budget of $2,000.00 ($2,491.50 / month)");
    const back = await runCli(['cost', 'diff', 'pr.yaml', 'main.yaml', ...traffic], { cwd });
    expect(back.code).toBe(0);
    expect(back.stdout).toMatch(/per month +\$2,491\.50 +\$165\.00 +-\$2,326\.50/);
    const unknown = await runCli(
      [
        'cost',
        'diff',
        'main.yaml',
        'openai/gpt-9',
        '--requests',
        '1',
        '--input-tokens',
        '1',
        '--output-tokens',
        '1',
      ],
      { cwd },
    );
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/^error: no price for openai\/gpt-9 in .*close ids: /);
  });
});
