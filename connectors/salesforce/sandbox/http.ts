import type { IncomingMessage, ServerResponse } from 'node:http';
import { RequestError } from './writes.js';

/** Salesforce sends JSON with an explicit charset; jsforce detects JSON with /^application\/json(;|$)/. */
export const JSON_TYPE = 'application/json;charset=UTF-8';

/** The REST error envelope: an array of {message, errorCode, fields?}. */
export function errorBody(errorCode: string, message: string, fields?: string[]) {
  return [fields ? { message, errorCode, fields } : { message, errorCode }];
}

export function send(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  if (status === 204) {
    res.writeHead(204, headers);
    res.end();
    return;
  }
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': JSON_TYPE, 'Content-Length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

export function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new RequestError(
      400,
      'JSON_PARSER_ERROR',
      `Unexpected character in request body: ${(e as Error).message}`,
    );
  }
}

export interface Out {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}
