import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumAvailable, closePage, launchBrowser, openPage, shot } from '../helpers/browser.ts';
import { DEMO, startTestServer, type TestServer } from '../helpers/runtime.ts';

const STROKE_QUERY = '急性缺血性脑卒中 静脉溶栓';

/**
 * Issue 14 item 3 in Chromium: a manager creates a collection visible to experts only, assigns a source to it from
 * the sources list, and a search scoped to it returns only its passages; a resident neither sees the collection in
 * any picker nor finds its passages; an expert asks within it in chat.
 */
describe.skipIf(!chromiumAvailable())('collections UI (Chromium)', { timeout: 240_000 }, () => {
  let server: TestServer;
  let browser: Browser;
  let strokeId: string;
  let noduleId: string;
  const viewport = { width: 1440, height: 900 };

  beforeAll(async () => {
    [server, browser] = await Promise.all([
      startTestServer([path.join(DEMO, 'stroke-guideline.md'), path.join(DEMO, 'lung-nodule-guideline.md')]),
      launchBrowser(),
    ]);
    const items = (await server.rt.services.sources.list()).items;
    strokeId = items.find((s) => s.fileName.startsWith('stroke'))?.id ?? '';
    noduleId = items.find((s) => s.fileName.startsWith('lung-nodule'))?.id ?? '';
    expect(strokeId && noduleId).toBeTruthy();
  }, 240_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('a manager creates an experts-only collection and moves a source into it from the list', async () => {
    const { page, errors } = await openPage(browser, `${server.url}/sources`, { auth: server.auth, viewport });
    const card = page.getByTestId('collections-card');
    await card.locator('tr[data-collection="全院知识库"]').waitFor();
    await page.getByTestId('collection-new').click();
    const dialog = page.getByTestId('collection-dialog');
    await dialog.getByTestId('collection-name').fill('神经组');
    await dialog.getByTestId('collection-description').fill('神经影像：卒中与脑肿瘤');
    for (const role of ['admin', 'director', 'physician', 'technician', 'resident', 'teacher']) await dialog.locator(`input[data-role="${role}"]`).uncheck();
    await shot(page, 'collections-dialog.png');
    await dialog.getByTestId('collection-save').click();
    await page.getByTestId('collections-notice').filter({ hasText: '已创建「神经组」' }).waitFor();
    await expect(card.locator('tr[data-collection="神经组"] td[data-col="roles"]').textContent()).resolves.toBe('知识专家');

    // Select the stroke guideline, put it into 神经组, then take it out of 全院知识库.
    const row = page.locator(`tr[data-source-id="${strokeId}"]`);
    await row.getByTestId('select-source').check();
    const bar = page.getByTestId('selection-bar');
    await bar.getByTestId('selection-target').selectOption({ label: '神经组' });
    await bar.getByTestId('selection-add').click();
    await page.getByTestId('collections-notice').filter({ hasText: '已将 1 个来源加入「神经组」' }).waitFor();
    await row.locator('.cell-sub', { hasText: '神经组' }).waitFor();
    await row.getByTestId('select-source').check();
    await bar.getByTestId('selection-target').selectOption({ label: '全院知识库' });
    await bar.getByTestId('selection-remove').click();
    await page.getByTestId('collections-notice').filter({ hasText: '移出「全院知识库」' }).waitFor();
    const { rows } = await server.rt.db.query<{ name: string }>(
      'SELECT c.name FROM collection_sources cs JOIN collections c ON c.id = cs.collection_id WHERE cs.source_id = $1',
      [strokeId],
    );
    expect(rows.map((r) => r.name)).toEqual(['神经组']);

    // The collection filter of the list.
    await page.getByTestId('sources-collection').selectOption({ label: '神经组' });
    await page.waitForURL(/collection=/);
    await page.waitForFunction(() => document.querySelectorAll('.sources-table tbody tr').length === 1);
    expect(await page.locator(`tr[data-source-id="${strokeId}"]`).count()).toBe(1);
    await shot(page, 'collections-manage.png');
    await closePage(page, errors);
  });

  it('reads in English too', async () => {
    const { page, errors } = await openPage(browser, `${server.url}/sources`, { auth: server.auth, viewport, lang: 'en' });
    const card = page.getByTestId('collections-card');
    await card.locator('tr[data-collection="神经组"] td[data-col="roles"]', { hasText: 'Knowledge expert' }).waitFor();
    await expect(card.locator('h2').textContent()).resolves.toBe('Collections');
    await expect(card.locator('tr[data-collection="全院知识库"] td[data-col="roles"]').textContent()).resolves.toBe('All roles');
    await shot(page, 'collections-manage-en.png');
    await closePage(page, errors);
  });

  it('a search scoped to the collection returns only its passages, and the choice is remembered', async () => {
    const { page, errors } = await openPage(browser, `${server.url}/search`, { auth: server.auth, viewport });
    const picker = page.getByTestId('collection-picker');
    await picker.locator('[data-collection="神经组"]').click();
    await page.locator('#q').fill(STROKE_QUERY);
    await page.locator('#q').press('Enter');
    const hits = page.locator('li.hit');
    await hits.first().waitFor();
    const sources = await hits.evaluateAll((els) => [...new Set(els.map((e) => e.getAttribute('data-source-id')))]);
    expect(sources).toEqual([strokeId]);
    expect(page.url()).toMatch(/collection=col_/);
    await shot(page, 'collections-search.png');
    // Another question inside 神经组 finds nothing of the nodule guideline.
    await page.locator('#q').fill('肺结节 随访');
    await page.locator('#q').press('Enter');
    await page.waitForURL(/%E8%82%BA|肺/);
    await page.locator('li.hit, [data-testid="no-results"]').first().waitFor();
    expect(await page.locator(`li.hit[data-source-id="${noduleId}"]`).count()).toBe(0);
    // A fresh visit starts from the remembered choice.
    await page.goto(`${server.url}/search?q=${encodeURIComponent(STROKE_QUERY)}`);
    await hits.first().waitFor();
    await expect(picker.locator('[data-collection="神经组"]').getAttribute('aria-pressed')).resolves.toBe('true');
    expect(await hits.evaluateAll((els) => [...new Set(els.map((e) => e.getAttribute('data-source-id')))])).toEqual([strokeId]);
    await closePage(page, errors);
  });

  it('a resident does not see the hidden collection nor find its passages', async () => {
    const resident = await server.tokenFor('resident');
    const { page, errors } = await openPage(browser, `${server.url}/search?q=${encodeURIComponent(STROKE_QUERY)}`, { auth: resident, viewport });
    await page.locator('li.hit, [data-testid="no-results"]').first().waitFor();
    expect(await page.locator(`li.hit[data-source-id="${strokeId}"]`).count()).toBe(0);
    // One collection visible: no picker at all, and no 神经组 anywhere on the page.
    expect(await page.getByTestId('collection-picker').count()).toBe(0);
    expect(await page.locator('body').textContent()).not.toContain('神经组');
    await shot(page, 'collections-resident-search.png');

    await page.goto(`${server.url}/sources`);
    await page.locator('.sources-table tbody tr').first().waitFor();
    expect(await page.locator(`tr[data-source-id="${strokeId}"]`).count()).toBe(0);
    expect(await page.locator(`tr[data-source-id="${noduleId}"]`).count()).toBe(1);
    expect(await page.getByTestId('collections-card').count()).toBe(0);
    expect(await page.getByTestId('select-source').count()).toBe(0);

    await page.goto(`${server.url}/chat`);
    await page.getByTestId('composer').waitFor();
    expect(await page.getByTestId('chat-collections').count()).toBe(0);
    // A typed URL of the hidden source is "not found", not its content.
    await page.goto(`${server.url}/sources/${strokeId}`);
    await page.locator('.alert-error, [role="alert"]').first().waitFor();
    expect(await page.locator('body').textContent()).not.toContain('静脉溶栓');
    await closePage(page, errors.filter((e) => !/404/.test(e)));
  });

  it('an expert asks within the collection in chat; the answer cites only its source', async () => {
    const expert = await server.tokenFor('expert');
    const { page, errors } = await openPage(browser, `${server.url}/chat`, { auth: expert, viewport });
    const picker = page.getByTestId('chat-collections');
    await picker.locator('[data-collection="神经组"]').click();
    await page.locator('#chat-input').fill('急性缺血性脑卒中静脉溶栓的时间窗是多少？');
    await page.locator('#chat-input').press('Enter');
    await page.locator('[data-testid="turn"][data-status="done"]').waitFor({ timeout: 60_000 });
    const titles = await page.getByTestId('citation-link').allTextContents();
    expect(titles.length).toBeGreaterThan(0);
    const stroke = await server.rt.services.sources.get(strokeId);
    expect(new Set(titles)).toEqual(new Set([`《${stroke?.title}》`]));
    await shot(page, 'collections-chat.png');
    await closePage(page, errors);
  });
});
