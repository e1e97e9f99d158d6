import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';

function capture(): { stream: Writable; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      chunks.push(String(chunk));
      done();
    },
  });
  return { stream, text: () => chunks.join('') };
}

describe('createLogger', () => {
  it('given secrets in logged objects, when logged, then they are redacted and the rest kept', () => {
    const out = capture();
    const logger = createLogger({ destination: out.stream });

    logger.info(
      {
        token: 'tok-top',
        hubspot: { accessToken: 'tok-nested', clientSecret: 'cs-nested', portalId: 42 },
        request: { headers: { authorization: 'Bearer tok-header' } },
        headers: { authorization: 'Bearer tok-top-header' },
        connection: { salesforce: { refreshToken: 'rt-deep', password: 'pw-deep' } },
      },
      'connected',
    );

    const text = out.text();
    for (const secret of [
      'tok-top',
      'tok-nested',
      'cs-nested',
      'tok-header',
      'tok-top-header',
      'rt-deep',
      'pw-deep',
    ]) {
      expect(text).not.toContain(secret);
    }
    expect(text).toContain('[redacted]');
    expect(text).toContain('"portalId":42');
    expect(text).toContain('connected');
  });

  it('given a level of warn, when info is logged, then nothing is written', () => {
    const out = capture();
    const logger = createLogger({ level: 'warn', destination: out.stream });

    logger.info('quiet');
    logger.warn('loud');

    expect(out.text()).not.toContain('quiet');
    expect(out.text()).toContain('loud');
  });
});
