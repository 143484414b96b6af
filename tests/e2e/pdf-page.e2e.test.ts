import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumAvailable, closePage, launchBrowser, openPage, shot } from '../helpers/browser.ts';
import { ROOT, startTestServer, type TestServer } from '../helpers/runtime.ts';

/**
 * Issue 14 item 2: a passage of a PDF opens on its original page, drawn in the browser by pdf.js from
 * the stored file, with the passage highlighted (the passage view showed text only before).
 */
describe.skipIf(!chromiumAvailable())('original PDF page with the passage highlighted (Chromium)', { timeout: 180_000 }, () => {
  let server: TestServer;
  let browser: Browser;

  beforeAll(async () => {
    [server, browser] = await Promise.all([startTestServer([path.join(ROOT, 'demo/pdf/lung-nodule-guideline.pdf')]), launchBrowser()]);
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('draws the page of a passage from the original PDF and marks the passage on it', async () => {
    const { rows } = await server.rt.db.query<{ id: string; page_start: number }>(
      `SELECT id, page_start FROM chunks WHERE page_start = page_end AND page_start > 1 AND length(text) > 200 ORDER BY ordinal LIMIT 1`,
    );
    const [chunk] = rows;
    expect(chunk).toBeTruthy();
    const { page, errors } = await openPage(browser, `${server.url}/passage/${encodeURIComponent(chunk.id)}`, { auth: server.auth, viewport: { width: 1440, height: 900 } });
    await page.locator('[data-view="pdf"]').click();
    await page.waitForURL(/view=pdf/);
    const figure = page.locator(`.pdf-page[data-page="${chunk.page_start}"]`);
    await figure.waitFor();
    await figure.getByTestId('pdf-highlight').first().waitFor({ timeout: 30_000 });
    const marks = await figure.getByTestId('pdf-highlight').count();
    expect(marks).toBeGreaterThan(1);
    // The canvas has been drawn on (not blank): some pixels are dark text.
    const inked = await figure.getByTestId('pdf-canvas').evaluate((c: HTMLCanvasElement) => {
      const d = c.getContext('2d')?.getImageData(0, 0, c.width, c.height).data ?? new Uint8ClampedArray();
      let dark = 0;
      for (let i = 0; i < d.length; i += 4) if (d[i] < 100 && d[i + 3] > 0) dark++;
      return dark;
    });
    expect(inked).toBeGreaterThan(1000);
    await figure.scrollIntoViewIfNeeded();
    await shot(page, 'passage-pdf.png');
    // The original file is served only to signed-in users.
    const anonymous = await fetch(`${server.url}/api/sources/${chunk.id.split(':')[0]}/file`);
    expect(anonymous.status).toBe(401);
    await closePage(page, errors);
  });
});
