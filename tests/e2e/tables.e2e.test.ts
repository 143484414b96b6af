import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumAvailable, closePage, launchBrowser, openPage, shot } from '../helpers/browser.ts';
import { DEMO, startTestServer, type TestServer } from '../helpers/runtime.ts';

const VIEWPORT = { width: 1280, height: 900 };

/** Tables kept as tables, seen in Chromium: in an extractive answer, on the passage page and in the page browser. */
describe.skipIf(!chromiumAvailable())('tables in the UI (Chromium)', () => {
  let server: TestServer;
  let browser: Browser;

  beforeAll(async () => {
    [server, browser] = await Promise.all([startTestServer([path.join(DEMO, 'lung-nodule-guideline.md')]), launchBrowser()]);
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  const open = (urlPath: string) => openPage(browser, server.url + urlPath, { lang: 'zh', viewport: VIEWPORT, auth: server.auth });

  it('an extractive answer draws the quoted table rows as a table, each row with its citation; a row citation opens the passage with that row marked', async () => {
    const { page, errors } = await open('/chat');
    await page.locator('#chat-input').fill('肺结节多大需要随访？');
    await page.locator('#chat-input').press('Enter');
    await page.waitForFunction(() => document.querySelector('[data-testid="turn"]')?.getAttribute('data-status') === 'done', null, { timeout: 60_000 });
    const table = page.locator('[data-testid="answer-table"]').first();
    await table.waitFor();
    expect(await table.locator('thead th').allTextContents()).toEqual(expect.arrayContaining(['结节大小（平均直径）', '单发·低风险', '单发·高风险', '多发']));
    const rows = table.locator('tbody tr');
    expect(await rows.count()).toBe(3);
    expect(await rows.nth(2).locator('td').first().textContent()).toBe('＞8 mm');
    expect(await rows.nth(2).textContent()).toContain('3 个月复查 CT');
    // Every row carries a citation chip, numbered without gaps across the answer.
    for (let i = 0; i < 3; i++) expect(await rows.nth(i).locator('.doc-table-extra .cite-chip, .doc-table-extra [data-testid="cite-chip"]').count()).toBeGreaterThan(0);
    const numbers = (await page.locator('[data-testid="citation-item"]').evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-n')))));
    expect(numbers).toEqual(numbers.map((_, i) => i + 1));
    await shot(page, 'chat-answer-table.png');

    // The citation of the ＞8 mm row opens the passage: page 11 with the table drawn and that row marked.
    const n = Number(await rows.nth(2).locator('.doc-table-extra').textContent().then((t) => /\d+/.exec(t ?? '')?.[0]));
    await page.locator(`[data-testid="citation-item"][data-n="${n}"] [data-testid="citation-link"]`).click();
    await page.locator('[data-testid="passage-citation"]').waitFor();
    const pageTable = page.locator('[data-testid="page-table"]').first();
    await pageTable.waitFor();
    expect(await pageTable.locator('caption').textContent()).toBe('表 10-1 偶发实性结节随访建议');
    const marked = pageTable.locator('tr[data-marked="true"]');
    expect(await marked.count()).toBe(1);
    expect(await marked.locator('td').first().textContent()).toBe('＞8 mm');
    await shot(page, 'passage-table-row.png');
    await closePage(page, errors);
  }, 120_000);

  it('the page browser of a source draws the page\'s tables as tables', async () => {
    const source = (await server.rt.sources.list({ limit: 10 })).items[0];
    const { page, errors } = await open(`/sources/${encodeURIComponent(source.id)}?page=12`);
    const table = page.locator('[data-testid="page-table"]').first();
    await table.waitFor();
    expect(await table.locator('caption').textContent()).toBe('表 10-2 偶发亚实性结节随访建议');
    expect(await table.locator('tbody tr').count()).toBe(6);
    expect(await table.locator('tr[data-marked="true"]').count()).toBe(0);
    await shot(page, 'source-page-table.png');
    await closePage(page, errors);
  }, 60_000);
});
