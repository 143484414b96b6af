import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumAvailable, clickNav, closePage, launchBrowser, openPage, shot } from '../helpers/browser.ts';
import { startTestServer, type TestServer } from '../helpers/runtime.ts';

/** 报告草稿 → 插入 RIS in Chromium: a real local RIS endpoint that is down first, then refuses, then accepts. */
describe.skipIf(!chromiumAvailable())('report push UI (Chromium)', () => {
  let server: TestServer;
  let browser: Browser;
  let ris: http.Server;
  const plan: number[] = [];
  const received: string[] = [];

  beforeAll(async () => {
    ris = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        const status = plan.shift() ?? 200;
        received.push(`${status} ${req.headers['x-yingzhi-provenance']}`);
        res.writeHead(status).end();
      });
    });
    await new Promise<void>((r) => ris.listen(0, '127.0.0.1', r));
    [server, browser] = await Promise.all([startTestServer([], { YZ_LLM: 'none', YZ_MASTER_KEY: randomBytes(16).toString('hex'), YZ_CONNECTOR_CHECK_SECONDS: '3600' }), launchBrowser()]);
    await server.rt.connectors.create({ name: '放射科 RIS', kind: 'ris', config: { mode: 'rest', url: `http://127.0.0.1:${(ris.address() as AddressInfo).port}/reports` } }, 'admin');
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await new Promise((r) => ris?.close(r));
  });

  it('insert into RIS: queued → retrying with the error shown → sent; a refused push fails and the retry button sends it', async () => {
    const { page, errors } = await openPage(browser, `${server.url}/`, { auth: await server.tokenFor('physician') });
    await clickNav(page, 'report-draft');
    await page.getByRole('heading', { name: '报告草稿', level: 1 }).waitFor();
    const form = page.getByTestId('draft-form');
    await form.locator('input[name="longMm"]').fill('8.2');
    await form.locator('input[name="shortMm"]').fill('6.1');
    await page.getByTestId('draft-submit').click();
    await page.getByTestId('draft-result').waitFor();
    // The result renders just before the address changes to the draft's provenance URL.
    await page.waitForURL(/\/reports\/drafts\/rpt_/);
    const draftId = page.url().split('/').at(-1) as string;

    await expect(page.locator('select[name="pushTarget"] option').allTextContents()).resolves.toEqual(['放射科 RIS']);
    plan.push(503);
    await page.getByTestId('push-send').click();
    const row = page.locator('[data-testid="push-table"] tbody tr').first();
    await row.locator('xpath=self::*[@data-status="retrying"]').waitFor({ timeout: 15_000 });
    await expect(row.textContent()).resolves.toContain('503');
    await expect(row.textContent()).resolves.toContain('重试中');
    await row.locator('xpath=self::*[@data-status="sent"]').waitFor({ timeout: 20_000 });
    await expect(row.textContent()).resolves.toContain('已送达');
    expect(received.slice(-2)).toEqual([`503 ${draftId}`, `200 ${draftId}`]);

    plan.push(422);
    await page.locator('select[name="pushFormat"]').selectOption('fhir');
    await page.getByTestId('push-send').click();
    await expect(page.locator('[data-testid="push-table"] tbody tr').count()).resolves.toBeGreaterThanOrEqual(1);
    const failed = page.locator('[data-testid="push-table"] tbody tr[data-status="failed"]');
    await failed.waitFor({ timeout: 15_000 });
    await expect(failed.textContent()).resolves.toContain('422');
    await shot(page, 'report-push.png');
    await failed.getByTestId('push-retry').click();
    await page.locator('[data-testid="push-table"] tbody tr[data-status="sent"]').nth(1).waitFor({ timeout: 15_000 });
    await expect(page.locator('[data-testid="push-table"] tbody tr[data-status="failed"]').count()).resolves.toBe(0);
    await closePage(page, errors);
  }, 90_000);

  it('without a push target the panel says how to get one', async () => {
    const s = await startTestServer([], { YZ_LLM: 'none' });
    try {
      const { page, errors } = await openPage(browser, `${s.url}/reports/draft`, { auth: await s.tokenFor('physician') });
      await page.getByTestId('draft-form').locator('input[name="longMm"]').fill('7');
      await page.getByTestId('draft-submit').click();
      await page.getByTestId('push-no-targets').waitFor();
      await expect(page.getByTestId('push-no-targets').textContent()).resolves.toContain('REST');
      await closePage(page, errors);
    } finally {
      await s.close();
    }
  }, 60_000);
});
