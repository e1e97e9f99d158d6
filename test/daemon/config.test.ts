import { describe, expect, it } from 'vitest';
import { configSchema } from '../../src/config/schema.js';
import { jobsFor } from '../../src/daemon/daemon.js';

const base = { rules: './rules.yaml', connection: { crm: 'none' } };

function issues(daemon: unknown): string[] {
  const result = configSchema.safeParse({ ...base, daemon });
  return result.success
    ? []
    : result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
}

describe('the daemon: config section', () => {
  it('given no daemon section, when parsed, then the defaults match the documented ones', () => {
    const parsed = configSchema.parse(base);
    expect(parsed.daemon).toEqual({
      schedules: {},
      leaseTtl: 60_000,
      heartbeat: 15_000,
      grace: 8_000,
      metrics: { port: 9464, host: '127.0.0.1' },
    });
  });

  it('given durations with units and a per-CRM schedule, when parsed, then durations are milliseconds', () => {
    const parsed = configSchema.parse({
      ...base,
      daemon: {
        leaseTtl: '2m',
        heartbeat: '30s',
        grace: 500,
        schedules: { hubspot: { incremental: '*/5 * * * *', retrain: '0 4 * * 0' } },
      },
    });
    expect(parsed.daemon).toMatchObject({ leaseTtl: 120_000, heartbeat: 30_000, grace: 500 });
    expect(parsed.daemon.schedules.hubspot).toEqual({ incremental: '*/5 * * * *', retrain: '0 4 * * 0' });
  });

  it.each([
    [{ leaseTtl: 'soon' }, 'leaseTtl: expected a duration such as 60s'],
    [{ leaseTtl: '10s', heartbeat: '6s' }, 'heartbeat: expected a heartbeat of at most half the lease TTL'],
    [{ metrics: { port: 70_000 } }, 'metrics.port:'],
    [{ schedules: { pipedrive: {} } }, 'schedules:'],
    [{ schedules: { hubspot: { incremental: 'hourly' } } }, 'schedules.hubspot.incremental: expected a cron'],
  ])('given %j, when parsed, then the issue names the key', (daemon, expected) => {
    expect(issues(daemon).join('\n')).toContain(expected);
  });

  it("given a CRM's own schedule, when its jobs are made, then unset keys take the top-level schedule", () => {
    const parsed = configSchema.parse({
      ...base,
      schedule: { incremental: '*/10 * * * *', reconcile: '30 2 * * *' },
      daemon: { schedules: { salesforce: { incremental: '*/3 * * * *' } } },
    });
    const config = { ...parsed, database: ':memory:' } as unknown as Parameters<typeof jobsFor>[0];
    expect(jobsFor(config, 'salesforce').map((job) => [job.name, job.cron])).toEqual([
      ['incremental', '*/3 * * * *'],
      ['reconcile', '30 2 * * *'],
    ]);
    expect(jobsFor(config, 'hubspot').map((job) => job.cron)).toEqual(['*/10 * * * *', '30 2 * * *']);
  });
});
