import { mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@hubspot/api-client';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type HubSpotSandbox, startHubSpotSandbox } from '../../connectors/hubspot/sandbox/index.js';
import { loadConfig } from '../../src/config/load.js';
import { type ConsoleFixture, consoleFixture, MASTER_KEY, PASSWORD } from './helpers.js';

/**
 * The console in real headless Chromium (Debian's package, driven by playwright-core) against the in-process
 * HubSpot sandbox: log in with the keyboard, connect, sync, edit a rule, backtest, activate, and find the new
 * score on the contact in the sandbox. Screenshots of the main pages go to test-results/.
 */

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SHOTS = join(process.cwd(), 'test-results');

let sandbox: HubSpotSandbox;
let fixture: ConsoleFixture;
let browser: BrowserContext;
let page: Page;
let base: string;
let profile: string;

beforeAll(async () => {
  // connectCrm reads the master key from the process environment.
  vi.stubEnv('LEADSCORE_MASTER_KEY', MASTER_KEY);
  sandbox = await startHubSpotSandbox({ contacts: 60, seed: 11, eventsPerContact: 6 });
  fixture = await consoleFixture({ history: false });
  base = await fixture.app.listen({ host: '127.0.0.1', port: 0 });
  profile = mkdtempSync(join(tmpdir(), 'leadscore-chromium-'));
  browser = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1280, height: 900 },
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  page = browser.pages()[0] ?? (await browser.newPage());
  mkdirSync(SHOTS, { recursive: true });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await fixture?.close();
  await sandbox?.close();
  if (profile) rmSync(profile, { recursive: true, force: true });
  vi.unstubAllEnvs();
});

/** Every visible form control has a label (a <label for>, a wrapping label or aria-label). */
async function unlabelled(): Promise<string[]> {
  return page.evaluate(() =>
    [...document.querySelectorAll('input:not([type=hidden]), select, textarea')]
      .filter((element) => {
        const control = element as HTMLInputElement;
        return (control.labels?.length ?? 0) === 0 && !control.getAttribute('aria-label');
      })
      .map((element) => (element as HTMLInputElement).name),
  );
}

async function shot(name: string): Promise<void> {
  const path = join(SHOTS, `console-${name}.png`);
  await page.screenshot({ path, fullPage: true });
  expect(statSync(path).size).toBeGreaterThan(10_000);
}

describe('the console in a browser', () => {
  it('given the login form, then Tab reaches the password and Enter logs in', async () => {
    await page.goto(`${base}/`);
    expect(new URL(page.url()).pathname).toBe('/login');
    expect(await unlabelled()).toEqual([]);
    await page.focus('#f-who');
    await page.keyboard.type('Riley');
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('f-password');
    await page.keyboard.type(PASSWORD);
    await Promise.all([page.waitForURL(`${base}/`), page.keyboard.press('Enter')]);
    await expect(page.locator('h1').textContent()).resolves.toBe('Overview');
  });

  it('given a wrong token, then Connect says the CRM refused it and changes nothing', async () => {
    await page.goto(`${base}/connect`);
    expect(await unlabelled()).toEqual([]);
    await page.fill('#f-token', 'pat-na1-not-a-real-token');
    await page.fill('#hs-basePath', sandbox.baseUrl);
    await page.click('text=Connect HubSpot');
    await expect(page.locator('#connect-result').textContent()).resolves.toMatch(
      /did not accept these credentials/,
    );
    expect(loadConfig(fixture.configPath).connection.crm).toBe('none');
  });

  it('given the sandbox token, then Connect shows the scopes and fields, and the token is nowhere in the page', async () => {
    await page.fill('#f-token', sandbox.token);
    await page.fill('#hs-basePath', sandbox.baseUrl);
    await page.click('text=Connect HubSpot');
    await expect(page.locator('#connect-result').textContent()).resolves.toMatch(/^Connected/);
    await expect(page.locator('text=crm.objects.contacts.write').first().isVisible()).resolves.toBe(true);
    await expect(page.locator('text=leadscore_score').first().isVisible()).resolves.toBe(true);
    expect(await page.content()).not.toContain(sandbox.token);
    expect(loadConfig(fixture.configPath).connection.crm).toBe('hubspot');
    await shot('connect');
  });

  it('given a sync, an edited rule, a backtest and an activation, then the new score is on the contact in HubSpot', async () => {
    await page.goto(`${base}/runs`);
    await page.click('text=Sync now');
    await expect(page.locator('.flash.ok').textContent()).resolves.toMatch(/records and \d+ events pulled/);
    expect(fixture.store.countRecords()).toBe(60);

    await page.goto(`${base}/rules`);
    expect(await unlabelled()).toEqual([]);
    // The fit rule on the industry: 10 -> 25 points moves every lead in a target industry.
    await page.fill('#f-fit-rules-0-points', '25');
    await page.fill('#f-note', 'industry fit matters more');
    await page.click('text=Save as a new version');
    await expect(page.locator('.flash.ok').textContent()).resolves.toMatch(/Saved version \d+/);

    await page.goto(`${base}/backtest`);
    await page.click('text=Run backtest');
    await expect(page.locator('#backtest-summary').textContent()).resolves.toMatch(/60 records as of/);
    await shot('backtest');

    const before = new Map(
      fixture.store.topScores({ limit: 100 }).map(({ record, score }) => [record.externalId, score.score]),
    );
    await page.goto(`${base}/activate`);
    await page.click('text=Activate and rescore everything');
    const flash = await page.locator('.flash.ok').textContent();
    expect(flash).toMatch(/60 records rescored/);
    const written = Number(/(\d+) written back/.exec(flash ?? '')?.[1]);
    const changed = fixture.store
      .topScores({ limit: 100 })
      .filter(({ record, score }) => before.get(record.externalId) !== score.score);
    expect(changed.length).toBeGreaterThan(0);
    expect(written).toBeGreaterThanOrEqual(changed.length);

    const hubspot = new Client({ accessToken: sandbox.token, basePath: sandbox.baseUrl });
    for (const { record, score } of changed.slice(0, 5)) {
      const contact = await hubspot.crm.contacts.basicApi.getById(record.externalId, ['leadscore_score']);
      expect(Number(contact.properties.leadscore_score)).toBe(score.score);
    }
  });

  it('given the main pages, then they render with their headings and charts (screenshots in test-results/)', async () => {
    for (const [name, path, heading] of [
      ['overview', '/', 'Overview'],
      ['rules', '/rules', 'Rules'],
      ['versions', '/rules/versions', 'Rule set versions'],
      ['runs', '/runs', 'Runs & health'],
    ] as const) {
      await page.goto(`${base}${path}`);
      await expect(page.locator('h1').textContent()).resolves.toBe(heading);
      await expect(page.locator('nav[aria-label="Main"]').isVisible()).resolves.toBe(true);
      expect(await unlabelled()).toEqual([]);
      await shot(name);
    }
    await page.goto(`${base}/`);
    expect(await page.locator('svg[role="img"]').count()).toBeGreaterThanOrEqual(5);
    const top = fixture.store.topScores({ limit: 1 })[0]!;
    await page.goto(`${base}/records/${top.record.id}`);
    await expect(page.locator('#record-score').textContent()).resolves.toContain(`Score ${top.score.score}`);
    await shot('record');
  });
});
