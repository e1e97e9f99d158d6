import { readFileSync } from 'node:fs';
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { sessionIdHash } from '../../src/console/auth.js';
import { createLogger } from '../../src/logger.js';
import { ruleSetHash } from '../../src/scoring/hash.js';
import {
  type ConsoleFixture,
  consoleFixture,
  csrfOf,
  formFields,
  get,
  Jar,
  login,
  PASSWORD,
  post,
} from './helpers.js';

let fixture: ConsoleFixture | undefined;
afterEach(async () => {
  await fixture?.close();
  fixture = undefined;
});

async function setup() {
  fixture = await consoleFixture();
  return fixture;
}

describe('console auth', () => {
  it('given no session, when a page is opened, then it redirects to the login page', async () => {
    const { app } = await setup();
    const response = await get(app, new Jar(), '/rules');
    expect(response.statusCode).toBe(303);
    expect(response.headers.location).toBe('/login?next=%2Frules');
  });

  it('given a wrong password, then the login says so and sets no session', async () => {
    const { app } = await setup();
    const jar = new Jar();
    const page = await get(app, jar, '/login');
    const response = await post(app, jar, '/login', {
      _csrf: csrfOf(page.body),
      password: 'not the password',
    });
    expect(response.statusCode).toBe(401);
    expect(response.body).toContain('Wrong password.');
    expect(jar.cookies.has('ls_session')).toBe(false);
  });

  it('given the right password, then the session cookie is HttpOnly and SameSite=Strict and only its hash is stored', async () => {
    const { app, store } = await setup();
    const jar = new Jar();
    const page = await get(app, jar, '/login');
    const response = await post(app, jar, '/login', {
      _csrf: csrfOf(page.body),
      who: 'Riley',
      password: PASSWORD,
      next: '/records',
    });
    expect(response.statusCode).toBe(303);
    expect(response.headers.location).toBe('/records');
    const cookie = [response.headers['set-cookie']].flat().find((line) => line?.startsWith('ls_session='));
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    const id = jar.cookies.get('ls_session')!;
    expect(store.console.getSession(id, Date.now())).toBeUndefined();
    expect(store.console.getSession(sessionIdHash(id), fixture!.clock.now)?.who).toBe('Riley');
    const overview = await get(app, jar, '/');
    expect(overview.statusCode).toBe(200);
    expect(overview.body).toContain('Riley');
    expect(overview.headers['content-security-policy']).toContain("default-src 'none'");
  });

  it('given five failed logins, then even the right password waits', async () => {
    const { app } = await setup();
    const jar = new Jar();
    const page = await get(app, jar, '/login');
    const token = csrfOf(page.body);
    for (let attempt = 0; attempt < 5; attempt++) {
      expect(
        (await post(app, jar, '/login', { _csrf: token, password: `guess ${attempt}` })).statusCode,
      ).toBe(401);
    }
    const blocked = await post(app, jar, '/login', { _csrf: token, password: PASSWORD });
    expect(blocked.statusCode).toBe(429);
    expect(blocked.body).toContain('Too many failed logins');
  });

  it('given an expired session, then a page asks to log in again and a POST changes nothing', async () => {
    const { app, clock, rulesPath } = await setup();
    const jar = await login(app);
    const rules = await get(app, jar, '/rules');
    const form = formFields(rules.body, '/rules');
    clock.now += 9 * 3_600_000;
    const page = await get(app, jar, '/');
    expect(page.statusCode).toBe(303);
    expect(page.headers.location).toContain('expired=1');
    const loginPage = await get(app, jar, page.headers.location as string);
    expect(loginPage.body).toContain('Your session has expired');
    const before = readFileSync(rulesPath, 'utf8');
    const saved = await post(app, jar, '/rules', { ...form, 'fit.max': '70' });
    expect(saved.statusCode).toBe(401);
    expect(saved.body).toContain('nothing was changed');
    expect(readFileSync(rulesPath, 'utf8')).toBe(before);
  });
});

