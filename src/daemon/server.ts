import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { LeadscoreError } from '../errors.js';

/**
 * The daemon's small HTTP server: /healthz (the process answers), /readyz (it can do its job), /metrics
 * (Prometheus text format). Bound to 127.0.0.1 unless configured otherwise: it exposes counts, never data.
 */

export interface Readiness {
  ready: boolean;
  checks: Record<string, { ok: boolean; detail: string }>;
}

export interface HealthSources {
  readiness: () => Readiness;
  metrics: () => Promise<string>;
  metricsContentType: string;
}

export interface HealthServer {
  port: number;
  host: string;
  close(): Promise<void>;
}

function send(response: ServerResponse, status: number, type: string, body: string, head: boolean): void {
  response.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
  response.end(head ? undefined : body);
}

async function handle(
  sources: HealthSources,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  const head = request.method === 'HEAD';
  if (request.method !== 'GET' && !head) {
    send(response, 405, 'text/plain; charset=utf-8', 'method not allowed\n', head);
    return;
  }
  const path = (request.url ?? '/').split('?')[0];
  switch (path) {
    case '/healthz':
      send(response, 200, 'text/plain; charset=utf-8', 'ok\n', head);
      return;
    case '/readyz': {
      const readiness = sources.readiness();
      send(response, readiness.ready ? 200 : 503, 'application/json', `${JSON.stringify(readiness)}\n`, head);
      return;
    }
    case '/metrics':
      send(response, 200, sources.metricsContentType, await sources.metrics(), head);
      return;
    default:
      send(
        response,
        404,
        'text/plain; charset=utf-8',
        'not found: try /healthz, /readyz or /metrics\n',
        head,
      );
  }
}

export function startHealthServer(sources: HealthSources, port: number, host: string): Promise<HealthServer> {
  const server: Server = createServer((request, response) => {
    handle(sources, request, response).catch((error: unknown) => {
      if (!response.headersSent) {
        send(response, 500, 'text/plain; charset=utf-8', `${(error as Error).message}\n`, false);
      } else response.destroy();
    });
  });
  // A scrape must never keep the process alive past a stop.
  server.keepAliveTimeout = 1_000;
  return new Promise((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      reject(
        new LeadscoreError(
          'ERR_DAEMON_PORT',
          `cannot serve /healthz and /metrics on ${host}:${port}: ${error.code ?? error.message}`,
          { cause: error },
        ),
      );
    });
    server.listen(port, host, () => {
      const address = server.address() as AddressInfo;
      resolve({
        port: address.port,
        host,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}
