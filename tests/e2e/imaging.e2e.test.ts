import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeNifti } from '../../imaging/index.ts';
import { chestPhantom, newUid, writeSeg, writeSeries } from '../../imaging/synthetic/index.ts';
import { type FakeDicomWeb, startFakeDicomWeb } from '../fakes/dicomweb-server.ts';
import { chromiumAvailable, closePage, launchBrowser, openPage, shot } from '../helpers/browser.ts';
import { imagingTmp } from '../helpers/imaging.ts';
import { startTestServer, type TestServer } from '../helpers/runtime.ts';

/** The Measure and Protocol QC pages in Chromium against the real server, with generated images. */
describe.skipIf(!chromiumAvailable())('imaging UI (Chromium)', () => {
  let server: TestServer;
  let browser: Browser;
  let pacs: FakeDicomWeb;
  const tmp = imagingTmp();
  const chest = chestPhantom({ dims: [160, 128, 48] });
  const studyUid = newUid();
  const seriesUid = newUid();

  beforeAll(async () => {
    const files = writeSeries({ geometry: chest.geometry, pixels: chest.image, studyUid, seriesUid, rescale: { slope: 1, intercept: -1024 }, seriesDescription: '胸部 1.25mm 肺窗' });
    [server, browser, pacs] = await Promise.all([
      startTestServer([], { YZ_IMAGING_DIR: tmp.dir }),
      launchBrowser(),
      startFakeDicomWeb([{ studyUid, seriesUid, modality: 'CT', description: '胸部 1.25mm 肺窗', studyDate: '20261201', files }]),
    ]);
  }, 240_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await pacs?.close();
    tmp.cleanup();
  });

  it('Measure: upload image + mask, see the slice with mask and axes, change window and lesion, export CSV, reopen from the list', async () => {
    const { page, errors } = await openPage(browser, `${server.url}/measure`, { auth: await server.tokenFor('physician') });
    await page.getByRole('heading', { name: '病灶测量', level: 1 }).waitFor();
    await expect(page.locator('[data-nav="measure"]').textContent()).resolves.toBe('测量');
    const form = page.getByTestId('measure-form');
    await form.locator('input[name="image"]').setInputFiles({ name: 'chest-ct.nii.gz', mimeType: 'application/gzip', buffer: Buffer.from(writeNifti({ geometry: chest.geometry, data: chest.image, gzip: true })) });
    await form.locator('input[name="mask"]').setInputFiles({ name: 'nodules.nii.gz', mimeType: 'application/gzip', buffer: Buffer.from(writeNifti({ geometry: chest.geometry, data: chest.mask, gzip: true })) });
    await form.locator('select[name="modality"]').selectOption('CT');
    await form.locator('input[name="referenceLabel"]').fill('1');
    await shot(page, 'measure-upload.png');
    await page.getByTestId('measure-submit').click();
    await page.getByTestId('measure-result').waitFor({ timeout: 30_000 });

    const rows = page.locator('[data-testid="lesion-table"] tbody tr');
    await expect(rows.count()).resolves.toBe(2);
    await expect(rows.first().getByTestId('volume').textContent()).resolves.toMatch(/\d+\.\d\d cm³/);
    await expect(rows.first().textContent()).resolves.toContain('部分实性');
    // 器官体积/占比: both labels' volumes, shares adding to 100 %, the second as a ratio to the first.
    const volumeRows = page.locator('[data-testid="volume-table"] tbody tr');
    await expect(volumeRows.count()).resolves.toBe(2);
    const shares = await volumeRows.evaluateAll((trs) => trs.map((tr) => Number(/([\d.]+) %/.exec(tr.textContent ?? '')?.[1])));
    expect(shares[0] + shares[1]).toBeCloseTo(100, 0);
    await expect(page.locator('[data-testid="volume-table"] thead').textContent()).resolves.toContain('与 L1 之比');
    await expect(volumeRows.nth(1).textContent()).resolves.toMatch(/0\.\d{3}$/);
    // The part-solid nodule: lung window by default, its long and short axes drawn on its slice.
    await page.locator('[data-testid="slice-viewer"] [data-testid="long-axis"]').first().waitFor();
    await expect(page.locator('[data-testid="short-axis"]').count()).resolves.toBeGreaterThan(0);
    await expect(page.getByTestId('wl-center').inputValue()).resolves.toBe('-600');
    await page.locator('[data-preset="mediastinum"]').click();
    await expect(page.getByTestId('wl-center').inputValue()).resolves.toBe('40');
    await page.locator('[data-preset="lung"]').click();
    // The canvas really shows pixels (not blank): sample its centre row.
    const lit = await page.getByTestId('slice-canvas').evaluate((c: HTMLCanvasElement) => {
      const d = c.getContext('2d')?.getImageData(0, Math.floor(c.height / 2), c.width, 1).data ?? new Uint8ClampedArray();
      let n = 0;
      for (let i = 0; i < d.length; i += 4) if (d[i] > 20) n++;
      return n;
    });
    expect(lit).toBeGreaterThan(20);
    await expect(page.getByTestId('histogram').locator('rect').count()).resolves.toBeGreaterThan(5);
    await expect(page.getByTestId('descriptors').textContent()).resolves.toMatch(/边界|形态|密度/);
    const csv = await page.getByTestId('csv-export').getAttribute('href');
    expect(csv).toMatch(/^\/api\/measurements\/msr_[0-9a-f]+\/features\.csv$/);
    await shot(page, 'measure.png');

    // Select the second lesion: the viewer moves to its slice.
    const before = await page.getByTestId('slice-index').textContent();
    await rows.nth(1).click();
    await expect.poll(() => page.getByTestId('slice-index').textContent()).not.toBe(before);
    await page.locator('[data-lesion="L2"] [data-testid="long-axis"]').waitFor();
    await page.getByTestId('slice-range').focus();
    await page.keyboard.press('ArrowRight');
    await shot(page, 'measure-lesion2.png');

    // Pick the measured study from the list in a fresh page.
    await page.reload();
    await page.getByTestId('recent-measurements').locator('button').first().click();
    await page.getByTestId('measure-result').waitFor();
    await expect(page.locator('[data-testid="lesion-table"] tbody tr').count()).resolves.toBe(2);
    await closePage(page, errors);
  }, 120_000);

  it('Measure: pick a study on the PACS, choose its series, upload a SEG and measure (queued job with progress)', async () => {
    const { page, errors } = await openPage(browser, `${server.url}/measure`, { auth: await server.tokenFor('physician') });
    await page.locator('[data-tab="pacs"]').click();
    await page.getByTestId('pacs-none').waitFor();
    await server.rt.connectors.create({ name: 'PACS', kind: 'pacs', config: { qidoUrl: pacs.url, wadoUrl: pacs.url } }, 'admin');
    await page.reload();
    await page.locator('[data-tab="pacs"]').click();
    await page.locator(`[data-study="${studyUid}"]`).click();
    await page.locator(`[data-series="${seriesUid}"]`).click();
    await expect(page.getByTestId('pacs-chosen').textContent()).resolves.toContain('胸部 1.25mm 肺窗');
    await page.getByTestId('measure-form').locator('input[name="mask"]').setInputFiles({ name: 'seg.dcm', mimeType: 'application/dicom', buffer: writeSeg({ geometry: chest.geometry, labels: chest.mask, segments: { 1: '右肺上叶部分实性结节', 2: '左肺实性结节' } }) });
    await page.getByTestId('measure-submit').click();
    await page.getByTestId('measure-result').waitFor({ timeout: 60_000 });
    await expect(page.locator('[data-testid="lesion-table"] tbody tr').first().textContent()).resolves.toContain('右肺上叶部分实性结节');
    await page.locator('.provenance summary').click();
    await expect(page.locator('.provenance').textContent()).resolves.toContain(seriesUid);
    await shot(page, 'measure-pacs.png');
    await closePage(page, errors);
  }, 120_000);

  it('Measure: a bad mask shows the server’s reason', async () => {
    const { page, errors } = await openPage(browser, `${server.url}/measure`, { auth: await server.tokenFor('physician') });
    const form = page.getByTestId('measure-form');
    await form.locator('input[name="image"]').setInputFiles({ name: 'ct.nii', mimeType: 'application/octet-stream', buffer: Buffer.from(writeNifti({ geometry: chest.geometry, data: chest.image })) });
    await form.locator('input[name="mask"]').setInputFiles({ name: 'empty.nii', mimeType: 'application/octet-stream', buffer: Buffer.from(writeNifti({ geometry: chest.geometry, data: new Uint8Array(chest.mask.length) })) });
    await page.getByTestId('measure-submit').click();
    await expect(page.locator('[role="alert"]').textContent({ timeout: 20_000 })).resolves.toMatch(/掩膜为空|empty/);
    await closePage(page, errors);
  });

  it('Measure › AI results: import a result document, see findings as graph entities with side, lobe, segment, size; unknown labels shown', async () => {
    const { page, errors } = await openPage(browser, `${server.url}/measure`, { auth: await server.tokenFor('physician') });
    await page.locator('[data-tab="ai"]').click();
    await expect(page.getByTestId('ai-results').textContent()).resolves.toContain('还没有影像 AI 结果');
    const doc = {
      model: { name: 'LungAI', version: '4.1' },
      task: 'nodule_detection',
      studyInstanceUid: studyUid,
      findings: [
        { type: 'nodule', label: 'part_solid_nodule', location: 'lung_upper_lobe_right', segment: 'S1', sizeMm: { long: 8.2, short: 6.1 }, probability: 0.91 },
        { type: 'nodule', label: 'weird_spot', probability: 0.35 },
      ],
    };
    await page.getByTestId('ai-import').setInputFiles({ name: 'not-json.json', mimeType: 'application/json', buffer: Buffer.from('{ model: ') });
    await expect(page.locator('[role="alert"]').textContent()).resolves.toContain('not-json.json');
    await page.getByTestId('ai-import').setInputFiles({ name: 'lungai.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(doc)) });
    const rows = page.locator('[data-testid="ai-findings"] tbody tr');
    await rows.first().waitFor();
    await expect(rows.count()).resolves.toBe(2);
    await expect(rows.first().textContent()).resolves.toMatch(/部分实性结节.*右 · 右肺上叶 · S1 尖段.*8\.2 × 6\.1 mm.*91 %/);
    await expect(page.getByTestId('ai-unknown').textContent()).resolves.toContain('weird_spot');
    await expect(page.locator('[data-ai-result]').first().textContent()).resolves.toContain('LungAI 4.1');
    await shot(page, 'measure-ai.png');
    await closePage(page, errors);
  });

  it('Protocol QC: upload two scanners’ series, see pass and fail with the failing rules, and the trend chart per scanner', async () => {
    const p = chestPhantom({ dims: [128, 100, 210], spacing: [0.7, 0.7, 1.25] });
    const head = (model: string, date: string, extra: Record<string, unknown> = {}) => ({ KVP: 120, CTDIvol: 9, ConvolutionKernel: 'LUNG', ProtocolName: '胸部平扫 Chest', BodyPartExamined: 'CHEST', ManufacturerModelName: model, StationName: 'CT2', SeriesDate: date, ...extra });
    const files = [
      ...writeSeries({ geometry: p.geometry, pixels: p.image, rescale: { slope: 1, intercept: -1024 }, header: head('Omega 128', '20261109') }).map((f) => ({ ...f, name: `o1-${f.name}` })),
      ...writeSeries({ geometry: p.geometry, pixels: p.image, rescale: { slope: 1, intercept: -1024 }, header: head('Omega 128', '20261116') }).map((f) => ({ ...f, name: `o2-${f.name}` })),
      ...writeSeries({ geometry: p.geometry, pixels: p.image, rescale: { slope: 1, intercept: -1024 }, header: head('Sigma 16', '20261116', { CTDIvol: 24, SliceThickness: 5 }) }).map((f) => ({ ...f, name: `s-${f.name}` })),
    ];
    const { page, errors } = await openPage(browser, `${server.url}/protocol-qc`, { auth: await server.tokenFor('technician') });
    await page.getByRole('heading', { name: '扫描协议与图像质控', level: 1 }).waitFor();
    await page.getByTestId('qc-form').locator('input[name="files"]').setInputFiles(files.map((f) => ({ name: f.name, mimeType: 'application/dicom', buffer: f.bytes })));
    await page.getByTestId('qc-submit').click();
    await page.locator('[data-testid="qc-runs"] tr[data-run]').nth(2).waitFor({ timeout: 60_000 });
    await expect(page.locator('tr[data-run][data-status="pass"]').count()).resolves.toBe(2);
    const fail = page.locator('tr[data-run][data-status="fail"]');
    await expect(fail.textContent()).resolves.toContain('Sigma 16');
    await fail.click();
    const rules = page.getByTestId('qc-rules');
    await expect(rules.locator('tr[data-rule="ctdivol"]').getAttribute('data-status')).resolves.toBe('fail');
    await expect(rules.locator('tr[data-rule="thickness"]').getAttribute('data-status')).resolves.toBe('fail');
    await expect(page.getByTestId('qc-chart').locator('g[data-series] circle').count()).resolves.toBe(3);
    await expect(page.getByTestId('qc-chart').locator('.legend-item').count()).resolves.toBe(2);
    await shot(page, 'protocol-qc.png');
    await page.locator('[data-group="protocol"]').click();
    await expect.poll(() => page.getByTestId('qc-chart').locator('.legend-item').count()).toBe(1);
    await closePage(page, errors);

    // A physician has no imaging.qc: no nav entry, and the page says why.
    const other = await openPage(browser, `${server.url}/protocol-qc`, { auth: await server.tokenFor('physician') });
    await other.page.getByTestId('forbidden').waitFor();
    await expect(other.page.locator('[data-nav="protocol-qc"]').count()).resolves.toBe(0);
    await closePage(other.page, other.errors);
  }, 180_000);
});
