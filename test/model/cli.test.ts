import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/index.js';
import { runCli } from '../cli/helpers.js';
import { fillStore, syntheticLeads } from './fixture.js';

/** The commands as a user runs them: the real CLI in a child process, on a store filled beforehand. */
describe('leadscore model train / status / suggest', () => {
  const dir = mkdtempSync(join(tmpdir(), 'leadscore-model-cli-'));
  const config = join(dir, 'leadscore.yaml');

  beforeAll(() => {
    writeFileSync(
      config,
      `database: ./leadscore.db\nrules: ${join(process.cwd(), 'config/rules.default.yaml')}\n`,
    );
    const store = openStore(join(dir, 'leadscore.db'));
    // Dated relative to the real clock: the CLI labels as of now.
    const leads = syntheticLeads({ leads: 400, seed: 4, now: Date.now() });
    fillStore(store, leads);
    store.close();
  });

  it('given no model, when status runs, then it says scoring is rule-only', () => {
    const result = runCli(['--config', config, 'model', 'status']);
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toContain('rule-only');
  });

  it('given fewer conversions than --min-positives, when train runs, then it exits 1 with the coded error and the counts', () => {
    const result = runCli(['--config', config, 'model', 'train', '--min-positives', '100000']);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('ERR_MODEL_TOO_FEW_LABELS');
    expect(result.stderr).toMatch(/\d+ conversions/);
    expect(result.stderr).toContain('scoring stays rule-only');
  });

  it('given enough history, when train then status --json and suggest --json run, then the model is active with holdout figures and suggestions are listed', () => {
    const trained = runCli(['--config', config, 'model', 'train', '--min-positives', '20']);
    expect(trained.status, trained.stderr).toBe(0);
    expect(trained.stdout).toMatch(/Holdout .*AUC 0\.\d{3}/);
    const status = runCli(['--config', config, '--json', 'model', 'status']);
    expect(status.status, status.stderr).toBe(0);
    const parsed = JSON.parse(status.stdout);
    expect(parsed.active.id).toBe(1);
    expect(parsed.active.metrics.holdout.auc).toBeGreaterThan(0.6);
    expect(parsed.drift).toMatchObject({ drifted: false });
    const suggest = runCli(['--config', config, '--json', 'model', 'suggest']);
    expect(suggest.status, suggest.stderr).toBe(0);
    const report = JSON.parse(suggest.stdout);
    expect(report.rules.map((rule: { ruleId: string }) => rule.ruleId)).toContain('demo.request');
  });
});
