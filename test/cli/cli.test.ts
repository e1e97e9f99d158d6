import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './helpers.js';

const DAY = 86_400_000;
const asOf = '2026-11-20T00:00:00Z';
const t = (daysAgo: number) => new Date(Date.parse(asOf) - daysAgo * DAY).toISOString();

function workspace() {
  const dir = mkdtempSync(join(tmpdir(), 'leadscore-cli-'));
  const init = runCli(['init', '--dir', dir]);
  expect(init.status, init.stderr).toBe(0);
  const config = join(dir, 'leadscore.yaml');
  const records = join(dir, 'records.csv');
  writeFileSync(
    records,
    [
      'id,email,firstName,lastName,company,industry,title,companySize,country',
      'hot-1,ana@acme.example,Ana,Lopez,Acme,Software,VP Sales,250,United States',
      'cold-1,bob@gmail.com,Bob,Stone,,Retail,Student,1,Brazil',
      'mid-1,cy@globex.example,Cy,Park,Globex,Healthcare,Marketing Manager,lots,Germany',
    ].join('\n'),
  );
  const events = join(dir, 'events.jsonl');
  writeFileSync(
    events,
    [
      { id: 'e1', recordId: 'hot-1', type: 'demo_request', occurredAt: t(2), attributes: { formId: 'demo' } },
      {
        id: 'e2',
        recordId: 'hot-1',
        type: 'page_view',
        occurredAt: t(3),
        attributes: { url: 'https://x.example/pricing' },
      },
      {
        id: 'e3',
        recordId: 'hot-1',
        type: 'email_click',
        occurredAt: t(4),
        attributes: { campaignId: 'c1' },
      },
      { id: 'e4', recordId: 'cold-1', type: 'unsubscribe', occurredAt: t(40) },
      { id: 'e5', recordId: 'mid-1', type: 'webinar', occurredAt: t(1) },
      { id: 'e6', recordId: 'nobody', type: 'email_open', occurredAt: t(1) },
      { id: 'e1', recordId: 'hot-1', type: 'demo_request', occurredAt: t(2) },
    ]
      .map((row) => JSON.stringify(row))
      .join('\n'),
  );
  return { dir, config, records, events };
}

