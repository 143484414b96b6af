import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeNifti } from '../../imaging/index.ts';
import { chestPhantom } from '../../imaging/synthetic/index.ts';
import { chromiumAvailable, closePage, launchBrowser, openPage, shot } from '../helpers/browser.ts';
import { imagingTmp } from '../helpers/imaging.ts';
import { startTestServer, type TestServer } from '../helpers/runtime.ts';

/** 报告草稿 and 报告质控 in Chromium against the real server (YZ_LLM=none: the template engine). */
describe.skipIf(!chromiumAvailable())('reporting UI (Chromium)', () => {
  let server: TestServer;
  let browser: Browser;
  let measurementId: string;
  const tmp = imagingTmp();

  beforeAll(async () => {
    [server, browser] = await Promise.all([startTestServer([], { YZ_LLM: 'none', YZ_IMAGING_DIR: tmp.dir }), launchBrowser()]);
    const chest = chestPhantom({ dims: [96, 80, 32] });
    const form = new FormData();
    form.append('image', new Blob([new Uint8Array(writeNifti({ geometry: chest.geometry, data: chest.image, gzip: true }))]), 'ct.nii.gz');
    form.append('mask', new Blob([new Uint8Array(writeNifti({ geometry: chest.geometry, data: chest.mask, gzip: true }))]), 'mask.nii.gz');
    form.append('modality', 'CT');
    const res = await fetch(`${server.url}/api/measure`, { method: 'POST', body: form, headers: await server.tokenFor('physician') });
    measurementId = (await res.json()).measurement.id;
  }, 240_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    tmp.cleanup();
  });

  it('报告草稿: typed values → standard text with every number marked by its source; copy rich + plain text; exports; the provenance link reopens it', async () => {
    const { page, errors } = await openPage(browser, `${server.url}/reports/draft`, { auth: await server.tokenFor('physician') });
    await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.url });
    await page.getByRole('heading', { name: '报告草稿', level: 1 }).waitFor();
    await expect(page.locator('[data-nav="report-draft"]').textContent()).resolves.toBe('报告草稿');
    const form = page.getByTestId('draft-form');
    await form.locator('input[name="longMm"]').fill('8.2');
    await form.locator('input[name="shortMm"]').fill('6.1');
    await form.locator('input[name="volumeCm3"]').fill('0.19');
    await form.locator('input[name="meanHu"]').fill('-612');
    await form.locator('select[name="margin"]').selectOption('clear');
    await form.locator('select[name="contour"]').selectOption('regular');
    await page.getByTestId('draft-submit').click();
    const result = page.getByTestId('draft-result');
    await result.waitFor();
    await expect(page.getByTestId('draft-findings').textContent()).resolves.toBe('右肺上叶尖段见一磨玻璃结节，大小约8.2mm×6.1mm，体积约0.19cm³，平均CT值约-612HU，边界清楚，形态规则。');
    await expect(result.getAttribute('data-engine')).resolves.toBe('template');
    await expect(page.getByTestId('engine-note').textContent()).resolves.toContain('YZ_LLM=none');
    await expect(page.locator('[data-testid="draft-findings"] mark[data-slot="long"]').getAttribute('data-source')).resolves.toBe('typed:longMm');
    await expect(page.locator('[data-testid="draft-impression"] mark[data-slot="meanDiameter"]').textContent()).resolves.toBe('7.2mm');
    await expect(page.getByTestId('draft-followup').textContent()).resolves.toMatch(/6～12个月复查CT.*表10-2，第12页/);
    await expect(page.getByTestId('draft-qc').textContent()).resolves.toContain('质控未发现问题');
    await page.getByTestId('copy').click();
    await expect(page.getByTestId('copy-status').textContent()).resolves.toBe('已复制到剪贴板');
    const clip = await page.evaluate(async () => {
      const items = await navigator.clipboard.read();
      return Promise.all(items[0].types.map(async (t) => [t, await (await items[0].getType(t)).text()]));
    });
    const byType = Object.fromEntries(clip);
    expect(byType['text/plain']).toContain('影像所见：\n右肺上叶尖段见一磨玻璃结节');
    expect(byType['text/plain']).toMatch(/\/reports\/drafts\/rpt_/);
    expect(byType['text/html']).toContain('<b>印象：</b>');
    const hl7 = await page.locator('[data-export="hl7"]').getAttribute('href');
    expect(hl7).toMatch(/^\/api\/reports\/drafts\/rpt_[0-9a-z]+\/export\?format=hl7$/);
    await shot(page, 'report-draft.png');

    // The provenance URL is the page's address; reloading it reopens the stored draft.
    await page.waitForURL(/\/reports\/drafts\/rpt_/);
    await page.reload();
    await page.getByTestId('draft-result').waitFor();
    await expect(page.getByTestId('draft-findings').textContent()).resolves.toContain('8.2mm×6.1mm');
    await expect(page.getByTestId('draft-history').locator('li').count()).resolves.toBeGreaterThan(0);
    await closePage(page, errors);
  });

  it('报告草稿 from a stored measurement: the numbers are marked with the measurement refs', async () => {
    const { page, errors } = await openPage(browser, `${server.url}/reports/draft`, { auth: await server.tokenFor('physician') });
    await page.locator('[data-mode="measurement"]').click();
    const form = page.getByTestId('draft-form');
    await form.locator('select[name="measurementId"]').selectOption(measurementId);
    await form.locator('select[name="lesion"]').selectOption('L1');
    await form.locator('select[name="side"]').selectOption('left');
    await form.locator('select[name="lobe"]').selectOption('lower');
    await form.locator('input[name="segment"]').fill('S6');
    await page.getByTestId('draft-submit').click();
    await page.getByTestId('draft-result').waitFor();
    await expect(page.getByTestId('draft-findings').textContent()).resolves.toMatch(/^左肺下叶背段见一部分实性结节，大小约\d+\.\dmm×\d+\.\dmm/);
    // The density type and the solid part come from the measurement (its solid component), not from a form default.
    await expect(page.locator('[data-testid="value-table"] tr[data-slot="nodeType"]').textContent()).resolves.toContain(`${measurementId}#L1/solid.ctr`);
    await expect(page.locator('[data-testid="draft-findings"] mark[data-slot="long"]').getAttribute('data-source')).resolves.toBe(`${measurementId}#L1/axial.long_axis`);
    await expect(page.locator('[data-testid="value-table"] tr[data-slot="volume"]').textContent()).resolves.toContain(`${measurementId}#L1/volume.cm3`);
    await shot(page, 'report-draft-measurement.png');
    await closePage(page, errors);
  });

  it('报告草稿 from an imaging-AI result: pick the result and its finding; side, lobe, segment and sizes come from it, marked with the AI refs', async () => {
    const h = await server.tokenFor('physician');
    const imported = await fetch(`${server.url}/api/imaging/ai/results`, {
      method: 'POST', headers: { ...h, 'content-type': 'application/json' },
      body: JSON.stringify({
        model: { name: 'nodule-ai', version: '2.1' }, task: 'nodule_detection', studyInstanceUid: '1.2.826.0.1.3680043.8.498.5151',
        findings: [{ type: 'nodule', label: 'solid_nodule', location: 'lung_lower_lobe_left', segment: 'S6', sizeMm: { long: 9, short: 7 }, meanHu: 35, probability: 0.88 }],
      }),
    });
    const aiId = (await imported.json()).id as string;
    const { page, errors } = await openPage(browser, `${server.url}/reports/draft`, { auth: h });
    await page.locator('[data-mode="ai"]').click();
    const form = page.getByTestId('draft-form');
    await form.locator('select[name="aiResultId"]').selectOption(aiId);
    await expect(form.locator('select[name="findingIndex"] option').first().textContent()).resolves.toContain('S6');
    await page.getByTestId('draft-submit').click();
    await page.getByTestId('draft-result').waitFor();
    const findings = await page.getByTestId('draft-findings').textContent();
    expect(findings).toContain('左肺下叶背段');
    expect(findings).toContain('9.0mm×7.0mm');
    await expect(page.locator('[data-testid="draft-findings"] mark[data-slot="long"]').getAttribute('data-source')).resolves.toBe(`${aiId}#findings/0/sizeMm.long`);
    await shot(page, 'report-draft-ai.png');
    await closePage(page, errors);
  });

  it('报告草稿 template choice: the brief follow-up wording is offered for lung nodules only, writes the draft and is named on it', async () => {
    const { page, errors } = await openPage(browser, `${server.url}/reports/draft`, { auth: await server.tokenFor('physician') });
    const form = page.getByTestId('draft-form');
    const picker = form.locator('select[name="templateId"]');
    await picker.waitFor();
    await expect(picker.locator('option').allTextContents()).resolves.toEqual([expect.stringContaining('（默认）'), expect.stringContaining('肺结节（随访简明）')]);
    await picker.selectOption({ label: '肺结节（随访简明） · v1.0.0' });
    await form.locator('input[name="longMm"]').fill('8.2');
    await form.locator('input[name="shortMm"]').fill('6.1');
    await form.locator('input[name="volumeCm3"]').fill('0.19');
    await shot(page, 'report-draft-template-choice.png');
    await page.getByTestId('draft-submit').click();
    await page.getByTestId('draft-result').waitFor();
    await expect(page.getByTestId('draft-findings').textContent()).resolves.toBe('右肺上叶尖段磨玻璃结节，大小约8.2mm×6.1mm。');
    await expect(page.getByTestId('draft-result').textContent()).resolves.toContain('lung_nodule_brief@1.0.0');
    // Another finding type has one template: no choice is offered.
    await form.locator('select[name="findingType"]').selectOption('liver_lesion');
    await expect(picker.count()).resolves.toBe(0);
    await closePage(page, errors);
  });

  it('报告草稿 edit: QC re-runs as the text changes; saving stores a new version that names the draft it revises and shows values not in the inputs', async () => {
    const { page, errors } = await openPage(browser, `${server.url}/reports/draft`, { auth: await server.tokenFor('physician') });
    await page.getByTestId('draft-form').locator('input[name="longMm"]').fill('8.2');
    await page.getByTestId('draft-form').locator('input[name="shortMm"]').fill('6.1');
    await page.getByTestId('draft-submit').click();
    await page.getByTestId('draft-result').waitFor();
    // The result renders just before the address changes to the draft's provenance URL.
    await page.waitForURL(/\/reports\/drafts\/rpt_/);
    const parent = page.url().split('/').at(-1) as string;
    await page.getByTestId('edit-open').click();
    const editor = page.getByTestId('draft-editor');
    await editor.locator('textarea[name="editImpression"]').fill('左肺上叶尖段磨玻璃结节。');
    await page.locator('[data-testid="edit-qc"] li[data-kind="laterality"]').waitFor();
    await editor.locator('textarea[name="editImpression"]').fill('右肺上叶尖段磨玻璃结节。');
    await page.locator('[data-testid="edit-qc"][data-flags="0"]').waitFor();
    const findings = await editor.locator('textarea[name="editFindings"]').inputValue();
    await editor.locator('textarea[name="editFindings"]').fill(findings.replace('8.2mm', '12mm'));
    await page.getByTestId('edit-save').click();
    await page.getByTestId('edit-guard').waitFor();
    await expect(page.getByTestId('edit-guard').textContent()).resolves.toContain('12');
    await expect(page.getByTestId('draft-result').getAttribute('data-engine')).resolves.toBe('edited');
    await expect(page.getByTestId('revises').textContent()).resolves.toContain(parent);
    await page.waitForURL((url) => /\/reports\/drafts\/rpt_/.test(url.pathname) && !url.pathname.endsWith(parent));
    await expect(page.getByTestId('draft-findings').textContent()).resolves.toContain('12mm');
    await shot(page, 'report-draft-edited.png');
    await closePage(page, errors);
  });

  it('报告质控: paste a report, see the left/right and size mismatches and a typo marked inline, apply a fix', async () => {
    const { page, errors } = await openPage(browser, `${server.url}/reports/qc`, { auth: await server.tokenFor('physician') });
    await page.getByRole('heading', { name: '报告质控', level: 1 }).waitFor();
    await page.getByTestId('qc-example').click();
    await page.getByTestId('qc-submit').click();
    await page.getByTestId('qc-result').waitFor();
    const kinds = await page.locator('[data-testid="qc-flags"] li').evaluateAll((lis) => lis.map((li) => li.getAttribute('data-kind')));
    expect(kinds).toEqual(expect.arrayContaining(['laterality', 'size', 'typo', 'term']));
    await expect(page.locator('[data-testid="qc-marked"] mark[data-kind="laterality"]').textContent()).resolves.toBe('左肺上叶');
    await expect(page.locator('[data-testid="qc-marked"] mark[data-kind="size"]').textContent()).resolves.toBe('80mm');
    // One language per screen: the flags' English halves are not shown on the Chinese page.
    await expect(page.locator('[data-testid="qc-flags"] li[data-kind="laterality"]').textContent()).resolves.not.toContain('left-right mismatch');
    await shot(page, 'report-qc.png');
    const before = kinds.length;
    await page.locator('[data-apply="laterality"]').click();
    await expect.poll(() => page.locator('[data-testid="qc-flags"] li').count()).toBe(before - 1);
    await expect(page.locator('textarea[name="report"]').inputValue()).resolves.toContain('印象：\n右肺上叶磨玻璃结节');
    // Without a model the second opinion says so; the rules' flags stand alone.
    await page.getByTestId('qc-second').click();
    await expect(page.getByTestId('qc-second-result').getAttribute('data-status')).resolves.toBe('not_configured');
    await expect(page.getByTestId('qc-second-note').textContent()).resolves.toContain('YZ_LLM=none');
    // An empty report is refused with the server's message.
    await page.locator('textarea[name="report"]').fill('');
    await page.getByTestId('qc-submit').click();
    await page.locator('.alert-message', { hasText: '报告为空' }).waitFor();
    // Error alerts: the screen's language on view, the whole server message behind 详情.
    await expect(page.locator('.alert-message').textContent()).resolves.toBe('报告为空');
    await expect(page.locator('.alert-detail').textContent()).resolves.toContain('the report is empty');
    await closePage(page, errors);
  });
});
