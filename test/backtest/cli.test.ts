import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { starterConfigText } from '../../src/config/starter.js';
import { openStore } from '../../src/store/index.js';
import { rescore } from '../../src/sync/rescore.js';
import { runCli } from '../cli/helpers.js';
import { AS_OF, DAY, smallHistory } from './fixture.js';

const rulesYaml = (demoPoints: number) => `version: 1
name: demo-${demoPoints}
fit:
  rules:
    - { id: fit.software, label: Software, points: 30, field: industry, op: equals, value: Software }
engagement:
  rules:
    - { id: demo, label: Demo request, points: ${demoPoints}, event: demo_request, once: true }
bands:
  fit: { A: 30, B: 20, C: 10 }
  engagement: { "1": 50, "2": 15 }
stages:
  - { name: MQL, minScore: 50 }
  - { name: SQL, minScore: 80 }
`;

function workspace(): string {
  const dir = mkdtempSync(join(tmpdir(), 'leadscore-backtest-'));
  writeFileSync(join(dir, 'rules.yaml'), rulesYaml(40));
  writeFileSync(join(dir, 'candidate.yaml'), rulesYaml(60));
  writeFileSync(
    join(dir, 'leadscore.yaml'),
    starterConfigText({ crm: 'none', rulesPath: './rules.yaml', databasePath: './leadscore.db' }),
  );
  const config = loadConfig(join(dir, 'leadscore.yaml'));
  const store = openStore(config.database);
  const { records, events } = smallHistory();
  store.upsertRecords(records, AS_OF - 400 * DAY);
  store.insertEvents(events);
  rescore(store, config.rules, { mode: 'all', asOf: AS_OF, now: AS_OF });
  store.close();
  return dir;
}

describe('leadscore backtest', () => {
  it('given a candidate rules file, then it prints the side-by-side table, and --json the same numbers', () => {
    const dir = workspace();
    const config = join(dir, 'leadscore.yaml');
    const args = [
      'backtest',
      '--rules',
      join(dir, 'candidate.yaml'),
      '--as-of',
      new Date(AS_OF).toISOString(),
      '--weeks',
      '4',
    ];
    const text = runCli(['-c', config, ...args]);
    expect(text.stderr).toBe('');
    expect(text.status).toBe(0);
    expect(text.stdout).toContain('Candidate "demo-60" vs active "demo-40": 2 records change band.');
    expect(text.stdout).toMatch(/^A1\s+0\s+1\s+-\s+100\.0%$/m);
    expect(text.stdout).toMatch(/^A2\s+1\s+0\s+100\.0%\s+-$/m);
    expect(text.stdout).toMatch(/^SQL\s+0\s+1$/m);
    const json = runCli(['-c', config, '--json', ...args]);
    const result = JSON.parse(json.stdout) as {
      records: number;
      bandChanges: number;
      candidate: { stages: object };
    };
    expect(result.records).toBe(3);
    expect(result.bandChanges).toBe(2);
    expect(result.candidate.stages).toEqual({ MQL: 1, SQL: 1, '(none)': 1 });
    expect(readFileSync(join(dir, 'rules.yaml'), 'utf8')).toBe(rulesYaml(40));
  });

  it('given an invalid rules file, then it names the problem and exits non-zero', () => {
    const dir = workspace();
    writeFileSync(join(dir, 'bad.yaml'), rulesYaml(40).replace('minScore: 80', 'minScore: 20'));
    const result = runCli(['-c', join(dir, 'leadscore.yaml'), 'backtest', '--rules', join(dir, 'bad.yaml')]);
    expect(result.status).not.toBe(0);
    expect(result.stderr).toMatch(/ERR_RULES_INVALID/);
    expect(result.stderr).toMatch(/rising order/);
  });
});