describe('the leadscore CLI', () => {
  let ws: ReturnType<typeof workspace>;

  beforeAll(() => {
    ws = workspace();
    const imported = runCli([
      '--config',
      ws.config,
      'import',
      '--records',
      ws.records,
      '--events',
      ws.events,
    ]);
    expect(imported.status, imported.stderr).toBe(0);
    const scored = runCli(['--config', ws.config, 'score', '--as-of', asOf]);
    expect(scored.status, scored.stderr).toBe(0);
  });

  it('given a fresh folder, when init runs twice, then the second refuses to overwrite and says how', () => {
    const again = runCli(['init', '--dir', ws.dir]);
    expect(again.status).toBe(2);
    expect(again.stderr).toContain('exists already');
    expect(again.stderr).toContain('--force');
  });

  it('given the starter config, when validated, then it is valid and names the rule-set version', () => {
    const result = runCli(['--config', ws.config, '--json', 'validate']);
    expect(result.status, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(report.valid).toBe(true);
    expect(report.rulesetHash).toMatch(/^[0-9a-f]{16}$/);
  });

  it('given files with bad rows, when imported, then each bad row is reported with its line and the rest is kept', () => {
    const dir = workspace();
    const result = runCli([
      '--config',
      dir.config,
      '--json',
      'import',
      '--records',
      dir.records,
      '--events',
      dir.events,
    ]);
    expect(result.status, result.stderr).toBe(0);
    const summary = JSON.parse(result.stdout);
    expect(summary.records.inserted).toBe(3);
    expect(summary.events.inserted).toBe(4);
    const messages = summary.problems.map((p: { message: string }) => p.message).join('\n');
    expect(messages).toContain('webinar');
    expect(messages).toContain('nobody');
    expect(messages).toMatch(/companySize/);
  });

  it('given scored records, when listing the top, then the hot lead leads with its reasons', () => {
    const result = runCli(['--config', ws.config, '--json', 'top', '-n', '3']);
    expect(result.status, result.stderr).toBe(0);
    const rows = JSON.parse(result.stdout);
    expect(rows[0].record.externalId).toBe('hot-1');
    expect(rows[0].score.reasonsText).toContain('Demo');
    expect(rows[0].score.reasonsText.length).toBeLessThanOrEqual(255);
    expect(rows.at(-1).score.score).toBeLessThan(rows[0].score.score);
  });

  it('given a scored record, when explained, then each rule shows its points and its source events', () => {
    const text = runCli(['--config', ws.config, 'explain', 'ana@acme.example']);
    expect(text.status, text.stderr).toBe(0);
    expect(text.stdout).toContain('Score');
    expect(text.stdout).toContain('demo_request');
    expect(text.stdout).toContain('In the CRM:');
    const json = JSON.parse(runCli(['--config', ws.config, '--json', 'explain', 'hot-1']).stdout);
    const demo = json.score.contributions.find((c: { eventIds: string[] }) => c.eventIds.includes('e1'));
    expect(demo.points).toBeGreaterThan(0);
  });

  it('given an unknown record, when explained, then the error is coded and actionable', () => {
    const result = runCli(['--config', ws.config, 'explain', 'nobody@nowhere.example']);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('ERR_RECORD_NOT_FOUND');
  });

  it('given the same data and rules, when rescored twice, then scores and reasons are byte-identical', () => {
    const first = runCli(['--config', ws.config, '--json', 'rescore', '--all', '--as-of', asOf]);
    expect(first.status, first.stderr).toBe(0);
    // Everything but the time it was computed at must be identical.
    const scores = () =>
      JSON.stringify(
        JSON.parse(runCli(['--config', ws.config, '--json', 'top', '-n', '10']).stdout).map(
          ({ score }: { score: Record<string, unknown> }) => ({ ...score, computedAt: undefined }),
        ),
      );
    const before = scores();
    const second = JSON.parse(
      runCli(['--config', ws.config, '--json', 'rescore', '--all', '--as-of', asOf]).stdout,
    );
    expect(second.changed).toBe(0);
    expect(scores()).toBe(before);
  });

  it('given a scored record, when its history is read, then the ledger names the cause and the events', () => {
    const result = runCli(['--config', ws.config, '--json', 'history', 'hot-1']);
    expect(result.status, result.stderr).toBe(0);
    const { history } = JSON.parse(result.stdout);
    expect(history.length).toBeGreaterThan(0);
    expect(history.at(-1).cause).toBe('initial');
  });

  it('given a rules file with a non-numeric points value, when validated, then the error names file, key path and line', () => {
    const rulesPath = join(ws.dir, 'rules.yaml');
    const original = readFileSync(rulesPath, 'utf8');
    const broken = original.replace(/points: 30\b/, 'points: thirty');
    expect(broken).not.toBe(original);
    writeFileSync(rulesPath, broken);
    try {
      const result = runCli(['--config', ws.config, 'validate']);
      expect(result.status).toBe(1);
      expect(result.stderr).toMatch(/points: expected a number, got "thirty" \(rules\.yaml:\d+\)/);
    } finally {
      writeFileSync(rulesPath, original);
    }
  });

  it('given a rule on a property no stored record has, when validated, then a warning names it', () => {
    const rulesPath = join(ws.dir, 'rules.yaml');
    const original = readFileSync(rulesPath, 'utf8');
    const withRule = original.replace(
      /^(fit:\n(?:.*\n)*? {2}rules:\n)/m,
      '$1    - { id: fit.partner, label: Partner tier, field: partnerTier, op: equals, value: gold, points: 5 }\n',
    );
    expect(withRule).not.toBe(original);
    writeFileSync(rulesPath, withRule);
    try {
      const result = runCli(['--config', ws.config, '--json', 'validate']);
      expect(result.status, result.stderr).toBe(0);
      const report = JSON.parse(result.stdout);
      expect(report.warnings.join('\n')).toContain('"partnerTier"');
    } finally {
      writeFileSync(rulesPath, original);
    }
  });

  it('given bad arguments, when run, then the exit code is 2', () => {
    expect(runCli(['--config', ws.config, 'top', '-n', 'many']).status).toBe(2);
    expect(runCli(['--config', ws.config, 'rescore']).status).toBe(2);
  });
});
