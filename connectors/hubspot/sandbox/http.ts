import type { IncomingMessage } from 'node:http';
import type { TokenInfo } from './auth.js';

export interface Ctx {
  method: string;
  path: string;
  params: Record<string, string>;
  query: URLSearchParams;
  rawBody: string;
  body: unknown;
  token?: TokenInfo;
  req: IncomingMessage;
  baseUrl: string;
}

export interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export type Handler = (ctx: Ctx) => Reply | Promise<Reply>;

export interface Route {
  method: string;
  pattern: RegExp;
  /** Route key for request counts, e.g. "POST /crm/v3/objects/contacts/search". */
  key: string;
  /** 'none': no bearer auth (OAuth endpoints, controls). */
  auth: 'bearer' | 'none';
  /** Any of these scopes. */
  scopes: readonly string[];
  limit: 'rest' | 'search' | 'none';
  handler: Handler;
}

/** Builds a route from a path template like `/crm/v3/objects/contacts/:id`. */
export function route(
  method: string,
  template: string,
  opts: { auth?: Route['auth']; scopes?: readonly string[]; limit?: Route['limit'] },
  handler: Handler,
): Route {
  const pattern = new RegExp(
    `^${template.replace(/[.]/g, '\\.').replace(/:([a-zA-Z]+)/g, (_m, name: string) => `(?<${name}>[^/]+)`)}$`,
  );
  return {
    method,
    pattern,
    key: `${method} ${template}`,
    auth: opts.auth ?? 'bearer',
    scopes: opts.scopes ?? [],
    limit: opts.limit ?? (opts.auth === 'none' ? 'none' : 'rest'),
    handler,
  };
}

export const json = (status: number, body: unknown, headers?: Record<string, string>): Reply => ({
  status,
  body,
  ...(headers ? { headers } : {}),
});

/** Query parameter that may be repeated (`properties=a&properties=b`, as the SDK sends) or comma-joined. */
export function listParam(q: URLSearchParams, name: string): string[] | undefined {
  const all = q.getAll(name);
  if (all.length === 0) return undefined;
  return all
    .flatMap((v) => v.split(','))
    .map((s) => s.trim())
    .filter(Boolean);
}
