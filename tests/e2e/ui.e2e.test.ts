import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumAvailable, closePage, launchBrowser, openPage, SCREENSHOTS, shot } from '../helpers/browser.ts';
import { DEMO, startTestServer, type TestServer } from '../helpers/runtime.ts';

const DEMO_FILES = ['lung-nodule-guideline.md', 'lung-cancer-textbook.md', 'stroke-guideline.md'].map((f) => path.join(DEMO, f));

/** Browser tests of the web UI against the real server (in-memory database, demo files ingested). */
describe.skipIf(!chromiumAvailable())('web UI (Chromium)', () => {
  let server: TestServer;
  let browser: Browser;
  let tmp: string;

  beforeAll(async () => {
    tmp = mkdtempSync(path.join(tmpdir(), 'yz-ui-e2e-'));
    [server, browser] = await Promise.all([startTestServer(DEMO_FILES), launchBrowser()]);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  /** A fresh page (own localStorage) at 1280×800 that fails the test on any uncaught page error. */
  const open = (urlPath: string) => openPage(browser, server.url + urlPath, { auth: server.auth });
  const close = closePage;

  it('shell: navigation, readiness and the language switch (persisted)', async () => {
    const { page, errors } = await open('/');
    const nav = page.getByRole('navigation');
    await expect(nav.locator('[data-nav="search"]').textContent()).resolves.toBe('检索');
    await expect(nav.locator('[data-nav="sources"]').textContent()).resolves.toBe('来源');
    await expect(nav.locator('[data-nav="jobs"]').textContent()).resolves.toBe('任务');
    expect(await nav.locator('[data-nav="docs"]').getAttribute('href')).toBe('/docs');
    await page.locator('[data-ready="ready"]').waitFor();
    const status = await page.locator('.ready').textContent();
    // Clinicians read how answers are made, in words; storage and model names are for admins (tooltip, footer).
    expect(status).toContain('原文摘录');
    expect(status).not.toContain('hash-ngram');
    expect(await page.locator('.ready').getAttribute('title')).toContain('pglite');
    await expect(page.getByTestId('ready-details').textContent()).resolves.toContain('pglite');

    // Pages sit in groups (知识库, 教学, 影像与报告, 系统) so the bar fits at 1280 px; a group opens on hover.
    await page.locator('[data-nav-group="knowledge"] .nav-group-label').hover();
    await page.locator('nav [data-nav="review"]').waitFor({ state: 'visible' });
    await shot(page, 'nav-menu.png');
    await page.mouse.move(640, 500);
    await page.locator('nav [data-nav="review"]').waitFor({ state: 'hidden' });

    await page.locator('[data-lang="en"]').click();
    await expect(nav.locator('[data-nav="search"]').textContent()).resolves.toBe('Search');
    await expect(nav.locator('[data-nav="sources"]').textContent()).resolves.toBe('Sources');
    await expect(nav.locator('[data-nav="jobs"]').textContent()).resolves.toBe('Jobs');
    expect(await page.locator('.ready').textContent()).toContain('Answers: quoted passages (no language model)');
    expect(await page.locator('html').getAttribute('lang')).toBe('en');
    await page.reload();
    await expect(page.getByRole('navigation').locator('[data-nav="sources"]').textContent()).resolves.toBe('Sources');
    await shot(page, 'search-en.png');
    await page.locator('[data-lang="zh"]').click();
    await expect(page.getByRole('navigation').locator('[data-nav="sources"]').textContent()).resolves.toBe('来源');
    await close(page, errors);
  });

  it('search: results with citation, highlights and ranks; the passage opens in page context', async () => {
    const { page, errors } = await open('/');
    await page.locator('#q').fill('磨玻璃结节 随访');
    await page.locator('#q').press('Enter');
    await page.waitForURL(/\/search\?q=/);
    expect(new URL(page.url()).searchParams.get('q')).toBe('磨玻璃结节 随访');
    const hits = page.locator('li.hit');
    await hits.first().waitFor();
    expect(await hits.count()).toBeGreaterThanOrEqual(1);
    const first = hits.first();
    const citation = (await first.locator('.hit-citation').textContent()) ?? '';
    expect(citation).toMatch(/^《.+》.*第\d+(–\d+)?页$/);
    expect(await first.locator('.hit-text mark').count()).toBeGreaterThanOrEqual(1);
    const marked = await first.locator('.hit-text mark').allTextContents();
    expect(marked.some((m) => /磨玻璃|随访|GG/i.test(m))).toBe(true);
    expect(await first.locator('.hit-ranks').textContent()).toMatch(/关键词匹配第 (\d+|—)\s*·\s*语义匹配第 (\d+|—)/);
    expect(await first.locator('.badge [data-kind]').count()).toBe(1);
    expect(await first.locator('.breadcrumb li').count()).toBeGreaterThanOrEqual(1);
    // The synonym expansion of the query term is shown under the box.
    expect(await page.locator('[data-testid="expansions"]').textContent()).toContain('磨玻璃结节 →');
    await shot(page, 'search.png');

    // The query is in the URL: the results are linkable.
    const { page: linked, errors: linkedErrors } = await open(new URL(page.url()).pathname + new URL(page.url()).search);
    await linked.locator('li.hit').first().waitFor();
    expect(await linked.locator('li.hit .hit-citation').first().textContent()).toBe(citation);
    await close(linked, linkedErrors);

    const hitText = ((await first.locator('.hit-text').textContent()) ?? '').replace(/\s+/g, '');
    await first.locator('[data-testid="open-in-context"]').click();
    await page.waitForURL(/\/passage\//);
    await page.locator('mark.passage-mark').first().waitFor();
    expect(await page.locator('[data-testid="passage-citation"]').textContent()).toBe(citation);
    const passage = (await page.locator('mark.passage-mark').allTextContents()).join('').replace(/\s+/g, '');
    // The highlighted passage in the page text is the hit's text (headings the passage skips aside).
    expect(passage.length).toBeGreaterThan(hitText.length * 0.8);
    expect(hitText).toContain(passage.slice(0, 20));
    expect(await page.locator('mark.passage-mark').first().isVisible()).toBe(true);
    expect(await page.locator('.page-text').count()).toBeGreaterThanOrEqual(1);
    expect(await page.locator('[data-testid="open-source"]').getAttribute('href')).toMatch(/^\/sources\/src_/);
    await shot(page, 'passage.png');

    // Previous/next page browse the source; "back to the passage" restores the highlight.
    const startPage = Number(await page.locator('.page-text').first().getAttribute('data-page'));
    const nextEnabled = await page.locator('[data-testid="next-page"]').isEnabled();
    await page.locator(nextEnabled ? '[data-testid="next-page"]' : '[data-testid="prev-page"]').click();
    await page.locator('[data-testid="back-to-passage"]').waitFor();
    const otherPage = Number(await page.locator('.page-text').first().getAttribute('data-page'));
    expect(otherPage).not.toBe(startPage);
    expect(await page.locator('mark.passage-mark').count()).toBe(0);
    await page.locator('[data-testid="back-to-passage"]').click();
    await page.locator('mark.passage-mark').first().waitFor();

    // Back to the results keeps the query.
    await page.getByRole('link', { name: /返回检索结果/ }).click();
    await page.waitForURL(/\/search\?q=/);
    await page.locator('li.hit').first().waitFor();
    await close(page, errors);
  });

  it('search: GGN expands to 磨玻璃结节; filters narrow; empty results and errors are explained', async () => {
    const { page, errors } = await open('/search?q=GGN');
    const expansions = page.locator('[data-testid="expansions"]');
    await expansions.waitFor();
    const text = (await expansions.textContent()) ?? '';
    expect(text).toContain('GGN');
    expect(text).toContain('磨玻璃结节');
    expect(text).toContain('ground-glass nodule');
    await page.locator('li.hit').first().waitFor();

    // Kind filter: only guidelines.
    await page.locator('input[name="kind"][value="guideline"]').check();
    await page.waitForURL(/kind=guideline/);
    await page.waitForFunction(() => document.querySelectorAll('li.hit').length > 0 && !document.querySelector('.results.is-loading'));
    const kinds = await page.locator('li.hit .badge [data-kind]').evaluateAll((els) => els.map((e) => e.getAttribute('data-kind')));
    expect(kinds.length).toBeGreaterThan(0);
    expect(new Set(kinds)).toEqual(new Set(['guideline']));

    // A filter that matches nothing: a clear "no passages" message.
    await page.goto(`${server.url}/search?q=GGN&kind=case`);
    const empty = page.locator('[data-testid="no-results"]');
    await empty.waitFor();
    expect(await empty.textContent()).toContain('未找到相关段落');

    // Empty query: the API's QUERY_EMPTY message as an alert.
    await page.goto(`${server.url}/`);
    await page.locator('#q').fill('   ');
    await page.locator('#q').press('Enter');
    const alert = page.getByRole('alert');
    await alert.waitFor();
    expect(await alert.textContent()).toContain('请输入检索词');
    expect(await alert.locator('.alert-code').textContent()).toBe('QUERY_EMPTY');
    await shot(page, 'search-error.png');

    // Too long.
    await page.locator('#q').fill('肺'.repeat(1001));
    await page.locator('#q').press('Enter');
    await page.locator('.alert-code', { hasText: 'QUERY_TOO_LONG' }).waitFor();
    expect(await page.getByRole('alert').textContent()).toContain('检索词过长');
    await close(page, errors);
  });

  it('sources: upload shows progress then the ready source; duplicates and corrupt PDFs are explained; detail pages', async () => {
    const title = `E2E 上传测试文档 ${Date.now()}`;
    const md = path.join(tmp, 'e2e-upload.md');
    writeFileSync(
      md,
      [
        '---',
        `title: ${title}`,
        'publisher: 影知测试组',
        'version: 测试版',
        'year: 2024',
        '---',
        '<!-- page: 1 -->',
        '# 第一章 上传测试',
        '',
        '本文件用于端到端测试：上传后应出现在来源列表中，状态为可检索。肺部高分辨率 CT 可显示细微的间质改变。',
        '',
        '<!-- page: 2 -->',
        '# 第二章 第二页',
        '',
        '第二页的内容用于测试分页浏览：胸膜凹陷征与血管集束征是周围型肺癌的常见征象。',
        '',
      ].join('\n'),
    );
    const { page, errors } = await open('/sources');
    // Record every phase the upload panel goes through (some last only milliseconds).
    await page.evaluate(() => {
      const w = window as unknown as { __phases: string[] };
      w.__phases = [];
      new MutationObserver(() => {
        for (const el of document.querySelectorAll('[data-phase]')) {
          const p = el.getAttribute('data-phase') ?? '';
          if (w.__phases.at(-1) !== p) w.__phases.push(p);
        }
      }).observe(document.body, {
        subtree: true,
        childList: true,
        attributes: true,
      });
    });
    await page.locator('table.sources-table tbody tr').first().waitFor();
    const before = await page.locator('table.sources-table tbody tr').count();
    expect(before).toBe(DEMO_FILES.length);
    expect(await page.locator('table.sources-table .badge', { hasText: '演示' }).count()).toBe(DEMO_FILES.length);

    await page.locator('[data-testid="upload-file"]').setInputFiles(md);
    expect(await page.locator('.file-name').textContent()).toBe('e2e-upload.md');
    await page.locator('select[name="kind"]').selectOption('guideline');
    await page.locator('[data-testid="upload-submit"]').click();
    const done = page.locator('[data-testid="ingest-done"]');
    await done.waitFor({ timeout: 30_000 });
    expect(await done.textContent()).toContain(title);
    const phases = await page.evaluate(() => (window as unknown as { __phases: string[] }).__phases);
    expect(phases).toContain('ingesting');
    expect(phases.at(-1)).toBe('done');
    expect(phases.indexOf('ingesting')).toBeLessThan(phases.indexOf('done'));

    const row = page.locator('table.sources-table tbody tr', {
      hasText: title,
    });
    await row.waitFor();
    await row.locator('[data-status="ready"]').waitFor();
    expect(await row.locator('[data-kind]').getAttribute('data-kind')).toBe('guideline');
    expect(await page.locator('table.sources-table tbody tr').count()).toBe(before + 1);
    await shot(page, 'sources.png');

    // The same bytes again: "already ingested" with a link to the existing source.
    await page.locator('[data-testid="upload-file"]').setInputFiles(md);
    await page.locator('[data-testid="upload-submit"]').click();
    const dup = page.locator('[data-testid="upload-duplicate"]');
    await dup.waitFor();
    expect(await dup.textContent()).toContain('该文件已导入');
    const dupHref = await dup.locator('[data-testid="duplicate-link"]').getAttribute('href');
    expect(dupHref).toMatch(/^\/sources\/src_/);
    await shot(page, 'sources-duplicate.png');

    // A file named .pdf that is not a valid PDF: the PDF_CORRUPT message, nothing added.
    const bad = path.join(tmp, 'corrupt.pdf');
    writeFileSync(bad, '%PDF-1.4 garbage');
    await page.locator('[data-testid="upload-file"]').setInputFiles(bad);
    await page.locator('[data-testid="upload-submit"]').click();
    const err = page.locator('[data-testid="upload-error"]');
    await err.waitFor();
    expect(await err.locator('.alert-code').textContent()).toBe('PDF_CORRUPT');
    expect(await err.locator('.alert-message').textContent()).toMatch(/PDF/);
    expect(await err.textContent()).toContain('上传失败');
    await shot(page, 'sources-error.png');
    expect(await page.locator('table.sources-table tbody tr').count()).toBe(before + 1);

    // Kind filter on the table.
    await page.locator('[data-kind-filter="textbook"]').click();
    await page.waitForURL(/kind=textbook/);
    await page.waitForFunction(() => document.querySelectorAll('table.sources-table tbody tr').length === 1);
    await page
      .locator('[data-kind-filter]')
      .first()
      .evaluate(() => undefined);
    await page.getByRole('button', { name: '全部' }).click();
    await page.waitForFunction((n) => document.querySelectorAll('table.sources-table tbody tr').length === n, before + 1);

    // Detail: click the row; metadata and the page browser.
    await page.locator('table.sources-table tbody tr', { hasText: title }).locator('td').nth(3).click();
    await page.waitForURL(/\/sources\/src_/);
    expect(new URL(page.url()).pathname).toBe(dupHref);
    expect(await page.locator('[data-testid="source-title"]').textContent()).toBe(title);
    expect(await page.locator('.meta').textContent()).toContain('影知测试组');
    const body = page.locator('.page-browser .page-body');
    await body.filter({ hasText: '本文件用于端到端测试' }).waitFor();
    await shot(page, 'source-detail.png');
    await page.locator('[data-testid="next-page"]').click();
    await body.filter({ hasText: '第二页的内容用于测试分页浏览' }).waitFor();
    expect(await page.locator('[data-testid="page-input"]').inputValue()).toBe('2');
    expect(await page.locator('[data-testid="next-page"]').isDisabled()).toBe(true);
    await page.locator('[data-testid="page-input"]').fill('1');
    await page.locator('[data-testid="page-input"]').press('Enter');
    await body.filter({ hasText: '本文件用于端到端测试' }).waitFor();

    // The new source is searchable at once.
    await page.goto(`${server.url}/search?q=${encodeURIComponent('血管集束征')}`);
    await page.locator('li.hit .hit-citation', { hasText: title }).first().waitFor();
    await close(page, errors);
  });

  it('sources: a same-name file asks before superseding; the new version supersedes the old one, undoably; upload progress is shown while bytes are sent', async () => {
    const name = 'e2e-lineage.md';
    const v1 = path.join(tmp, 'v1', name);
    const v2 = path.join(tmp, 'v2', name);
    mkdirSync(path.dirname(v1), { recursive: true });
    mkdirSync(path.dirname(v2), { recursive: true });
    const doc = (title: string, extra: string) =>
      ['---', `title: ${title}`, 'year: 2024', '---', '', `# ${title}`, '', `肺叶切除术后支气管残端瘘的 CT 表现包括残端周围气体与液体积聚。${extra}`, ''].join(
        '\n',
      );
    writeFileSync(v1, doc('E2E 版本测试 第一版', ''));
    // Version 2 is large enough (≈300 KB) for upload progress to be visible on a throttled link.
    writeFileSync(v2, doc('E2E 版本测试 第二版', `\n\n${'附录段落：术后随访影像的对比观察要点。'.repeat(12_000 / 2)}`));

    const { page, errors } = await open('/sources');
    await page.locator('[data-testid="upload-file"]').setInputFiles(v1);
    await page.locator('[data-testid="upload-submit"]').click();
    await page.locator('[data-testid="ingest-done"]').waitFor({ timeout: 30_000 });

    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Network.enable');
    await cdp.send('Network.emulateNetworkConditions', {
      offline: false,
      latency: 20,
      downloadThroughput: -1,
      uploadThroughput: 150 * 1024,
    });
    await page.locator('[data-testid="upload-file"]').setInputFiles(v2);
    // The form shows the current source of the same name and waits for a choice (issue 12, M2).
    const choice = page.locator('[data-testid="same-name-choice"]');
    await choice.waitFor();
    expect(await choice.textContent()).toContain('《E2E 版本测试 第一版》');
    expect(await page.locator('[data-testid="upload-submit"]').isDisabled()).toBe(true);
    await page.screenshot({ path: path.join(SCREENSHOTS, 'sources-same-name-choice.png') });
    const v1Id = (await server.rt.ingest.sameName(name)).matches[0].id;
    await page.locator(`[data-testid="choice-supersede-${v1Id}"]`).check();
    expect(await page.locator('[data-testid="upload-submit"]').textContent()).toBe('上传并取代旧版本');
    await page.locator('[data-testid="upload-submit"]').click();
    const progress = page.locator('[data-testid="upload-progress"]');
    await progress.waitFor();
    await page.waitForFunction(() => {
      const bar = document.querySelector('[data-testid="upload-progress"] [role="progressbar"]');
      const now = Number(bar?.getAttribute('aria-valuenow'));
      const max = Number(bar?.getAttribute('aria-valuemax'));
      return now > 0 && now < max;
    });
    expect(await progress.textContent()).toMatch(/正在上传 [\d.]+ (B|KB|MB) \/ [\d.]+ KB/);
    expect(await page.locator('[data-testid="upload-submit"]').isDisabled()).toBe(true);
    await page.screenshot({
      path: path.join(SCREENSHOTS, 'sources-upload-progress.png'),
    });
    await cdp.send('Network.emulateNetworkConditions', {
      offline: false,
      latency: 0,
      downloadThroughput: -1,
      uploadThroughput: -1,
    });
    await page.locator('[data-testid="ingest-done"]', { hasText: '第二版' }).waitFor({ timeout: 30_000 });

    const oldRow = page.locator('table.sources-table tbody tr', {
      hasText: 'E2E 版本测试 第一版',
    });
    await oldRow.locator('.badge', { hasText: '已被取代' }).waitFor();
    const newRow = page.locator('table.sources-table tbody tr', {
      hasText: 'E2E 版本测试 第二版',
    });
    expect(await newRow.locator('.badge', { hasText: '已被取代' }).count()).toBe(0);

    // Search hides superseded passages unless asked, and then badges them.
    await page.goto(`${server.url}/search?q=${encodeURIComponent('支气管残端瘘')}&mode=bm25`);
    await page.locator('li.hit').first().waitFor();
    expect(await page.locator('li.hit [data-testid="superseded"]').count()).toBe(0);
    await page.locator('input[name="includeSuperseded"]').check();
    await page.waitForURL(/includeSuperseded=true/);
    const badge = page.locator('li.hit', { hasText: '第一版' }).locator('[data-testid="superseded"]');
    await badge.first().waitFor();
    expect(await badge.first().textContent()).toBe('已被取代');

    // Undo from the old version's page: it is current again, the second version stays as a separate source.
    await page.goto(`${server.url}/sources/${encodeURIComponent(v1Id)}`);
    await page.locator('[data-testid="restore-start"]').click();
    await page.locator('[data-testid="restore-confirm"]').waitFor();
    await page.screenshot({ path: path.join(SCREENSHOTS, 'source-restore-confirm.png') });
    await page.locator('[data-testid="restore-confirm"]').click();
    await page.locator('[data-testid="restore-version"]').waitFor({ state: 'detached' });
    expect(await page.locator('.passage-badges .badge', { hasText: '已被取代' }).count()).toBe(0);
    expect((await server.rt.sources.get(v1Id))?.supersededBy).toBeNull();
    await close(page, errors);
  });

  it('jobs: counts and the ingest jobs as succeeded, refreshed automatically', async () => {
    const { page, errors } = await open('/jobs');
    const rows = page.locator('table.jobs-table tbody tr');
    await rows.first().waitFor();
    const jobs = await server.rt.jobs.list({ limit: 100 });
    expect(await rows.count()).toBe(jobs.length);
    expect(await page.locator('table.jobs-table tbody tr[data-status="succeeded"]').count()).toBeGreaterThanOrEqual(DEMO_FILES.length);
    expect(await page.locator('table.jobs-table tbody tr:not([data-status="succeeded"])').count()).toBe(0);
    expect(await page.locator('[data-count="succeeded"] .count-num').textContent()).toBe(String(jobs.length));
    expect(await page.locator('[data-count="failed"] .count-num').textContent()).toBe('0');
    // each document has an ingest job (导入) and then an embedding job (向量化)
    const first = page.locator('table.jobs-table tbody tr', { hasText: '导入' }).first();
    expect(await page.locator('table.jobs-table tbody tr', { hasText: '向量化' }).count()).toBe(jobs.filter((j) => j.kind === 'embed').length);
    expect(await first.locator('[role="progressbar"]').getAttribute('aria-valuenow')).toBe(
      await first.locator('[role="progressbar"]').getAttribute('aria-valuemax'),
    );
    // Finished jobs offer neither retry nor cancel.
    expect(await page.locator('[data-action]').count()).toBe(0);
    // Source titles link to the sources.
    expect(await first.locator('.cell-target a').getAttribute('href')).toMatch(/^\/sources\/src_/);
    const note = page.locator('[data-testid="refresh-note"]');
    const firstNote = await note.textContent();
    await page.waitForFunction((n) => document.querySelector('[data-testid="refresh-note"]')?.textContent !== n, firstNote, { timeout: 6000 });
    await shot(page, 'jobs.png');
    await close(page, errors);
  });

  it('jobs: cancel a queued job, retry it, and watch it succeed', async () => {
    // With the runner stopped an uploaded file's ingest job stays queued.
    await server.rt.runner.stop();
    const form = new FormData();
    form.append('kind', 'textbook');
    form.append('file', new Blob(['# 取消与重试测试\n\n纵隔淋巴结短径大于 10 mm 提示转移可能。\n']), 'e2e-cancel-retry.md');
    const res = await fetch(`${server.url}/api/sources`, {
      method: 'POST',
      headers: server.auth,
      body: form,
    });
    expect(res.status).toBe(202);
    const { job } = (await res.json()) as { job: { id: string } };

    const { page, errors } = await open('/jobs');
    const row = page.locator(`tr[data-job-id="${job.id}"]`);
    await row.and(page.locator('[data-status="queued"]')).waitFor();
    expect(await row.locator('[data-action="retry"]').count()).toBe(0);
    await row.locator('[data-action="cancel"]').click();
    await row.and(page.locator('[data-status="cancelled"]')).waitFor();
    expect(await row.locator('[data-action="cancel"]').count()).toBe(0);
    expect(await page.locator('[data-count="cancelled"] .count-num').textContent()).toBe('1');
    await shot(page, 'jobs-cancelled.png');

    await row.locator('[data-action="retry"]').click();
    await row.and(page.locator('[data-status="queued"]')).waitFor();
    server.rt.runner.start();
    await row.and(page.locator('[data-status="succeeded"]')).waitFor({ timeout: 15_000 });
    expect(await row.locator('.cell-target a').textContent()).toBe('取消与重试测试');

    // Cancelling a finished job is refused with the API's message.
    const again = await fetch(`${server.url}/api/jobs/${job.id}/cancel`, {
      method: 'POST',
      headers: server.auth,
    });
    expect(again.status).toBe(409);
    await close(page, errors);
  });

  it('jobs: a job whose worker kept dying is quarantined with its reason, and an admin retries it', async () => {
    await server.rt.runner.stop();
    const form = new FormData();
    form.append('kind', 'textbook');
    form.append('file', new Blob(['# 隔离任务测试\n\n这份文档模拟让解析进程崩溃的文件。\n']), 'e2e-quarantine.md');
    const res = await fetch(`${server.url}/api/sources`, { method: 'POST', headers: server.auth, body: form });
    const { job } = (await res.json()) as { job: { id: string; maxAttempts: number } };
    // What a worker killed on every attempt leaves behind: a claimed job whose lease runs out, max_attempts times.
    for (let i = 0; i < job.maxAttempts; i++) {
      expect((await server.rt.jobs.claim(['ingest']))?.id).toBe(job.id);
      server.rt.jobs.release(job.id);
      await server.rt.db.query(`UPDATE jobs SET locked_until = now() - interval '1 second' WHERE id = $1`, [job.id]);
      await server.rt.runner.handleReaped(await server.rt.jobs.reap());
    }
    const { page, errors } = await open('/jobs?status=quarantined');
    const row = page.locator(`tr[data-job-id="${job.id}"]`);
    await row.and(page.locator('[data-status="quarantined"]')).waitFor();
    await expect(row.locator('.status').textContent()).resolves.toBe('已隔离');
    await expect(row.locator('.alert-code').textContent()).resolves.toBe('JOB_QUARANTINED');
    await expect(row.getByTestId('suspect').textContent()).resolves.toContain(String(job.maxAttempts));
    await page.getByTestId('quarantine-note').waitFor();
    expect(await page.locator('[data-count="quarantined"] .count-num').textContent()).toBe('1');
    // The source says why it is not indexed, instead of staying "pending".
    const source = (await server.rt.db.query<{ status: string; error: { code: string } }>(`SELECT status, error FROM sources WHERE file_name = 'e2e-quarantine.md'`)).rows[0];
    expect(source).toMatchObject({ status: 'failed', error: { code: 'JOB_QUARANTINED' } });
    await shot(page, 'jobs-quarantined.png');

    await row.locator('[data-action="retry"]').click();
    await page.goto(`${server.url}/jobs`);
    server.rt.runner.start();
    await page.locator(`tr[data-job-id="${job.id}"][data-status="succeeded"]`).waitFor({ timeout: 15_000 });
    await close(page, errors);
  });

  it('client routes survive a reload and unknown chunks show the API error', async () => {
    const { page, errors } = await open('/passage/src_nope:1');
    const alert = page.getByRole('alert');
    await alert.waitFor();
    expect(await alert.textContent()).toContain('段落不存在');
    expect(await alert.locator('.alert-code').textContent()).toBe('NOT_FOUND');
    await page.goto(`${server.url}/no/such/page`);
    await page.getByRole('heading', { name: '页面不存在' }).waitFor();
    await close(page, errors);
  });
});
