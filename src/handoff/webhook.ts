import { createHmac } from 'node:crypto';
import type { WebhookSettings } from './settings.js';

/**
 * One webhook delivery over Node's fetch. The body is signed like Stripe's and GitHub's webhooks: HMAC-SHA256
 * over `<timestamp>.<body>` in `X-Leadscore-Signature: sha256=<hex>`, with the timestamp in its own header so a
 * receiver can refuse replays. `X-Leadscore-Delivery` is the same on every retry of one delivery.
 */

export type DeliveryResult =
  | { ok: true; status: number; durationMs: number }
  | {
      ok: false;
      retryable: boolean;
      status?: number;
      message: string;
      durationMs: number;
      retryAfterMs?: number;
    };

export function signature(secret: string, timestamp: number, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

export async function deliver(
  hook: WebhookSettings,
  deliveryId: string,
  payload: Record<string, unknown>,
  now: () => number,
): Promise<DeliveryResult> {
  const body = JSON.stringify(payload);
  const timestamp = Math.floor(now() / 1000);
  const headers: Record<string, string> = {
    'Content-Type': 'application/json',
    'User-Agent': 'leadscore-handoff',
    'X-Leadscore-Delivery': deliveryId,
    'X-Leadscore-Event': 'lead.stage_crossed',
    'X-Leadscore-Timestamp': String(timestamp),
  };
  if (hook.secret !== undefined) headers['X-Leadscore-Signature'] = signature(hook.secret, timestamp, body);
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  try {
    const response = await fetch(hook.url, {
      method: 'POST',
      headers,
      body,
      signal: AbortSignal.timeout(hook.timeoutMs),
      redirect: 'error',
    });
    // Read (and drop) the body so the connection is released.
    const text = (await response.text()).slice(0, 200);
    if (response.ok) return { ok: true, status: response.status, durationMs: elapsed() };
    const retryable = response.status === 408 || response.status === 429 || response.status >= 500;
    const retryAfter = Number(response.headers.get('retry-after'));
    return {
      ok: false,
      retryable,
      status: response.status,
      message: `HTTP ${response.status}${text ? `: ${text.replace(/\s+/g, ' ')}` : ''}`,
      durationMs: elapsed(),
      ...(Number.isFinite(retryAfter) && retryAfter > 0 ? { retryAfterMs: retryAfter * 1000 } : {}),
    };
  } catch (error) {
    const name = (error as { name?: string }).name;
    const message =
      name === 'TimeoutError' || name === 'AbortError'
        ? `no answer within ${hook.timeoutMs} ms`
        : `${(error as Error).message}${(error as { cause?: { code?: string } }).cause?.code ? ` (${(error as { cause: { code: string } }).cause.code})` : ''}`;
    return { ok: false, retryable: true, message, durationMs: elapsed() };
  }
}
