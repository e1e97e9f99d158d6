import { Client } from '@hubspot/api-client';
import type { FilterOperatorEnum } from '@hubspot/api-client/lib/codegen/crm/contacts/models/Filter.js';
import { type HubSpotSandbox, type HubSpotSandboxOptions, startHubSpotSandbox } from '../index.js';

/** A clock tests move by hand, so nothing sleeps. */
export class ManualClock {
  constructor(public t = Date.parse('2026-11-20T12:00:00.000Z')) {}
  now = (): number => this.t;
  advance(ms: number): void {
    this.t += ms;
  }
}

export interface Fixture {
  sb: HubSpotSandbox;
  clock: ManualClock;
  client: Client;
  clientFor(token: string): Client;
  /** Calls a /__sandbox control. */
  control<T = unknown>(method: string, path: string, body?: unknown): Promise<T>;
  /** Raw HTTP to the sandbox (for bodies and headers the SDK hides). */
  raw(method: string, path: string, body?: unknown, token?: string | null): Promise<Response>;
}

export async function startFixture(options: HubSpotSandboxOptions = {}): Promise<Fixture> {
  const clock = new ManualClock();
  const sb = await startHubSpotSandbox({ port: 0, seed: 7, contacts: 600, now: clock.now, ...options });
  const clientFor = (token: string) => new Client({ accessToken: token, basePath: sb.baseUrl });
  return {
    sb,
    clock,
    client: clientFor(sb.token),
    clientFor,
    async control<T>(method: string, path: string, body?: unknown): Promise<T> {
      const res = await fetch(`${sb.baseUrl}/__sandbox${path}`, {
        method,
        headers: { 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      if (!res.ok) throw new Error(`control ${method} ${path}: ${res.status} ${await res.text()}`);
      return (res.status === 204 ? undefined : await res.json()) as T;
    },
    raw(method, path, body, token = sb.token) {
      return fetch(`${sb.baseUrl}${path}`, {
        method,
        headers: {
          'content-type': 'application/json',
          ...(token ? { authorization: `Bearer ${token}` } : {}),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    },
  };
}

export const op = (o: string) => o as FilterOperatorEnum;

/** The SDK throws ApiException {code, body, headers}; this reads it without `any`. */
export async function apiError(
  p: Promise<unknown>,
): Promise<{ code: number; body: Record<string, unknown>; headers: Record<string, string> }> {
  try {
    await p;
  } catch (err) {
    const e = err as { code?: number; body?: unknown; headers?: Record<string, string> };
    return { code: e.code ?? 0, body: (e.body ?? {}) as Record<string, unknown>, headers: e.headers ?? {} };
  }
  throw new Error('expected the call to fail');
}
