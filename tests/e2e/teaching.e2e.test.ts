import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumAvailable, closePage, launchBrowser, openPage, shot } from '../helpers/browser.ts';
import { DEMO, startTestServer, type TestServer } from '../helpers/runtime.ts';

/** The teacher's question bank page in Chromium: generate with progress for two diseases, then approve a draft. */
describe.skipIf(!chromiumAvailable())('teaching UI (Chromium)', () => {
  let server: TestServer;
  let browser: Browser;

  beforeAll(async () => {
    [server, browser] = await Promise.all([startTestServer([path.join(DEMO, 'lung-nodule-guideline.md')], { YZ_LLM: 'none' }), launchBrowser()]);
  }, 240_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('generates drafts from the approved graph with progress, shows key and citations, and approves one', async () => {
    const { rows } = await server.rt.db.query<{ name_zh: string }>(
      `SELECT e.name_zh FROM kg_relations r JOIN kg_entities e ON e.id = r.subject_id WHERE r.status = 'active' AND r.predicate = 'has_sign' GROUP BY e.name_zh ORDER BY count(*) DESC LIMIT 2`,
    );
    const { page, errors } = await openPage(browser, `${server.url}/teaching`, { auth: await server.tokenFor('teacher', 'teacher.e2e') });
    await page.locator('[data-testid="gen-entities"]').fill(`${rows.map((r) => r.name_zh).join('，')}，不存在的病`);
    await page.locator('[data-testid="gen-submit"]').click();
    await page.locator('[data-testid="gen-progress"][data-done="3"]').waitFor();
    const messages = await page.locator('[data-testid="gen-messages"] li').allTextContents();
    expect(messages[0]).toContain(`${rows[0].name_zh}：生成`);
    expect(messages[2]).toContain('未知的实体');
    await page.locator('[data-testid="bank-item"]').first().waitFor();
    const n = await page.locator('[data-testid="bank-item"]').count();
    expect(n).toBeGreaterThan(2);
    const first = page.locator('[data-testid="bank-item"]').first();
    expect(await first.locator('.options li.key').count()).toBeGreaterThan(0);
    await first.locator('summary').click();
    expect(await first.locator('.explanation').textContent()).toContain('关系 rel_');
    await shot(page, 'teaching-bank.png');
    await first.locator('[data-testid="approve"]').click();
    await page.waitForFunction((count) => document.querySelectorAll('[data-testid="bank-item"]').length === count - 1, n);
    expect(await page.locator('[data-testid="bank-counts"]').textContent()).toContain('已审核 1');
    await closePage(page, errors);
  }, 120_000);
});
