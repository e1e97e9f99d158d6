import '@fastify/csrf-protection';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { ConnectedCrm } from '../cli/crm.js';
import type { LoadedConfig } from '../config/load.js';
import { LeadscoreError } from '../errors.js';
import type { Store } from '../store/index.js';
import type { Html } from './html.js';
import { page } from './html.js';

/** What every console page handler gets. */
export interface ConsoleContext {
  configPath: string;
  store: Store;
  logger: Logger;
  now(): number;
  env: NodeJS.ProcessEnv;
  /** The composition root (src/cli/crm.ts connectCrm) or a test's stand-in. */
  connect(config: LoadedConfig): ConnectedCrm;
  /** Reads and validates the config afresh: the console itself edits it. */
  config(): LoadedConfig;
  /** One long job at a time (activate, sync): the store has one writer. */
  busy: { job?: string };
}

export interface Session {
  who: string;
  idHash: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    session?: Session;
  }
}

/** Renders a full page for the signed-in admin. */
export function sendPage(
  request: FastifyRequest,
  reply: FastifyReply,
  options: { title: string; path: string; flash?: { kind: 'ok' | 'error'; text: string } | undefined },
  body: Html,
  status = 200,
): FastifyReply {
  const csrf = reply.generateCsrf();
  return reply
    .status(status)
    .type('text/html; charset=utf-8')
    .send(page({ ...options, csrf, ...(request.session ? { who: request.session.who } : {}) }, body));
}

/** A LeadscoreError as an admin reads it: the message and what to do. */
export function describeError(error: unknown): string {
  if (error instanceof LeadscoreError) return error.hint ? `${error.message} ${error.hint}` : error.message;
  return error instanceof Error ? error.message : String(error);
}

/** Flash messages travel in the query string of a redirect (short, escaped on output, never secrets). */
export function flashFrom(query: unknown): { kind: 'ok' | 'error'; text: string } | undefined {
  const q = (query ?? {}) as Record<string, unknown>;
  if (typeof q.ok === 'string' && q.ok !== '') return { kind: 'ok', text: q.ok.slice(0, 300) };
  if (typeof q.error === 'string' && q.error !== '') return { kind: 'error', text: q.error.slice(0, 300) };
  return undefined;
}

export function redirectWith(
  reply: FastifyReply,
  path: string,
  flash: { ok?: string; error?: string },
): FastifyReply {
  const params = new URLSearchParams();
  if (flash.ok) params.set('ok', flash.ok);
  if (flash.error) params.set('error', flash.error);
  const separator = path.includes('?') ? '&' : '?';
  return reply.redirect(`${path}${params.size ? separator + params.toString() : ''}`, 303);
}
