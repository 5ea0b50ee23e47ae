import { describe, expect, it } from 'vitest';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { REDACT_PATHS } from './logger.ts';

describe('logger redaction', () => {
  it('censors secret fields and credential headers wherever a log line puts them', () => {
    let out = '';
    const log = pino({ redact: { paths: REDACT_PATHS, censor: '[redacted]' } }, new Writable({ write(c, _e, done) { out += String(c); done(); } }));
    log.info({ req: { headers: { authorization: 'Bearer S1', 'x-api-key': 'S2' } }, config: { adminToken: 'S3', apiKey: 'S4', webhookSecret: 'S5', databaseUrl: 'S6' }, token: 'S7', password: 'S8' }, 'x');
    for (const s of ['S1', 'S2', 'S3', 'S4', 'S5', 'S6', 'S7', 'S8']) expect(out).not.toContain(`"${s}"`);
    expect(out).toContain('[redacted]');
  });
});
