import { createHash, randomBytes } from 'node:crypto';

/**
 * What the console's OAuth connect flows (HubSpot install, Salesforce web server flow) share: one-time
 * `state` values that hold the client secret and PKCE verifier server-side, and the code exchange.
 */

const FLOW_TTL_MS = 10 * 60_000;

/** Flows in flight, by `state`. A state is taken once: a replayed or forged callback finds nothing. */
export class PendingFlows<T> {
  private readonly flows = new Map<string, T & { expiresAt: number }>();

  constructor(private readonly now: () => number) {}

  begin(flow: T): string {
    for (const [key, pending] of this.flows) if (pending.expiresAt < this.now()) this.flows.delete(key);
    const state = randomBytes(16).toString('base64url');
    this.flows.set(state, { ...flow, expiresAt: this.now() + FLOW_TTL_MS });
    return state;
  }

  take(state: string | undefined): T | undefined {
    if (!state) return undefined;
    const flow = this.flows.get(state);
    this.flows.delete(state);
    return flow && flow.expiresAt >= this.now() ? flow : undefined;
  }
}

/** RFC 7636 S256: the challenge is base64url(SHA-256(verifier)). */
export function pkcePair(): { verifier: string; challenge: string } {
  const verifier = randomBytes(48).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

export type Exchange = { ok: true; tokens: Record<string, unknown> } | { ok: false; detail: string };

/** POSTs an authorization_code grant; a refusal is described from the body (HubSpot `message`, OAuth `error_description`). */
export async function exchangeCode(tokenUrl: string, params: Record<string, string>): Promise<Exchange> {
  const response = await fetch(tokenUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'authorization_code', ...params }),
  }).catch((error: unknown) => error as Error);
  if (response instanceof Error) return { ok: false, detail: response.message };
  const body = (await response.json().catch(() => ({}))) as Record<string, unknown>;
  if (response.ok) return { ok: true, tokens: body };
  const detail =
    typeof body.message === 'string'
      ? body.message
      : typeof body.error === 'string'
        ? `${body.error}${typeof body.error_description === 'string' ? `: ${body.error_description}` : ''}`
        : `HTTP ${response.status}`;
  return { ok: false, detail };
}