describe('console logs', () => {
  it('given logins and a page, then the log has each request without secrets or query strings', async () => {
    const lines: string[] = [];
    const destination = new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    });
    fixture = await consoleFixture({ logger: createLogger({ level: 'info', destination }) });
    const { app } = fixture;
    const jar = new Jar();
    const page = await get(app, jar, '/login?next=%2Fruns');
    await post(app, jar, '/login', { _csrf: csrfOf(page.body), password: 'wrong but secret-ish' });
    await post(app, jar, '/login', { _csrf: csrfOf(page.body), password: PASSWORD });
    await get(app, jar, '/records?q=ada');
    const text = lines.join('');
    expect(text).toContain('"path":"/records"');
    expect(text).toContain('console login failed');
    expect(text).not.toContain(PASSWORD);
    expect(text).not.toContain('secret-ish');
    expect(text).not.toContain(jar.cookies.get('ls_session')!);
    expect(text).not.toContain('q=ada');
  });
});

describe('console CSRF', () => {
  it('given a POST without a CSRF token or with a forged one, then it is refused and nothing changes', async () => {
    const { app, rulesPath } = await setup();
    const jar = await login(app);
    const form = formFields((await get(app, jar, '/rules')).body, '/rules');
    const before = readFileSync(rulesPath, 'utf8');
    const { _csrf: _dropped, ...withoutToken } = form;
    for (const body of [withoutToken, { ...form, _csrf: 'forged-token' }]) {
      const response = await post(app, jar, '/rules', { ...body, 'fit.max': '70' });
      expect(response.statusCode).toBe(403);
      expect(response.body).toContain('security token (CSRF) is missing or out of date');
    }
    expect(readFileSync(rulesPath, 'utf8')).toBe(before);
  });
});

describe('rules editor', () => {
  it('given invalid values, then each message sits next to its field and the file is untouched', async () => {
    const { app, rulesPath } = await setup();
    const jar = await login(app);
    const form = formFields((await get(app, jar, '/rules')).body, '/rules');
    expect(form['engagement.rules.4.points']).toBe('30');
    const before = readFileSync(rulesPath, 'utf8');
    const response = await post(app, jar, '/rules', {
      ...form,
      'fit.max': 'lots',
      'bands.fit.B': '99',
      'engagement.rules.0.details': 'event: email_opened',
    });
    expect(response.statusCode).toBe(422);
    // A non-number is caught before the schema runs; the schema's own checks run once the numbers parse.
    expect(response.body).toMatch(/id="f-fit-max-error">expected a number such as 10, got &quot;lots&quot;/);
    const badEvent = await post(app, jar, '/rules', {
      ...form,
      'engagement.rules.0.details': 'event: email_opened',
    });
    expect(badEvent.statusCode).toBe(422);
    expect(badEvent.body).toMatch(
      /id="f-engagement-rules-0-details-error">event: expected an event type, one of: [^<]*email_open,/,
    );
    // The cross-field checks run once every value has the right shape.
    const schemaProblems = await post(app, jar, '/rules', { ...form, 'bands.fit.B': '99' });
    expect(schemaProblems.statusCode).toBe(422);
    expect(schemaProblems.body).toMatch(/id="f-bands-fit-A-error">expected A &gt; B &gt; C/);
    expect(schemaProblems.body).toContain('aria-invalid="true"');
    expect(readFileSync(rulesPath, 'utf8')).toBe(before);
  });

  it('given a threshold every lead reaches, then the save is refused with a message on the threshold', async () => {
    const { app, rulesPath } = await setup();
    const jar = await login(app);
    const form = formFields((await get(app, jar, '/rules')).body, '/rules');
    const before = readFileSync(rulesPath, 'utf8');
    const response = await post(app, jar, '/rules', { ...form, 'stages.0.minScore': '0' });
    expect(response.statusCode).toBe(422);
    expect(response.body).toMatch(
      /id="f-stages-0-minScore-error">with these rules every one of the 3 stored leads would be MQL/,
    );
    expect(readFileSync(rulesPath, 'utf8')).toBe(before);
  });

  it('given a save, then it is a new version with a diff, the comments survive, and roll back restores the file', async () => {
    const { app, rulesPath } = await setup();
    const original = readFileSync(rulesPath, 'utf8');
    const jar = await login(app, 'Riley');
    const form = formFields((await get(app, jar, '/rules')).body, '/rules');
    const saved = await post(app, jar, '/rules', {
      ...form,
      'engagement.rules.4.points': '45',
      note: 'demo requests matter more',
    });
    expect(saved.statusCode).toBe(303);
    const text = readFileSync(rulesPath, 'utf8');
    expect(text).toContain('points: 45');
    expect(text).toContain('# A demo request stays meaningful longer than a page view.');
    expect(loadConfig(fixture!.configPath).rules.engagement.rules[4]?.points).toBe(45);

    const versions = await get(app, jar, '/rules/versions');
    expect(versions.body).toContain('demo requests matter more');
    expect(versions.body).toContain('Riley');
    expect(versions.body).toContain('the rules file when the console first saw it');
    const diff = await get(app, jar, '/rules/versions/2');
    expect(diff.body).toMatch(/removed: <\/span>- {7}points: 30/);
    expect(diff.body).toMatch(/added: <\/span>\+ {7}points: 45/);

    const rolledBack = await post(app, jar, '/rules/versions/1/rollback', { _csrf: csrfOf(versions.body) });
    expect(rolledBack.statusCode).toBe(303);
    expect(readFileSync(rulesPath, 'utf8')).toBe(original);
    const after = await get(app, jar, '/rules/versions');
    expect(after.body).toContain('rolled back to version 1');
  });
});

