import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeLlmServer, startFakeLlmServer } from '../fakes/llm-server.ts';
import { chromiumAvailable, closePage, launchBrowser, openPage, shot } from '../helpers/browser.ts';
import { ROOT, startTestServer, type TestServer } from '../helpers/runtime.ts';

/** Settings in Chromium: an admin switches the model from the page, sees who chose it, and resets. */
describe.skipIf(!chromiumAvailable())('settings: switch the model (Chromium)', () => {
  let server: TestServer;
  let browser: Browser;
  let llm: FakeLlmServer;

  beforeAll(async () => {
    llm = await startFakeLlmServer({ script: () => ({ text: '纯磨玻璃结节推荐 6～12 个月复查 [1]。', pieceChars: 4 }) });
    [server, browser] = await Promise.all([
      startTestServer([path.join(ROOT, 'tests/fixtures/real-model/nodule-followup.md')], { YZ_MODELS_DIR: mkdtempSync(path.join(tmpdir(), 'yz-nomodels-')), YZ_AUTO_EXTRACT: 'off' }),
      launchBrowser(),
    ]);
  }, 240_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await llm?.close();
  });

  it('admin switches from none to an Ollama server and back; the card shows the source and the hint for local models', async () => {
    const { page, errors } = await openPage(browser, `${server.url}/settings`, { lang: 'zh', viewport: { width: 1280, height: 1000 }, auth: server.auth });
    const card = page.locator('[data-testid="llm-status"]');
    await card.waitFor();
    expect(await card.getAttribute('data-kind')).toBe('none');
    expect(await page.locator('[data-testid="llm-source"]').textContent()).toBe('环境变量（YZ_LLM）');
    await page.locator('[data-testid="model-switch"]').waitFor();
    expect(await page.locator('[data-testid="switch-no-local"]').textContent()).toContain('npm run models -- install qwen-0.5b');

    await page.locator('[data-testid="switch-kind"]').selectOption('ollama');
    await page.locator('[data-testid="switch-url"]').fill(llm.url);
    await page.locator('[data-testid="switch-model"]').fill('fake-model');
    await page.locator('[data-testid="switch-apply"]').click();
    await page.locator('[data-testid="switch-done"]').waitFor();
    expect(await card.getAttribute('data-kind')).toBe('ollama');
    expect(await page.locator('[data-testid="llm-model"]').textContent()).toBe('fake-model');
    expect(await page.locator('[data-testid="llm-source"]').textContent()).toMatch(/^设置页（test-admin，/);
    expect(server.rt.llm?.model).toBe('fake-model');
    await shot(page, 'settings-switched.png');

    // A model the server does not serve: refused with the reason, nothing changes.
    await page.locator('[data-testid="switch-model"]').fill('no-such-model');
    await page.locator('[data-testid="switch-apply"]').click();
    await page.locator('[data-testid="model-switch"] [role="alert"]').waitFor();
    expect(await page.locator('[data-testid="model-switch"] [role="alert"]').textContent()).toContain('no-such-model');
    expect(server.rt.llm?.model).toBe('fake-model');
    // The refused PUT is logged by the browser as a failed resource (503): expected here, and only that.
    expect(errors.splice(0).every((e) => /503/.test(e))).toBe(true);

    await page.locator('[data-testid="switch-reset"]').click();
    await page.waitForFunction(() => document.querySelector('[data-testid="llm-status"]')?.getAttribute('data-kind') === 'none');
    expect(server.rt.llm).toBeNull();
    await closePage(page, errors);
  });

  it('the switch is not offered to a resident', async () => {
    const { page, errors } = await openPage(browser, `${server.url}/settings`, { lang: 'zh', viewport: { width: 1280, height: 900 }, auth: await server.tokenFor('resident') });
    await page.locator('[data-testid="llm-status"]').waitFor();
    expect(await page.locator('[data-testid="model-switch"]').count()).toBe(0);
    await closePage(page, errors);
  });
});
