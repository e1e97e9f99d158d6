import { LeadscoreError } from '../errors.js';

/** The daemon's knobs; the CLI fills them from flags or LEADSCORE_* environment variables. */
export interface DaemonTiming {
  /** A lease not renewed for this long is free for another process to take. */
  leaseTtlMs: number;
  /** How often the holder renews its lease, and a waiting daemon retries it. */
  heartbeatMs: number;
  /** How long a stop waits for the current run to reach a safe point before abandoning it. */
  graceMs: number;
}

export const DEFAULT_TIMING: Readonly<DaemonTiming> = {
  leaseTtlMs: 60_000,
  heartbeatMs: 15_000,
  // Below the 10 s a container runtime gives between SIGTERM and SIGKILL, leaving time to release the lease.
  graceMs: 8_000,
};

export const DEFAULT_PORT = 9464;
export const DEFAULT_HOST = '127.0.0.1';

const UNITS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };

/** "250ms", "5s", "2m", "1h", or a bare number of milliseconds. */
export function parseDuration(text: string, what: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$/.exec(text);
  if (!match) {
    throw new LeadscoreError('ERR_USAGE', `${what} "${text}" is not a duration.`, {
      hint: 'Write a duration such as 500ms, 30s, 2m or 1h (a bare number is milliseconds).',
    });
  }
  return Math.round(Number(match[1]) * (UNITS[match[2] ?? 'ms'] ?? 1));
}

export function parsePort(text: string): number {
  const port = Number(text);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new LeadscoreError('ERR_USAGE', `--port "${text}" is not a TCP port.`, {
      hint: 'Use a port from 1 to 65535 (0 picks a free one), e.g. --port 9464.',
    });
  }
  return port;
}

/** A heartbeat must come well within the TTL, or a live holder's lease could expire between two beats. */
export function checkTiming(timing: DaemonTiming): DaemonTiming {
  if (timing.leaseTtlMs <= 0 || timing.heartbeatMs <= 0 || timing.graceMs < 0) {
    throw new LeadscoreError(
      'ERR_USAGE',
      'The lease TTL and heartbeat must be positive, the grace period not negative.',
    );
  }
  if (timing.heartbeatMs * 2 > timing.leaseTtlMs) {
    throw new LeadscoreError(
      'ERR_USAGE',
      `The heartbeat (${timing.heartbeatMs} ms) must be at most half the lease TTL (${timing.leaseTtlMs} ms).`,
      { hint: 'Lower --heartbeat or raise --lease-ttl, e.g. --lease-ttl 60s --heartbeat 15s.' },
    );
  }
  return timing;
}
