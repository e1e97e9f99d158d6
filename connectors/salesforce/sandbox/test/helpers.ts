import { Connection } from 'jsforce';
import type { SalesforceSandbox } from '../server.js';

/** A jsforce connection that can refresh its session through the sandbox's token endpoint. */
export function connect(sandbox: SalesforceSandbox, version = '62.0'): Connection {
  return new Connection({
    instanceUrl: sandbox.instanceUrl,
    accessToken: sandbox.accessToken,
    refreshToken: sandbox.oauth.refreshToken,
    version,
    oauth2: {
      loginUrl: sandbox.loginUrl,
      clientId: sandbox.oauth.clientId,
      clientSecret: sandbox.oauth.clientSecret,
    },
  });
}

/** A fixed clock so data and windows are reproducible. */
export const FIXED_NOW = Date.UTC(2026, 10, 25, 12, 0, 0);

export async function raw(
  sandbox: SalesforceSandbox,
  path: string,
  init: RequestInit & { token?: string } = {},
): Promise<{ status: number; headers: Headers; body: unknown }> {
  const headers = new Headers(init.headers);
  if (init.token !== '') headers.set('Authorization', `Bearer ${init.token ?? sandbox.accessToken}`);
  const res = await fetch(`${sandbox.instanceUrl}${path}`, { ...init, headers });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON
  }
  return { status: res.status, headers: res.headers, body };
}

export async function form(sandbox: SalesforceSandbox, params: Record<string, string>) {
  const res = await fetch(`${sandbox.loginUrl}/services/oauth2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(params).toString(),
  });
  return {
    status: res.status,
    body: (await res.json()) as Record<string, unknown>,
    contentType: res.headers.get('content-type'),
  };
}

/** The rejection of a jsforce call (Query objects are thenables, not Promises). */
export async function errorOf(
  p: PromiseLike<unknown>,
): Promise<Error & { errorCode: string; data: unknown }> {
  try {
    await p;
  } catch (e) {
    return e as Error & { errorCode: string; data: unknown };
  }
  throw new Error('expected a rejection');
}