describe('backtest and activate pages', () => {
  it('given the stored leads, then the backtest page shows the side-by-side numbers', async () => {
    const { app } = await setup();
    const jar = await login(app);
    const page = await get(app, jar, '/backtest?run=1&candidate=file&weeks=4');
    expect(page.statusCode).toBe(200);
    expect(page.body).toMatch(/3 records as of/);
    expect(page.body).toContain('Band distribution');
    expect(page.body).toContain('Leads crossing MQL per week');
    const bad = await get(app, jar, '/backtest?run=1&weeks=500');
    expect(bad.body).toMatch(/id="f-weeks-error">expected a whole number of weeks/);
  });

  it('given a saved edit, when activated, then every record is rescored with the file rules', async () => {
    const { app, store } = await setup();
    const jar = await login(app);
    const form = formFields((await get(app, jar, '/rules')).body, '/rules');
    await post(app, jar, '/rules', { ...form, 'fit.rules.0.points': '25' });
    const rules = loadConfig(fixture!.configPath).rules;
    expect(store.activeRuleSet()?.hash).not.toBe(ruleSetHash(rules));
    const page = await get(app, jar, '/activate');
    expect(page.body).toContain('They differ.');
    const response = await post(app, jar, '/activate', { _csrf: csrfOf(page.body) });
    expect(response.statusCode).toBe(303);
    const location = new URL(response.headers.location as string, 'http://console');
    expect(location.searchParams.get('ok')).toMatch(/3 records rescored/);
    expect(store.activeRuleSet()?.hash).toBe(ruleSetHash(rules));
    const runs = await get(app, jar, '/runs');
    expect(runs.body).toContain('activate');
  });
});

describe('records', () => {
  it('given a search, then the record page shows score, band, the why and the history chart', async () => {
    const { app, store } = await setup();
    const jar = await login(app);
    const results = await get(app, jar, '/records?q=ada');
    const id = store.getRecordByExternalId('hubspot', 'r1')!.id;
    expect(results.body).toContain(`href="/records/${id}"`);
    const page = await get(app, jar, `/records/${id}`);
    const score = store.getScore(id)!;
    expect(page.body).toContain(`Score ${score.score}</strong>`);
    expect(page.body).toContain(`band <strong>${score.band}</strong>`);
    expect(page.body).toContain('Demo request');
    expect(page.body).toContain('demo_request');
    expect(page.body).toContain('aria-labelledby="history-title"');
  });
});
