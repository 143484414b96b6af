import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDemoLiterature } from '../../runtime/index.ts';
import { type FakeEutils, startFakeEutils } from '../fakes/eutils-server.ts';
import { syntheticArticle, syntheticPmid } from '../fakes/pubmed-articles.ts';
import { chromiumAvailable, closePage, launchBrowser, openPage, shot } from '../helpers/browser.ts';
import { ROOT, startTestServer, type TestServer } from '../helpers/runtime.ts';

/** The literature-watch page in Chromium against the real server and a fake E-utilities server. */
describe.skipIf(!chromiumAvailable())('literature watch UI (Chromium)', () => {
  let server: TestServer;
  let browser: Browser;
  let eutils: FakeEutils;

  beforeAll(async () => {
    eutils = await startFakeEutils();
    [server, browser] = await Promise.all([
      startTestServer([], { YZ_PUBMED_URL: eutils.url, YZ_PUBMED_BACKOFF_MS: '10', YZ_PUBMED_RETRIES: '1' }),
      launchBrowser(),
    ]);
    const imported = await loadDemoLiterature(server.rt);
    expect(imported).toBeGreaterThanOrEqual(50);
    await server.rt.runner.drain();
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await eutils?.close();
  });

  it('defines a watch, runs it now, and shows the run with its counts, chart and link to the new candidates', async () => {
    const records = new Map(Array.from({ length: 30 }, (_, n) => [syntheticPmid(7000 + n), syntheticArticle({ n: 7000 + n })]));
    eutils.setResults([...records.keys()], records);
    const { page, errors } = await openPage(browser, `${server.url}/literature`, { auth: server.auth });
    await page.getByRole('heading', { name: '文献监测', level: 1 }).waitFor();
    await expect(page.getByTestId('lit-status').textContent()).resolves.toContain('127.0.0.1');
    // The demo import is in the history already.
    await page.locator('[data-testid="runs-table"] tr[data-status="succeeded"]').first().waitFor();

    await page.getByTestId('new-watch').click();
    const form = page.getByTestId('watch-form');
    await form.locator('input[name="name"]').fill('肺结节 CT 影像组学');
    await form.locator('input[name="query"]').fill('lung nodule AND (CT OR radiomics)');
    await form.locator('input[name="mesh"]').fill('Lung Neoplasms, Radiomics');
    await form.locator('input[name="languages"]').fill('english, chinese');
    // A schedule in words, not cron (issue 14 item 7): every Monday at 06:00.
    await form.locator('select[name="frequency"]').selectOption('weekly');
    await form.locator('select[name="weekday"]').selectOption('1');
    await form.locator('select[name="hour"]').selectOption('6');
    await page.getByTestId('watch-save').click();
    const card = page.locator('[data-watch="肺结节 CT 影像组学"]');
    await card.waitFor();
    await expect(card.getByTestId('next-run').textContent()).resolves.toMatch(/\d/);
    await expect(card.getByTestId('schedule').textContent()).resolves.toBe('每周一 06:00');
    await expect(card.getByTestId('schedule').getAttribute('title')).resolves.toBe('0 6 * * 1');
    await expect(card.textContent()).resolves.toContain('MeSH: Radiomics');

    await card.getByTestId('run-now').click();
    await card.locator('text=成功').waitFor({ timeout: 30_000 });
    await expect(card.textContent()).resolves.toMatch(/新增 30/);
    const esearch = eutils.requests.find((r) => r.path === 'esearch.fcgi');
    expect(esearch?.params.term).toBe('(lung nodule AND (CT OR radiomics)) AND ("Lung Neoplasms"[MeSH Terms] OR "Radiomics"[MeSH Terms]) AND ("english"[Language] OR "chinese"[Language])');
    await page.getByTestId('runs-chart').waitFor();
    await shot(page, 'literature.png');

    // Extraction of the new abstracts runs in the background; the run's triples link opens them in the review queue.
    await server.rt.runner.drain();
    await page.reload();
    const row = page.locator('[data-testid="runs-table"] tr').filter({ hasText: '肺结节 CT 影像组学' }).first();
    await row.getByTestId('run-triples').click();
    await page.waitForURL(/\/review\?tag=pubmed_run/);
    await page.getByTestId('tag-filter').waitFor();
    await page.locator('.badge', { hasText: '新文献' }).first().waitFor();
    await closePage(page, errors);
  });

  it('a query PubMed rejects shows PubMed’s message on the watch', async () => {
    eutils.setQueryError('Invalid query: unbalanced parentheses');
    try {
      const { page, errors } = await openPage(browser, `${server.url}/literature`, { auth: server.auth });
      await page.getByTestId('new-watch').click();
      const form = page.getByTestId('watch-form');
      await form.locator('input[name="name"]').fill('bad query');
      await form.locator('input[name="query"]').fill('placenta accreta AND (MRI');
      await page.getByTestId('watch-save').click();
      const card = page.locator('[data-watch="bad query"]');
      await card.getByTestId('run-now').click();
      await expect(card.getByTestId('run-error').textContent({ timeout: 30_000 })).resolves.toContain('unbalanced parentheses');
      // An invalid cron is refused by the server, with its message in the form.
      await page.getByTestId('new-watch').click();
      await form.locator('input[name="name"]').fill('bad cron');
      await form.locator('input[name="query"]').fill('stroke');
      await form.locator('select[name="frequency"]').selectOption('custom');
      await form.locator('input[name="cron"]').fill('99 * * * *');
      await page.getByTestId('watch-save').click();
      await expect(form.locator('[role="alert"]').textContent()).resolves.toMatch(/cron/);
      await closePage(page, errors);
    } finally {
      eutils.setQueryError(null);
    }
  });

  it('imports a PubMed XML export from the page, and the review queue filters new literature since my last review', async () => {
    const { page, errors } = await openPage(browser, `${server.url}/literature`, { auth: server.auth });
    await page.getByTestId('import-input').setInputFiles(path.join(ROOT, 'tests/fixtures/pubmed/basic.xml'));
    await expect(page.getByTestId('import-message').textContent({ timeout: 20_000 })).resolves.toMatch(/basic\.xml/);
    await page.getByTestId('records').waitFor();
    await server.rt.runner.drain();

    await page.goto(`${server.url}/review`);
    // The filter lives in the URL: the box reads checked once the navigation lands.
    await page.locator('[data-filter="new-literature"]').click();
    await page.waitForURL(/new=1/);
    await expect.poll(() => page.locator('[data-filter="new-literature"]').isChecked(), { timeout: 10_000 }).toBe(true);
    await page.locator('.badge', { hasText: '新文献' }).first().waitFor();
    await shot(page, 'review-new-literature.png');
    await closePage(page, errors);
  });
});
