import fastifyCookie from '@fastify/cookie';
import fastifyCsrf from '@fastify/csrf-protection';
import fastifyFormbody from '@fastify/formbody';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  LogController,
} from 'fastify';
import type { Logger } from 'pino';
import { type ConnectedCrm, connectCrm } from '../cli/crm.js';
import { type LoadedConfig, loadConfig } from '../config/load.js';
import type { Store } from '../store/index.js';
import { LoginLimiter, newSessionId, SESSION_TTL_MS, sessionIdHash, verifyPassword } from './auth.js';
import { type ConsoleContext, describeError, flashFrom, sendPage } from './context.js';
import { CSS, field, html, page } from './html.js';
import { registerActivatePages } from './pages/activate.js';
import { registerBacktestPages } from './pages/backtest.js';
import { registerConnectPages } from './pages/connect.js';
import { registerOverviewPage } from './pages/overview.js';
import { registerRecordPages } from './pages/records.js';
import { registerRulesPages } from './pages/rules.js';
import { registerRunsPages } from './pages/runs.js';

export const SESSION_COOKIE = 'ls_session';

export interface ConsoleOptions {
  configPath: string;
  store: Store;
  logger: Logger;
  now?: () => number;
  env?: NodeJS.ProcessEnv;
  /** Cookies marked Secure: on unless the console is served over plain http to this machine. */
  secureCookies: boolean;
  connect?: (config: LoadedConfig, store: Store, logger: Logger) => ConnectedCrm;
  loginLimiter?: LoginLimiter;
}

const PUBLIC_PATHS = new Set(['/login', '/static/console.css', '/healthz']);

/**
 * The admin console: server-rendered pages behind one admin password. Sessions live in the store (hashed),
 * every POST carries a CSRF token, and no page ever holds a credential.
 */
