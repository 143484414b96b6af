import { readFileSync } from 'node:fs';
import path from 'node:path';
import JSZip from 'jszip';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumAvailable, closePage, launchBrowser, openPage, shot } from '../helpers/browser.ts';
import { DEMO, startTestServer, type TestServer } from '../helpers/runtime.ts';

/**
 * The teaching pages in Chromium: the question bank (generate with progress, approve), the blueprint editor
 * (an impossible blueprint says what is short; publish), a resident taking the exam (autosave, resume after a
 * reload, submit), and the results page with its knowledge-point chart and item analysis.
 */
const FIGURE = path.join(DEMO, '../figures/synthetic-chest-ct-lung-window.png');

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
    // A Moodle file with a duplicate option: the row error is shown and nothing is imported.
    await page.locator('[data-testid="import-file"]').setInputFiles({ name: 'bad.xml', mimeType: 'application/xml', buffer: Buffer.from('<quiz><question type="multichoice"><questiontext><text>选项重复的导入题目？</text></questiontext><answer fraction="100"><text>同一项</text></answer><answer fraction="0"><text>同一项</text></answer></question></quiz>') });
    await page.locator('[data-testid="gen-messages"] li', { hasText: '未写入' }).waitFor();
    // An image-reading item: upload the synthetic demo figure to a draft, then click the nodule to mark the region.
    const figId = await page.locator('[data-testid="bank-item"]').nth(1).getAttribute('data-id');
    const withFig = page.locator(`[data-testid="bank-item"][data-id="${figId}"]`);
    await withFig.locator('[data-testid="figure-synthetic-input"]').check();
    await withFig.locator('[data-testid="figure-file"]').setInputFiles(FIGURE);
    const img = withFig.locator('[data-testid="item-figure"] img');
    await img.waitFor();
    await page.waitForFunction((id) => (document.querySelector(`[data-id="${id}"] [data-testid="item-figure"] img`) as HTMLImageElement | null)?.naturalWidth === 480, figId);
    const box = await img.boundingBox();
    await img.click({ position: { x: (box?.width ?? 480) * 0.3, y: (box?.height ?? 384) * 0.42 } });
    await withFig.locator('[data-testid="figure-region"]').waitFor();
    // The teacher marked it synthetic on upload: the bank shows it as a drawn image, not a patient's.
    expect(await withFig.locator('[data-testid="figure-synthetic"]').textContent()).toContain('合成示意图');
    expect(await withFig.locator('[data-testid="figure-source"]').textContent()).toContain('PNG 480×384');
    const marked = await server.rt.teaching.bank.get(figId as string);
    expect(marked?.figure?.region?.x).toBeCloseTo(0.3, 1);
    expect(marked?.figure?.region?.y).toBeCloseTo(0.42, 1);
    await withFig.scrollIntoViewIfNeeded();
    await shot(page, 'teaching-bank.png');
    await first.locator('[data-testid="approve"]').click();
    await page.waitForFunction((count) => document.querySelectorAll('[data-testid="bank-item"]').length === count - 1, n);
    expect(await page.locator('[data-testid="bank-counts"]').textContent()).toContain('已审核 1');
    // The approved item as a Word paper: the button downloads a .docx whose answer key follows the questions.
    const [download] = await Promise.all([page.waitForEvent('download'), page.locator('[data-testid="export-docx"]').click()]);
    expect(download.suggestedFilename()).toBe('yingzhi-questions.docx');
    const file = await download.path();
    const xml = (await (await JSZip.loadAsync(readFileSync(file))).file('word/document.xml')?.async('string')) ?? '';
    expect(xml).toContain('一、');
    expect(xml).toContain('参考答案与解析');
    expect(xml).toMatch(/1\. 答案：[A-H]+/);
    await closePage(page, errors);
  }, 120_000);

  it('blueprint editor → publish → resident takes the exam (resume after reload) → results with chart and item analysis', async () => {
    const teacher = await server.tokenFor('teacher', 'teacher.e2e');
    // Approve enough items about one disease for a 3-item exam.
    const bank = server.rt.teaching.bank;
    const drafts = (await bank.list({ status: 'draft' }, { limit: 100, offset: 0 })).items;
    const disease = drafts[0].diseaseId as string;
    const chosen = drafts.filter((d) => d.diseaseId === disease).slice(0, 3);
    // One of them shows a figure with a region mark (a 读片题).
    const fig = await bank.uploadFigure(readFileSync(FIGURE), 'synthetic-chest-ct-lung-window.png', { synthetic: true }, 'teacher.e2e');
    await bank.setFigure(chosen[0].id, { figureId: fig.id, region: { x: 0.3, y: 0.42, r: 0.06 } }, 'teacher.e2e');
    for (const q of chosen) await bank.approve(q.id, 'teacher.e2e');
    const approved = (await bank.list({ status: 'approved', entityId: disease }, { limit: 100, offset: 0 })).total;

    const { page, errors } = await openPage(browser, `${server.url}/teaching/exams`, { auth: teacher });
    await page.locator('[data-testid="cell-tag"]').first().waitFor();
    await page.locator('[data-testid="cell-tag"]').first().selectOption(disease);
    await page.locator('[data-testid="cell-count"]').first().fill(String(approved + 5));
    await page.locator('[data-testid="exam-title"]').fill('肺结节阶段测验');
    await page.locator('[data-testid="create-exam"]').click();
    const err = page.locator('[data-testid="exam-error"]');
    await err.waitFor();
    expect(await err.textContent()).toContain(`需要 ${approved + 5} 道，已审核可用 ${approved} 道`);
    await page.locator('[data-testid="cell-count"]').first().fill(String(approved));
    await page.locator('[data-testid="create-exam"]').click();
    await page.locator('[data-testid="exam-row"] [data-testid="publish"]').waitFor();
    await shot(page, 'teaching-exams.png');
    await page.locator('[data-testid="publish"]').click();
    await page.locator('[data-testid="results-link"]').waitFor();
    // The exam as a Word paper: its items in exam order, the image-reading item's figure embedded.
    const [paper] = await Promise.all([page.waitForEvent('download'), page.locator('[data-testid="exam-paper"]').click()]);
    expect(paper.suggestedFilename()).toMatch(/^yingzhi-exam-.+\.docx$/);
    const paperZip = await JSZip.loadAsync(readFileSync(await paper.path()));
    expect(Object.keys(paperZip.files).filter((f) => f.startsWith('word/media/')).length).toBe(1);
    const paperXml = (await paperZip.file('word/document.xml')?.async('string')) as string;
    expect(paperXml).toContain('肺结节阶段测验');
    expect(paperXml).toContain('合成示意图，非真实患者影像');
    await closePage(page, errors);

    const resident = await server.tokenFor('resident', 'resident.e2e');
    const r = await openPage(browser, `${server.url}/exams`, { auth: resident });
    await r.page.locator('[data-testid="start-exam"]').click();
    await r.page.locator('[data-testid="take-item"]').first().waitFor();
    expect(Number(await r.page.locator('[data-testid="exam-timer"]').getAttribute('data-left'))).toBeGreaterThan(1700);
    const firstItem = r.page.locator('[data-testid="take-item"]').first();
    await firstItem.locator('input').first().check();
    await r.page.locator('[data-testid="save-state"]', { hasText: '已自动保存' }).waitFor();
    // A reload (dropped connection) resumes with the saved answer and the server's clock.
    await r.page.reload();
    await r.page.locator('[data-testid="take-item"]').first().waitFor();
    expect(await r.page.locator('[data-testid="take-item"]').first().locator('input').first().isChecked()).toBe(true);
    // The image-reading item shows its figure (fetched with the resident's rights) and the region mark.
    expect(await r.page.locator('[data-testid="item-figure"]').count()).toBe(1);
    await r.page.waitForFunction(() => (document.querySelector('[data-testid="item-figure"] img') as HTMLImageElement | null)?.naturalWidth === 480);
    await r.page.locator('[data-testid="item-figure"] [data-testid="figure-region"]').waitFor();
    // The resident sees that the figure is synthetic too (its description read with the resident's rights).
    await r.page.locator('[data-testid="item-figure"] [data-testid="figure-synthetic"]').waitFor();
    await r.page.locator('[data-testid="item-figure"]').scrollIntoViewIfNeeded();
    await shot(r.page, 'teaching-take-exam.png');
    await r.page.locator('[data-testid="submit-exam"]').click();
    await r.page.locator('[data-testid="exam-timer"]', { hasText: '已提交' }).waitFor();
    await closePage(r.page, r.errors);

    const examId = (await server.rt.teaching.exams.list('published'))[0].id;
    const res = await openPage(browser, `${server.url}/teaching/exams/${examId}/results`, { auth: teacher });
    await res.page.locator('[data-testid="resident-scores"] tbody tr').first().waitFor();
    expect(await res.page.locator('[data-testid="resident-scores"]').textContent()).toContain('resident.e2e');
    expect(await res.page.locator('[data-testid="kp-chart"] [data-bar]').count()).toBeGreaterThan(0);
    expect(await res.page.locator('[data-testid="item-row"]').count()).toBe(approved);
    await shot(res.page, 'teaching-results.png');
    await closePage(res.page, res.errors);
  }, 120_000);
});
