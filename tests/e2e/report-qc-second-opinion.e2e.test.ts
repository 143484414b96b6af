import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeLlmServer, startFakeLlmServer } from '../fakes/llm-server.ts';
import { chromiumAvailable, closePage, launchBrowser, openPage, shot } from '../helpers/browser.ts';
import { startTestServer, type TestServer } from '../helpers/runtime.ts';

/** 报告质控 with a model configured (the protocol-level fake): the second opinion, apart from the rules' flags. */
describe.skipIf(!chromiumAvailable())('report QC second opinion (Chromium)', () => {
  let fake: FakeLlmServer;
  let server: TestServer;
  let browser: Browser;

  beforeAll(async () => {
    fake = await startFakeLlmServer();
    [server, browser] = await Promise.all([
      startTestServer([], { YZ_LLM: 'openai', YZ_LLM_URL: `${fake.url}/v1`, YZ_LLM_MODEL: 'fake-model', YZ_LLM_TIMEOUT_MS: '5000' }),
      launchBrowser(),
    ]);
  }, 240_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await fake?.close();
  });

  it('lists the remarks it could check against the text, labelled as the model’s, marks where the rules agree and counts what it dropped', async () => {
    const { page, errors } = await openPage(browser, `${server.url}/reports/qc`, { auth: await server.tokenFor('physician') });
    await page.getByTestId('qc-example').click();
    await page.getByTestId('qc-submit').click();
    await page.getByTestId('qc-result').waitFor();
    const rules = await page.locator('[data-testid="qc-flags"] li').count();
    fake.reply({
      json: {
        issues: [
          { kind: 'laterality', quote: '左肺上叶磨玻璃结节', message: '印象侧别与所见不一致', suggestion: '右肺上叶磨玻璃结节' },
          { kind: 'other', quote: '建议随访', message: '建议写明随访间隔与依据', suggestion: null },
          { kind: 'size', quote: '约80mm', message: '应为 12mm', suggestion: '约12mm' },
          { kind: 'typo', quote: '报告里没有这句', message: '虚构的引文', suggestion: null },
        ],
      },
    });
    await page.getByTestId('qc-second').click();
    const result = page.getByTestId('qc-second-result');
    await expect(result.getAttribute('data-status')).resolves.toBe('ok');
    await expect(result.locator('h3').textContent()).resolves.toMatch(/大模型第二意见.*仅供参考.*fake-model/);
    await expect(result.locator('li').evaluateAll((lis) => lis.map((li) => li.getAttribute('data-kind')))).resolves.toEqual(['laterality', 'other']);
    await expect(result.locator('li').first().textContent()).resolves.toContain('规则也发现');
    await expect(result.textContent()).resolves.toContain('已丢弃 2 条');
    await expect(result.textContent()).resolves.not.toContain('12mm');
    // The rules' verdict is not changed by the model.
    await expect(page.locator('[data-testid="qc-flags"] li').count()).resolves.toBe(rules);
    await shot(page, 'report-qc-second-opinion.png');
    await closePage(page, errors);
  });
});
