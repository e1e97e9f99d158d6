import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/index.js';
import { leadRecord, scoreSeries } from '../handoff/helpers.js';
import { runCli } from './helpers.js';

/** `leadscore handoff`: the queue, the delivery log, the dead letters and their retry, from a real store. */

function workspace() {
  const dir = mkdtempSync(join(tmpdir(), 'leadscore-cli-handoff-'));
  const init = runCli(['init', '--dir', dir]);
  expect(init.status, init.stderr).toBe(0);
  const store = openStore(join(dir, 'leadscore.db'));
  try {
    store.upsertRecords([leadRecord('hubspot', '901')]);
    scoreSeries(store, 'hubspot', '901', [60, 85], { start: Date.parse('2026-11-20T09:00:00Z') });
    const [change] = store.handoff.stageChangesAfter(1, 10);
    if (!change) throw new Error('no crossing in the ledger');
    const crossing = store.handoff.addCrossing(
      {
        ledgerId: change.ledgerId,
        recordId: change.recordId,
        source: 'hubspot',
        stage: 'SQL',
        fromStage: 'MQL',
        score: 85,
        band: 'A1',
        crossedAt: change.at,
        status: 'planned',
        note: null,
      },
      [
        {
          kind: 'task',
          target: 'hubspot',
          idempotencyKey: 'task:hubspot:901:SQL:2',
          payload: { subject: 'SQL: call' },
        },
        {
          kind: 'webhook',
          target: 'sales-bus',
          idempotencyKey: 'webhook:sales-bus:hubspot:901:SQL:2',
          payload: {},
        },
      ],
      1,
    );
    const [task, hook] = store.handoff.actionsOfCrossing(crossing ?? 0);
    store.handoff.finishAction(task!.id, 'done', { result: '60000000001' }, 2);
    store.handoff.logAttempt({ actionId: task!.id, at: 2, outcome: 'ok', detail: 'task 60000000001' });
    store.handoff.logAttempt({
      actionId: hook!.id,
      at: 3,
      outcome: 'retry',
      httpStatus: 500,
      durationMs: 12,
      detail: 'HTTP 500',
    });
    store.handoff.finishAction(
      hook!.id,
      'dead',
      { error: 'HTTP 503 (gave up after 5 attempts)', countAttempt: true },
      4,
    );
    store.handoff.logAttempt({
      actionId: hook!.id,
      at: 4,
      outcome: 'dead',
      httpStatus: 503,
      durationMs: 9,
      detail: 'HTTP 503',
    });
    return { config: join(dir, 'leadscore.yaml'), deadId: hook!.id };
  } finally {
    store.close();
  }
}

describe('leadscore handoff', () => {
  // Each case spawns the CLI a few times (a tsx start each): generous timeouts for a loaded machine.
  it('given a done task and a dead webhook, then list, dead, log and retry show and fix them', {
    timeout: 300_000,
  }, () => {
    const { config, deadId } = workspace();
    const list = runCli(['--config', config, 'handoff']);
    expect(list.status, list.stderr).toBe(0);
    expect(list.stdout).toContain('1 crossings; actions: 0 pending, 1 done, 0 skipped, 1 dead.');
    expect(list.stdout).toMatch(/901\s+SQL\s+task\s+hubspot\s+done\s+0\s+.*60000000001/);

    const dead = runCli(['--config', config, 'handoff', 'dead']);
    expect(dead.stdout).toMatch(/webhook\s+sales-bus\s+dead\s+1\s+.*HTTP 503 \(gave up after 5 attempts\)/);
    expect(dead.stdout).not.toMatch(/task\s+hubspot\s+done/);

    const log = runCli(['--config', config, '--json', 'handoff', 'log', '--kind', 'webhook']);
    const attempts = JSON.parse(log.stdout).attempts as Array<{ outcome: string; httpStatus: number }>;
    expect(attempts.map((attempt) => [attempt.outcome, attempt.httpStatus])).toEqual([
      ['dead', 503],
      ['retry', 500],
    ]);

    const retry = runCli(['--config', config, 'handoff', 'retry', String(deadId)]);
    expect(retry.stdout).toContain('Re-queued 1 dead letters');
    const after = runCli(['--config', config, '--json', 'handoff', 'list', '--status', 'pending']);
    expect(JSON.parse(after.stdout).actions).toMatchObject([{ id: deadId, status: 'pending', attempts: 0 }]);
  });

  it('given bad arguments, then clear usage errors', { timeout: 300_000 }, () => {
    const { config } = workspace();
    const bad = runCli(['--config', config, 'handoff', 'list', '--status', 'lost']);
    expect(bad.status).not.toBe(0);
    expect(bad.stderr).toContain('--status "lost" is not one of pending, done, skipped, dead.');
    const none = runCli(['--config', config, 'handoff', 'retry']);
    expect(none.stderr).toContain('or pass --all');
  });
});