export async function buildConsole(options: ConsoleOptions): Promise<FastifyInstance> {
  const now = options.now ?? Date.now;
  const limiter = options.loginLimiter ?? new LoginLimiter();
  const ctx: ConsoleContext = {
    configPath: options.configPath,
    store: options.store,
    logger: options.logger,
    now,
    env: options.env ?? process.env,
    connect: (config) => (options.connect ?? connectCrm)(config, options.store, options.logger),
    config: () => loadConfig(options.configPath),
    busy: {},
  };
  const app = Fastify({
    loggerInstance: options.logger as FastifyBaseLogger,
    // Our own request log below: fastify's would print query strings, and an OAuth callback carries a code.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: 1_000_000,
  });
  await app.register(fastifyCookie);
  await app.register(fastifyFormbody);
  await app.register(fastifyCsrf, {
    cookieOpts: { path: '/', sameSite: 'strict', httpOnly: true, secure: options.secureCookies },
  });

  app.addHook('onResponse', async (request, reply) => {
    request.log.info(
      {
        method: request.method,
        path: request.url.split('?')[0],
        status: reply.statusCode,
        ms: Math.round(reply.elapsedTime),
      },
      'console request',
    );
  });

  app.addHook('onSend', async (_request, reply, payload) => {
    reply.header(
      'Content-Security-Policy',
      "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    );
    reply.header('X-Content-Type-Options', 'nosniff');
    reply.header('Referrer-Policy', 'no-referrer');
    reply.header('Cache-Control', 'no-store');
    return payload;
  });

  // Who is signed in: a valid session cookie, else the login page (with a word when the session ran out).
  app.addHook('preHandler', async (request, reply) => {
    const path = request.url.split('?')[0] ?? '/';
    const cookie = request.cookies[SESSION_COOKIE];
    if (cookie) {
      const idHash = sessionIdHash(cookie);
      const session = ctx.store.console.getSession(idHash, now());
      if (session) request.session = { who: session.who, idHash };
    }
    if (PUBLIC_PATHS.has(path) || request.session) return;
    const params = new URLSearchParams();
    if (request.method === 'GET') params.set('next', request.url);
    if (cookie) params.set('expired', '1');
    if (request.method !== 'GET') {
      // A POST without a live session changes nothing, whatever it carried.
      return reply
        .status(401)
        .type('text/html; charset=utf-8')
        .send(
          page(
            { title: 'Session expired', path: '' },
            html`<p role="alert">Your session has expired or you are not logged in, so nothing was changed.</p><p><a href="/login?${params.toString()}">Log in again</a></p>`,
          ),
        );
    }
    return reply.redirect(`/login?${params.toString()}`, 303);
  });
  app.addHook('preHandler', (request, reply, done) => {
    if (request.method === 'POST') app.csrfProtection(request, reply, done);
    else done();
  });

  app.setErrorHandler((error: Error & { code?: string; statusCode?: number }, request, reply) => {
    if (error.code === 'FST_CSRF_INVALID_TOKEN' || error.code === 'FST_CSRF_MISSING_SECRET') {
      return reply
        .status(403)
        .type('text/html; charset=utf-8')
        .send(
          page(
            { title: 'Form not accepted', path: '' },
            html`<p role="alert">This form was not accepted: its security token (CSRF) is missing or out of date. Nothing was changed. Go back, reload the page and submit it again.</p>`,
          ),
        );
    }
    request.log.error({ err: error }, 'console request failed');
    const status =
      error.statusCode && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500;
    return reply
      .status(status)
      .type('text/html; charset=utf-8')
      .send(
        page({ title: 'Something went wrong', path: '' }, html`<p role="alert">${describeError(error)}</p>`),
      );
  });

  app.get('/static/console.css', async (_request, reply) => reply.type('text/css; charset=utf-8').send(CSS));
  app.get('/healthz', async () => ({ ok: true }));

  app.get('/login', async (request, reply) => {
    const query = request.query as Record<string, string | undefined>;
    return loginPage(reply, {
      next: query.next,
      ...(query.expired ? { message: 'Your session has expired. Log in again.' } : {}),
    });
  });

  app.post('/login', async (request, reply) => {
    const body = (request.body ?? {}) as Record<string, string | undefined>;
    const key = request.ip;
    const wait = limiter.retryAfter(key, now());
    if (wait > 0) {
      return loginPage(
        reply,
        {
          next: body.next,
          error: `Too many failed logins. Try again in ${Math.ceil(wait / 60_000)} minute(s).`,
        },
        429,
      );
    }
    const stored = ctx.store.console.adminPasswordHash();
    const password = body.password ?? '';
    if (stored === undefined || !verifyPassword(password, stored)) {
      limiter.fail(key, now());
      request.log.warn({ ip: key }, 'console login failed');
      return loginPage(reply, { next: body.next, error: 'Wrong password.', who: body.who }, 401);
    }
    limiter.succeed(key);
    const id = newSessionId();
    const who = (body.who ?? '').trim().slice(0, 60) || 'admin';
    ctx.store.console.createSession(sessionIdHash(id), who, now(), now() + SESSION_TTL_MS);
    reply.setCookie(SESSION_COOKIE, id, {
      path: '/',
      httpOnly: true,
      sameSite: 'strict',
      secure: options.secureCookies,
      maxAge: SESSION_TTL_MS / 1000,
    });
    const next =
      body.next && /^\/(?!\/)/.test(body.next) && !body.next.startsWith('/login') ? body.next : '/';
    return reply.redirect(next, 303);
  });

  app.post('/logout', async (request, reply) => {
    if (request.session) ctx.store.console.deleteSession(request.session.idHash);
    reply.clearCookie(SESSION_COOKIE, { path: '/' });
    return reply.redirect('/login', 303);
  });

  registerOverviewPage(app, ctx);
  registerConnectPages(app, ctx);
  registerRulesPages(app, ctx);
  registerBacktestPages(app, ctx);
  registerActivatePages(app, ctx);
  registerRecordPages(app, ctx);
  registerRunsPages(app, ctx);
  return app;
}

function loginPage(
  reply: FastifyReply,
  options: { next?: string | undefined; error?: string; message?: string; who?: string | undefined },
  status = 200,
): FastifyReply {
  const csrf = reply.generateCsrf();
  const flash = options.error
    ? { kind: 'error' as const, text: options.error }
    : options.message
      ? { kind: 'ok' as const, text: options.message }
      : undefined;
  return reply
    .status(status)
    .type('text/html; charset=utf-8')
    .send(
      page(
        { title: 'Log in', path: '/login', flash },
        html`<form method="post" action="/login" class="card">
<input type="hidden" name="_csrf" value="${csrf}"><input type="hidden" name="next" value="${options.next ?? '/'}">
<div class="fields">${field({ name: 'who', label: 'Your name (for the change log)', value: options.who ?? '' })}
${field({ name: 'password', label: 'Admin password', type: 'password', value: '', required: true })}</div>
<p><button type="submit">Log in</button></p></form>`,
      ),
    );
}

export type { FastifyRequest };
export { flashFrom, sendPage };
