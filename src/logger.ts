import { type DestinationStream, type Logger, type LoggerOptions, pino } from 'pino';

export type { Logger } from 'pino';

/** Keys whose values are credentials, redacted at the top level and one or two levels down. */
const SECRET_KEYS = [
  'token',
  'accessToken',
  'access_token',
  'refreshToken',
  'refresh_token',
  'clientSecret',
  'client_secret',
  'password',
  'apiKey',
  'privateKey',
  'secret',
  'authorization',
  'Authorization',
  'cookie',
];

/** Paths for pino's `redact` (https://getpino.io/#/docs/redaction): `*` matches exactly one level. */
export const REDACT_PATHS: readonly string[] = [
  ...SECRET_KEYS,
  ...SECRET_KEYS.map((key) => `*.${key}`),
  ...SECRET_KEYS.map((key) => `*.*.${key}`),
  'headers.authorization',
  'headers.Authorization',
  'headers.cookie',
  '*.headers.authorization',
  '*.headers.Authorization',
  '*.headers.cookie',
  // Errors thrown by HTTP clients carry the request config and its headers.
  'err.config.headers.Authorization',
  'err.config.headers.authorization',
  'err.response.config.headers.Authorization',
  'err.response.config.headers.authorization',
];

export interface CreateLoggerOptions {
  level?: LoggerOptions['level'];
  /** Where lines go; default stderr, so stdout stays for command output. */
  destination?: DestinationStream | NodeJS.WritableStream;
  /** Fields on every line, e.g. { component: 'sync' }. */
  base?: Record<string, unknown>;
}

export function createLogger(options: CreateLoggerOptions = {}): Logger {
  return pino(
    {
      level: options.level ?? 'info',
      base: options.base ?? null,
      redact: { paths: [...REDACT_PATHS], censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    options.destination ?? pino.destination({ fd: 2, sync: true }),
  );
}
