import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumAvailable, closePage, launchBrowser, openPage, shot } from '../helpers/browser.ts';
import { DEMO, ROOT, startTestServer, type TestServer } from '../helpers/runtime.ts';

/**
 * The case-matching pages in Chromium: an expert imports and approves typical cases in the library; a
 * resident pastes findings on the Compare page and sees similar cases side by side (shared findings
 * highlighted) and the cited differential; the timeline draws the nodule's measurements with its VDT.
 */
const FIXTURE = path.join(ROOT, 'tests/fixtures/cases/typical-cases.json');

describe.skipIf(!chromiumAvailable())('case matching UI (Chromium)', () => {
  let server: TestServer;
  let browser: Browser;

  beforeAll(async () => {
    [server, browser] = await Promise.all([startTestServer(['placenta-accreta-guideline.md', 'acute-abdomen-guideline.md'].map((f) => path.join(DEMO, f)), { YZ_LLM: 'none' }), launchBrowser()]);
  }, 240_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('library: an expert imports a case file as drafts and approves one; a resident sees approved cases only', async () => {
    const { page, errors } = await openPage(browser, `${server.url}/cases`, { auth: await server.tokenFor('expert', 'expert.e2e') });
    await page.locator('[data-testid="case-table"]').waitFor();
    await page.locator('[data-testid="case-import"]').setInputFiles({ name: 'typical-cases.json', mimeType: 'application/json', buffer: readFileSync(FIXTURE) });
    await page.locator('[data-testid="case-message"]', { hasText: '新增 8' }).waitFor();
    await page.locator('[data-testid="case-row"]').nth(7).waitFor();
    // A bad file: the row and field are named, nothing is written.
    await page.locator('[data-testid="case-import"]').setInputFiles({ name: 'bad.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify([{ title: 'x', modality: 'XR', findingsText: 'y', finalDiagnosis: { name: 'z' } }])) });
    await page.locator('[data-testid="case-message"]', { hasText: 'modality' }).waitFor();
    expect(await page.locator('[data-testid="case-message"]').textContent()).toContain('第 1 条');
    for (const id of ['fx-pas-001', 'fx-pas-002', 'fx-perf-001', 'fx-sbo-001']) {
      await page.locator(`[data-testid="case-row"][data-id="${id}"] [data-testid="case-approve"]`).click();
      await page.locator(`[data-testid="case-row"][data-id="${id}"] .status-approved`).waitFor();
    }
    await page.locator('[data-testid="case-row"][data-id="fx-pas-001"] .linkish').click();
    await page.locator('tr.detail').waitFor();
    await shot(page, 'cases-library.png');
    await closePage(page, errors);

    const resident = await openPage(browser, `${server.url}/cases`, { auth: await server.tokenFor('resident', 'resident.e2e') });
    await resident.page.locator('[data-testid="case-row"]').first().waitFor();
    expect(await resident.page.locator('[data-testid="case-row"]').count()).toBe(4);
    expect(await resident.page.locator('[data-testid="case-approve"]').count()).toBe(0);
    expect(await resident.page.locator('[data-testid="case-import"]').count()).toBe(0);
    await closePage(resident.page, resident.errors);
  }, 120_000);

  it('compare: similar cases side by side with shared findings highlighted, and the cited differential', async () => {
    const { page, errors } = await openPage(browser, `${server.url}/cases/compare`, { auth: await server.tokenFor('resident', 'resident.e2e') });
    await page.locator('[data-testid="compare-submit"]').click();
    await page.locator('[data-testid="compare-error"]', { hasText: '影像所见' }).waitFor();
    await page.locator('[data-testid="compare-input"]').fill('完全性前置胎盘，胎盘后低回声带消失，子宫肌层变薄，可见T2暗带，膀胱线中断。');
    // One request computes both results: the page neither asks for similar cases nor the differential apart.
    const asked: string[] = [];
    page.on('request', (r) => { if (r.url().includes('/api/cases/')) asked.push(new URL(r.url()).pathname); });
    await page.locator('[data-testid="compare-submit"]').click();
    await page.locator('[data-testid="similar-hit"]').first().waitFor();
    expect(asked).toEqual(['/api/cases/compare']);
    // Each score is explained part by part, the vector part (the search embedder's cosine) included.
    expect(await page.locator('[data-testid="similar-formula"]').textContent()).toMatch(/向量相似（hash-ngram-v1-256）/);
    expect(await page.locator('[data-testid="similar-hit"]').first().locator('[data-testid="score-parts"]').textContent()).toMatch(/所见重合 [\d.]+ · 文本 [\d.]+ · 向量 [\d.]+/);
    await page.locator('[data-testid="similar-cases"]').scrollIntoViewIfNeeded();
    await shot(page, 'cases-compare-similar.png');
    expect(await page.locator('[data-testid="similar-hit"]').first().getAttribute('data-id')).toBe('fx-pas-001');
    expect(await page.locator('[data-testid="similar-hit"]').first().locator('li[data-kind="shared"]').count()).toBeGreaterThanOrEqual(3);
    expect(await page.locator('[data-testid="similar-hit"][data-id="fx-pas-002"] li[data-kind="conflict"]').count()).toBe(1);
    const top = page.locator('[data-testid="ddx-item"]').first();
    expect(await top.getAttribute('data-id')).toBe('dis.placenta_accreta_spectrum');
    await top.locator('details').first().locator('summary').click();
    expect(await top.locator('details').first().textContent()).toMatch(/关系 rel_/);
    expect(await top.locator('blockquote').first().textContent()).toContain('《');
    expect(await page.locator('[data-testid="differential"]').textContent()).toContain('确定性引擎');
    // The similar approved typical cases that vote for the leading diagnosis are named under it.
    expect(await top.locator('[data-testid="ddx-cases"]').textContent()).toContain('相似度');
    // No model here: asking for the written comparison says the structured comparison stands alone.
    await page.locator('[data-testid="narrate"]').click();
    await page.locator('[data-testid="narrative-note"]').waitFor();
    expect(await page.locator('[data-testid="narrative-note"]').textContent()).toContain('未配置大模型');
    await shot(page, 'cases-compare.png');
    await closePage(page, errors);
  }, 120_000);

  it('timeline: the nodule measurements as a chart, growth and VDT per interval', async () => {
    await server.rt.cases.service.approve('fx-nodule-001', 'expert.e2e');
    const { page, errors } = await openPage(browser, `${server.url}/cases/fx-nodule-001/timeline`, { auth: await server.tokenFor('physician', 'physician.e2e') });
    await page.locator('[data-testid="timeline-chart"]').waitFor();
    expect(await page.locator('[data-testid="timeline-point"]').count()).toBe(3);
    const vdt = await page.locator('[data-testid="vdt"]').allTextContents();
    expect(vdt).toEqual([`${Math.round((182 * Math.LN2) / Math.log(1.5))} 天`, `${Math.round((184 * Math.LN2) / (3 * Math.log(11 / 9.5)))} 天`]);
    await shot(page, 'cases-timeline.png');
    await closePage(page, errors);
  }, 120_000);

  it('key images: an expert attaches one in the library; it is shown beside that typical case on the Compare page', async () => {
    const expert = await openPage(browser, `${server.url}/cases`, { auth: await server.tokenFor('expert', 'expert.e2e') });
    await expert.page.locator('[data-testid="case-row"][data-id="fx-pas-001"] .linkish').click();
    await expert.page.locator('[data-testid="key-image-caption"]').fill('合成示意图：胸部 CT 肺窗（演示用，非患者影像）');
    await expert.page.locator('[data-testid="key-image-file"]').setInputFiles({ name: 'key.png', mimeType: 'image/png', buffer: readFileSync(path.join(ROOT, 'demo/figures/synthetic-chest-ct-lung-window.png')) });
    await expert.page.locator('[data-testid="key-image-message"]', { hasText: '已添加关键图像' }).waitFor();
    await expert.page.locator('[data-testid="key-image"] img').waitFor();
    // A file that is not an image is refused by its bytes, whatever its name says.
    await expert.page.locator('[data-testid="key-image-file"]').setInputFiles({ name: 'evil.png', mimeType: 'image/png', buffer: Buffer.from('<svg onload="alert(1)"/>') });
    await expert.page.locator('[data-testid="key-image-message"]', { hasText: '不是 PNG、JPEG 或 DICOM' }).waitFor();
    expect(await expert.page.locator('[data-testid="key-image"]').count()).toBe(1);
    await expert.page.locator('[data-testid="key-image-message"]').scrollIntoViewIfNeeded();
    await shot(expert.page, 'cases-library-key-image.png');
    await closePage(expert.page, expert.errors);

    const { page, errors } = await openPage(browser, `${server.url}/cases/compare`, { auth: await server.tokenFor('resident', 'resident.e2e') });
    await page.locator('[data-testid="compare-input"]').fill('完全性前置胎盘，胎盘后低回声带消失，子宫肌层变薄，可见T2暗带，膀胱线中断。');
    await page.locator('[data-testid="compare-submit"]').click();
    const img = page.locator('[data-testid="similar-hit"][data-id="fx-pas-001"] [data-testid="key-image"] img');
    await img.waitFor();
    await page.waitForFunction(() => [...document.querySelectorAll<HTMLImageElement>('[data-testid="key-image"] img')].every((i) => i.complete && i.naturalWidth > 0));
    expect(await img.evaluate((i: HTMLImageElement) => i.naturalWidth)).toBe(480);
    await img.scrollIntoViewIfNeeded();
    await shot(page, 'cases-compare-key-image.png');
    await closePage(page, errors);
  }, 120_000);

  it('patient timeline: two cases of one patient on one time axis, growth over the whole follow-up, a lesion measured once said plainly', async () => {
    const nodule = (id: string, studies: unknown[]) => ({
      id, title: `右上肺结节随访 ${id}`, diseaseArea: 'lung_nodule', modality: 'CT', bodyPart: '胸部', findingsText: '右肺上叶实性结节，边缘分叶。', finalDiagnosis: { name: '肺结节' }, patientId: 'E2E-PATIENT-42', studies,
    });
    await server.rt.cases.service.importFile(Buffer.from(JSON.stringify([
      nodule('e2e-pt-1', [{ date: '2023-03-01', modality: 'CT', measurements: [{ lesion: '右上肺结节', longAxisMm: 8, volumeMm3: 268 }] }, { date: '2023-09-01', modality: 'CT', measurements: [{ lesion: '右上肺结节', longAxisMm: 9.5, volumeMm3: 449 }] }]),
      nodule('e2e-pt-2', [{ date: '2024-03-04', modality: 'CT', note: '复查', measurements: [{ lesion: '右上肺结节', longAxisMm: 12, volumeMm3: 905 }, { lesion: '左下肺结节', longAxisMm: 5 }] }]),
    ])), 'patient.json', 'expert.e2e', { status: 'approved' });
    const { page, errors } = await openPage(browser, `${server.url}/cases/e2e-pt-2/timeline`, { auth: await server.tokenFor('physician', 'physician.e2e') });
    await page.locator('[data-testid="timeline-chart"]').waitFor();
    expect(await page.locator('[data-testid="patient-study"]').count()).toBe(3);
    expect(await page.locator('[data-testid="patient-note"]').textContent()).toContain('同一患者');
    expect(await page.locator('[data-testid="timeline-point"][data-case="e2e-pt-1"]').count()).toBe(2);
    expect(await page.locator('[data-testid="timeline-point"][data-case="e2e-pt-2"]').count()).toBe(2);
    const rul = page.locator('[data-testid="timeline-lesion"][data-lesion="右上肺结节"]');
    expect(await rul.locator('[data-testid="timeline-overall"]').textContent()).toContain(`${Math.round((369 * Math.LN2) / Math.log(905 / 268))} 天`);
    expect(await page.locator('[data-testid="timeline-lesion"][data-lesion="左下肺结节"] [data-testid="timeline-note"]').textContent()).toContain('仅有 1 次测量');
    expect(await page.content()).not.toContain('E2E-PATIENT-42');
    await shot(page, 'cases-patient-timeline.png');
    await closePage(page, errors);
  }, 120_000);
});
