import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runHandoff, sendHandoffs } from '../../src/handoff/index.js';
import { signature } from '../../src/handoff/webhook.js';
import { scoreSeries, settingsFrom } from './helpers.js';
import { fakeClock, useHubSpotWorld } from './hubspot-fixture.js';

/** Webhooks against a local receiver (node:http): signature, retries with backoff, timeouts, dead letters. */

const NOW = Date.parse('2026-11-20T10:00:00Z');
const START = NOW - 30 * 60_000;
const SECRET = 'whsec-test-0123456789';
const world = useHubSpotWorld();

interface Received {
  headers: IncomingMessage['headers'];
  body: string;
}

/** Answers each request with the next planned reply: a status, or 'hang' (never answers). */
let receiver: Server;
let url: string;
let replies: Array<number | 'hang'>;
let received: Received[];

beforeEach(async () => {
  replies = [];
  received = [];
  receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => {
      body += chunk;
    });
    req.on('end', () => {
      received.push({ headers: req.headers, body });
      const reply = replies.shift() ?? 200;
      if (reply === 'hang') return;
      res.writeHead(reply, { 'Content-Type': 'text/plain' });
      res.end(reply >= 400 ? `failure ${reply}` : 'ok');
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks/leadscore`;
});

afterEach(async () => {
  receiver.closeAllConnections();
  await new Promise<void>((resolve) => receiver.close(() => resolve()));
});

function crossToSql() {
  const contact = world.contacts.find((candidate) => candidate.ownerId !== null);
  if (!contact?.ownerId) throw new Error('no owned contact');
  world.addLead(contact.id, contact.ownerId);
  scoreSeries(world.store, 'hubspot', contact.id, [60, 85], { start: START });
  return contact;
}

const hookSettings = (extra: Record<string, unknown> = {}, maxAttempts = 5) =>
  settingsFrom(
    {
      maxAttempts,
      task: { enabled: false },
      // A generous timeout: a loaded machine must not turn a slow 500 into a timeout.
      webhooks: [{ name: 'sales-bus', url, secret: { env: 'HOOK_SECRET' }, timeoutMs: 5000, ...extra }],
    },
    { HOOK_SECRET: SECRET },
  );

describe('webhook deliveries', () => {
  it('given a 500 then a 500 then a 200, then it is delivered on the third try, same delivery id, each signed', async () => {
    const contact = crossToSql();
    replies = [500, 500, 200];
    const clock = fakeClock(NOW);
    const stats = await runHandoff(world.store, world.hooks, hookSettings(), {
      ...clock,
      maxWaitMs: 600_000,
    });

    expect(stats.send).toMatchObject({ webhooks: 1, retried: 2, dead: 0 });
    expect(received).toHaveLength(3);
    const ids = new Set(received.map((request) => request.headers['x-leadscore-delivery']));
    expect([...ids]).toEqual([
      expect.stringMatching(new RegExp(`^webhook:sales-bus:hubspot:${contact.id}:SQL:\\d+$`)),
    ]);
    for (const request of received) {
      const timestamp = Number(request.headers['x-leadscore-timestamp']);
      expect(request.headers['x-leadscore-signature']).toBe(signature(SECRET, timestamp, request.body));
      expect(request.headers['content-type']).toBe('application/json');
    }
    const event = JSON.parse(received[0]!.body);
    expect(event).toMatchObject({
      type: 'lead.stage_crossed',
      stage: 'SQL',
      previousStage: 'MQL',
      score: 85,
      band: 'A1',
      record: { source: 'hubspot', id: contact.id, ownerId: contact.ownerId },
    });
    expect(event.reasons).toEqual([
      'Visited pricing 3 times (+20)',
      'VP title (+15)',
      'Company size 500 (+10)',
    ]);
    // Backoff between attempts: the fake clock moved on by at least the first two waits (0.5-1 s, then 1-2 s).
    expect(clock.clock.at - NOW).toBeGreaterThanOrEqual(1500);
    const log = world.store.handoff.listAttempts({ kind: 'webhook', limit: 10 }).reverse();
    expect(log.map((attempt) => [attempt.outcome, attempt.httpStatus])).toEqual([
      ['retry', 500],
      ['retry', 500],
      ['ok', 200],
    ]);
    expect(log[0]?.detail).toContain('HTTP 500: failure 500; next attempt in');
  });

  it('given an endpoint that does not answer in time, then the attempt times out and the next one delivers', async () => {
    crossToSql();
    replies = ['hang', 204];
    const settings = hookSettings({ timeoutMs: 400 });
    const stats = await runHandoff(world.store, world.hooks, settings, {
      ...fakeClock(NOW),
      maxWaitMs: 600_000,
    });
    expect(stats.send).toMatchObject({ webhooks: 1, dead: 0 });
    expect(stats.send.retried).toBeGreaterThanOrEqual(1);
    const [first] = world.store.handoff.listAttempts({ kind: 'webhook', limit: 10 }).reverse();
    expect(first).toMatchObject({ outcome: 'retry', httpStatus: null });
    expect(first?.detail).toContain('no answer within 400 ms');
  });

  it('given an endpoint that keeps failing, then after maxAttempts it is a dead letter, and retry puts it back', async () => {
    crossToSql();
    replies = [500, 502, 503, 200];
    const clock = fakeClock(NOW);
    const stats = await runHandoff(world.store, world.hooks, hookSettings({}, 3), {
      ...clock,
      maxWaitMs: 600_000,
    });
    expect(stats.send).toMatchObject({ dead: 1, retried: 2, webhooks: 0 });
    const [dead] = world.store.handoff.listActions({ status: 'dead', limit: 5 });
    expect(dead?.lastError).toBe('HTTP 503: failure 503 (gave up after 3 attempts)');
    expect(dead?.attempts).toBe(3);

    expect(world.store.handoff.requeueDead([dead!.id], clock.now())).toBe(1);
    const again = await sendHandoffs(world.store, world.hooks, hookSettings({}, 3), clock);
    expect(again).toMatchObject({ webhooks: 1 });
    expect(received).toHaveLength(4);
  });

  it('given a 410 Gone, then no retry: a dead letter at once', async () => {
    crossToSql();
    replies = [410];
    const stats = await runHandoff(world.store, world.hooks, hookSettings(), {
      ...fakeClock(NOW),
      maxWaitMs: 600_000,
    });
    expect(stats.send).toMatchObject({ dead: 1, retried: 0 });
    expect(received).toHaveLength(1);
  });

  it('given the slack format, then the body is { text } as Slack incoming webhooks take it', async () => {
    crossToSql();
    await runHandoff(world.store, world.hooks, hookSettings({ format: 'slack' }), fakeClock(NOW));
    const body = JSON.parse(received[0]!.body);
    expect(Object.keys(body)).toEqual(['text']);
    expect(body.text).toMatch(
      /^\*Ada Lovelace \d+\* at Acme reached \*SQL\*: score 85, band A1\n• Visited pricing 3 times \(\+20\)/,
    );
  });

  it('given retries not yet due, then the run returns and leaves them queued for the next run', async () => {
    crossToSql();
    replies = [500, 200];
    const clock = fakeClock(NOW);
    const first = await runHandoff(world.store, world.hooks, hookSettings(), clock);
    expect(first.send).toMatchObject({ retried: 1, webhooks: 0 });
    expect(world.store.handoff.counts()).toMatchObject({ pending: 1 });
    clock.clock.at += 5 * 60_000;
    const next = await sendHandoffs(world.store, world.hooks, hookSettings(), clock);
    expect(next.webhooks).toBe(1);
  });
});
