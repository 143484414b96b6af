import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumAvailable, closePage, launchBrowser, openPage, shot } from '../helpers/browser.ts';
import { DEMO, ROOT, startTestServer, type TestServer } from '../helpers/runtime.ts';

/** Authored plain-text notes (test content): names the lexicon does not know, a stated synonym. */
const NOTES = ['恙虫病', '恙虫病又称丛林斑疹伤寒，由恙虫病东方体感染引起。', '特征性体征为焦痂和溃疡，常伴发热、皮疹和淋巴结肿大。', '治疗首选多西环素，一般无需使用糖皮质激素。'].join('\n');

/** The vocabulary page and the guarded bulk approval, in Chromium against the real server. */
describe.skipIf(!chromiumAvailable())('vocabulary UI (Chromium)', () => {
  let server: TestServer;
  let browser: Browser;

  beforeAll(async () => {
    [server, browser] = await Promise.all([startTestServer(['lung-nodule-guideline.md', 'stroke-guideline.md', 'lung-cancer-textbook.md', 'abdomen-textbook.md'].map((f) => path.join(DEMO, f))), launchBrowser()]);
    await server.rt.ingest.register(Buffer.from(NOTES, 'utf8'), 'tsutsugamushi.txt', { kind: 'textbook', title: '恙虫病讲义（测试）' });
    await server.rt.runner.drain();
    await server.rt.knowledge.projector.catchUp();
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  const open = (urlPath: string) => openPage(browser, `${server.url}${urlPath}`, { auth: server.auth });
  const close = (page: Page, errors: string[]) => closePage(page, errors);

  it('bulk approval by filter previews counts and a sample, and needs the typed count past the limit', async () => {
    const { page, errors } = await open('/review');
    await page.locator('tr.cand-row').first().waitFor();
    await page.locator('[data-testid="bulk-filter-approve"]').click();
    const dialog = page.locator('[data-testid="bulk-dialog"]');
    await dialog.locator('[data-testid="bulk-preview"]').waitFor();
    const approvable = Number(await dialog.locator('[data-testid="bulk-total"]').getAttribute('data-total'));
    expect(approvable).toBeGreaterThan(50);
    expect(await dialog.locator('[data-testid="bulk-by-predicate"] li').count()).toBeGreaterThan(1);
    expect(await dialog.locator('[data-testid="bulk-by-source"] li').count()).toBeGreaterThanOrEqual(2);
    expect(await dialog.locator('[data-testid="bulk-sample"] li').count()).toBeGreaterThan(0);
    expect(Number(await dialog.locator('[data-testid="bulk-held"]').getAttribute('data-unresolved'))).toBeGreaterThan(0);
    const confirm = dialog.locator('[data-testid="bulk-confirm"]');
    expect(await confirm.isDisabled()).toBe(true);
    await dialog.locator('[data-testid="bulk-confirm-count"]').fill(String(approvable - 1));
    expect(await confirm.isDisabled()).toBe(true);
    await dialog.locator('[data-testid="bulk-confirm-count"]').fill(String(approvable));
    await shot(page, 'review-bulk-guard.png');
    expect(await confirm.isDisabled()).toBe(false);
    await confirm.click();
    await page.locator('[data-testid="review-notice"]').waitFor();
    expect(await page.locator('[data-testid="review-notice"]').textContent()).toMatch(/成功 \d+ 条/);
    await close(page, errors);
  });

  it('new terms: listed with their guessed type and counts; creating an entity takes the term off the list', async () => {
    const { page, errors } = await open('/vocabulary');
    const list = page.locator('[data-testid="proposals-term"]');
    await list.waitFor();
    await page.locator('[data-testid="term-search"]').fill('多西');
    const item = list.locator('li[data-surface="多西环素"]');
    await item.waitFor();
    expect(await item.textContent()).toContain('推测类型');
    await shot(page, 'vocabulary-terms.png');
    await item.locator('[data-testid="term-type"]').selectOption('Drug');
    await item.locator('[data-action="create"]').click();
    await page.locator('[data-testid="term-notice"]').waitFor();
    await item.waitFor({ state: 'detached' });
    const created = await server.rt.knowledge.entities.byExactSurface('多西环素');
    expect(created[0]).toMatchObject({ type: 'Drug', origin: 'review' });

    await page.locator('[data-tab="synonyms"]').click();
    await page.locator('[data-testid="proposals-synonym"] [data-testid="term-search"]').fill('丛林');
    const syn = page.locator('[data-testid="proposals-synonym"] li[data-surface="丛林斑疹伤寒"]');
    await syn.waitFor();
    expect(await syn.textContent()).toContain('恙虫病');
    await close(page, errors);
  });

  it('terminology import: preview shows counts and errors, import writes one batch, undo removes it', async () => {
    const { page, errors } = await open('/vocabulary?tab=imports');
    await page.locator('[data-testid="import-form"]').waitFor();
    await page.locator('[data-testid="import-format"]').selectOption('csv');
    await page.locator('[data-testid="import-file"]').setInputFiles(path.join(ROOT, 'tests/fixtures/vocab/local-bad.csv'));
    await page.locator('[data-testid="import-preview"]').click();
    const report = page.locator('[data-testid="import-report"]');
    await report.waitFor();
    expect(await report.getAttribute('data-errors')).toBe('3');
    expect(await page.locator('[data-testid="import-apply"]').isDisabled()).toBe(true);

    await page.locator('[data-testid="import-format"]').selectOption('icd10');
    await page.locator('[data-testid="import-file"]').setInputFiles(path.join(ROOT, 'tests/fixtures/vocab/icd10.csv'));
    await page.locator('[data-testid="import-preview"]').click();
    await page.locator('[data-testid="import-report"][data-errors="0"]').waitFor();
    expect(await page.locator('[data-testid="import-counts"]').textContent()).toContain('记录 5 条');
    expect(await page.locator('[data-testid="import-sample"] tr').count()).toBeGreaterThan(0);
    await shot(page, 'vocabulary-import-preview.png');
    await page.locator('[data-testid="import-apply"]').click();
    await page.locator('[data-testid="import-done"]').waitFor();
    const row = page.locator('[data-testid="imports-table"] tr[data-status="applied"]');
    await row.waitFor();
    expect((await server.rt.knowledge.entities.byExactSurface('腹痛'))[0]?.codes.icd10).toBe('R10.4');
    await shot(page, 'vocabulary-imports.png');
    page.once('dialog', (d) => void d.accept());
    await row.locator('[data-action="undo"]').click();
    await page.locator('[data-testid="imports-table"] tr[data-status="undone"]').waitFor();
    expect(await server.rt.knowledge.entities.byExactSurface('腹痛')).toEqual([]);
    await close(page, errors);
  });
});
