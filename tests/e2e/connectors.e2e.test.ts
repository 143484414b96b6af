import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import net from 'node:net';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumAvailable, closePage, launchBrowser, openPage, shot } from '../helpers/browser.ts';
import { startTestServer, type TestServer } from '../helpers/runtime.ts';

const TOKEN = 'pacs-bearer-token-42';

/** The connectors page in Chromium against the real server and fake HTTP / TCP endpoints. */
describe.skipIf(!chromiumAvailable())('connectors UI (Chromium)', () => {
  let server: TestServer;
  let browser: Browser;
  let web: http.Server;
  let tcp: net.Server;
  let webUrl: string;
  let tcpPort: number;
  let deadPort: number;

  beforeAll(async () => {
    web = http.createServer((req, res) => {
      if (req.url === '/api/tags') return void res.writeHead(200, { 'content-type': 'application/json' }).end('{"models":[]}');
      if (req.url === '/dicom-web/studies?limit=1') return void res.writeHead(req.headers.authorization === `Bearer ${TOKEN}` ? 200 : 401).end('[]');
      res.writeHead(404).end();
    });
    await new Promise<void>((r) => web.listen(0, '127.0.0.1', r));
    webUrl = `http://127.0.0.1:${(web.address() as AddressInfo).port}`;
    tcp = net.createServer((s) => s.end());
    await new Promise<void>((r) => tcp.listen(0, '127.0.0.1', r));
    tcpPort = (tcp.address() as AddressInfo).port;
    const p = net.createServer();
    await new Promise<void>((r) => p.listen(0, '127.0.0.1', r));
    deadPort = (p.address() as AddressInfo).port;
    await new Promise<void>((r) => p.close(() => r()));
    [server, browser] = await Promise.all([
      startTestServer([], { YZ_MASTER_KEY: randomBytes(16).toString('hex'), YZ_CONNECTOR_TIMEOUT_MS: '1500', YZ_CONNECTOR_CHECK_SECONDS: '3600' }),
      launchBrowser(),
    ]);
    // Two connectors with some history, so the sparklines have bars.
    const llm = await server.rt.connectors.create({ name: 'Ollama 本地模型', kind: 'llm', config: { provider: 'ollama', url: webUrl, model: 'qwen2.5:7b' } }, 'admin');
    const ris = await server.rt.connectors.create({ name: 'RIS HL7 MLLP', kind: 'ris', config: { mode: 'hl7-mllp', host: '127.0.0.1', port: tcpPort } }, 'admin');
    for (let i = 0; i < 8; i++) {
      await server.rt.connectors.check(llm.id, 'schedule');
      await server.rt.connectors.check(ris.id, 'schedule');
    }
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    web?.closeAllConnections();
    await new Promise((r) => web?.close(r));
    await new Promise((r) => tcp?.close(r));
  });

  it('lists connectors with lights and sparklines, adds one with a write-only secret, tests, and deletes', async () => {
    // A technician (connectors.manage); the bootstrap admin would first be asked to change its password.
    const { page, errors } = await openPage(browser, `${server.url}/connectors`, { auth: await server.tokenFor('technician') });
    await page.getByRole('heading', { name: '集成连接', level: 1 }).waitFor();
    await expect(page.locator('[data-nav="connectors"]').textContent()).resolves.toBe('集成');
    const llmRow = page.locator('tr[data-connector="Ollama 本地模型"]');
    await llmRow.locator('[data-status="up"]').waitFor();
    await expect(llmRow.getByTestId('latency').textContent()).resolves.toMatch(/\d+ ms/);
    expect(await llmRow.locator('[data-testid="sparkline"] rect').count()).toBe(8);

    // Add a PACS with a bearer token.
    await page.getByTestId('connector-add').click();
    const form = page.getByTestId('connector-form');
    await form.locator('input[name="name"]').fill('PACS 主院区');
    await form.locator('select[name="kind"]').selectOption('pacs');
    await form.locator('input[name="qidoUrl"]').fill(`${webUrl}/dicom-web`);
    await form.locator('input[name="wadoUrl"]').fill(`${webUrl}/dicom-web`);
    await form.locator('select[name="authType"]').selectOption('bearer');
    await form.locator('input[name="secret"]').fill(TOKEN);
    await form.getByRole('button', { name: '保存' }).click();
    const pacsRow = page.locator('tr[data-connector="PACS 主院区"]');
    await pacsRow.waitFor();
    await expect(pacsRow.locator('[data-status="unknown"]').count()).resolves.toBe(1);
    await pacsRow.locator('[data-action="test"]').click();
    await pacsRow.locator('[data-status="up"]').waitFor({ timeout: 10_000 });

    // The secret is write-only: the edit form shows it as set but never its value.
    await pacsRow.locator('[data-action="edit"]').click();
    const secret = page.getByTestId('connector-form').locator('input[name="secret"]');
    await expect(secret.inputValue()).resolves.toBe('');
    await expect(secret.getAttribute('placeholder')).resolves.toContain('已设置');
    expect(await page.content()).not.toContain(TOKEN);
    await expect(pacsRow.getByTestId('has-secret').textContent()).resolves.toBe('已设密钥');
    await shot(page, 'connectors-edit.png');
    await page.getByTestId('connector-form').getByRole('button', { name: '取消' }).click();

    // An unreachable endpoint: red light and the error text.
    await page.getByTestId('connector-add').click();
    const f2 = page.getByTestId('connector-form');
    await f2.locator('input[name="name"]').fill('影像 AI（离线）');
    await f2.locator('select[name="kind"]').selectOption('imaging_ai');
    await f2.locator('input[name="url"]').fill(`http://127.0.0.1:${deadPort}/health`);
    await f2.getByRole('button', { name: '保存' }).click();
    const deadRow = page.locator('tr[data-connector="影像 AI（离线）"]');
    await deadRow.locator('[data-action="test"]').click();
    await deadRow.locator('[data-status="down"]').waitFor({ timeout: 10_000 });
    // A category in the reader's language, never the socket's error text.
    await expect(deadRow.getByTestId('check-error').textContent()).resolves.toBe('连接被拒绝');
    await expect(deadRow.textContent()).resolves.not.toContain('ECONNREFUSED');

    // An invalid URL is refused with the server's message naming the field.
    await page.getByTestId('connector-add').click();
    const f3 = page.getByTestId('connector-form');
    await f3.locator('input[name="name"]').fill('bad');
    await f3.locator('select[name="kind"]').selectOption('imaging_ai');
    await f3.locator('input[name="url"]').fill('ftp://x/y');
    await f3.getByRole('button', { name: '保存' }).click();
    await f3.locator('[role="alert"]').waitFor();
    await expect(f3.locator('[role="alert"]').textContent()).resolves.toContain('config.url');
    await f3.getByRole('button', { name: '取消' }).click();

    await shot(page, 'connectors.png');

    page.once('dialog', (d) => d.accept());
    await deadRow.locator('[data-action="delete"]').click();
    await deadRow.waitFor({ state: 'detached' });
    await closePage(page, errors);
  }, 90_000);

  it('a research database is entered as fields with TLS and a PEM CA; the allow-list is read-only for a technician', async () => {
    const { page, errors } = await openPage(browser, `${server.url}/connectors`, { auth: await server.tokenFor('technician') });
    await page.getByTestId('connector-add').click();
    const form = page.getByTestId('connector-form');
    await form.locator('select[name="kind"]').selectOption('research_db');
    expect(await form.locator('input[name="dbUrl"]').count()).toBe(0);
    await form.locator('select[name="tlsMode"]').selectOption('verify-full');
    await form.locator('textarea[name="tlsCa"]').waitFor();
    await form.getByRole('button', { name: '取消' }).click();
    const allow = page.getByTestId('allowlist');
    await allow.locator('tr[data-allow="192.168.0.0/16"]').waitFor();
    expect(await allow.getByTestId('allow-form').count()).toBe(0);
    await expect(allow.textContent()).resolves.toContain('只有管理员可以修改允许列表');
    await closePage(page, errors);
  });

  it('an admin adds and removes an allow-list entry; a target outside the list is refused with a clear message', async () => {
    const { page, errors } = await openPage(browser, `${server.url}/connectors`, { auth: server.auth });
    const allow = page.getByTestId('allowlist');
    await allow.locator('tr[data-allow="127.0.0.0/8"]').waitFor();
    const add = allow.getByTestId('allow-form');
    await add.locator('input[name="pattern"]').fill('*.Hospital.Local');
    await add.locator('input[name="note"]').fill('院内域名');
    await add.getByRole('button', { name: '添加' }).click();
    await allow.locator('tr[data-allow="*.hospital.local"]').waitFor();
    await add.locator('input[name="pattern"]').fill('10.0.0.0/33');
    await add.getByRole('button', { name: '添加' }).click();
    await allow.locator('[role="alert"]').waitFor();
    await add.scrollIntoViewIfNeeded();
    await shot(page, 'connectors-allowlist-editor.png');

    await page.getByTestId('connector-add').click();
    const form = page.getByTestId('connector-form');
    await form.locator('input[name="name"]').fill('外网 AI');
    await form.locator('select[name="kind"]').selectOption('imaging_ai');
    await form.locator('input[name="url"]').fill('http://203.0.113.9/health');
    await form.getByRole('button', { name: '保存' }).click();
    await form.locator('[role="alert"]').waitFor();
    await expect(form.locator('[role="alert"]').textContent()).resolves.toContain('允许');
    await shot(page, 'connectors-allowlist.png');
    await form.getByRole('button', { name: '取消' }).click();

    page.once('dialog', (d) => d.accept());
    await allow.locator('tr[data-allow="*.hospital.local"] [data-action="remove-allow"]').click();
    await allow.locator('tr[data-allow="*.hospital.local"]').waitFor({ state: 'detached' });
    await closePage(page, errors);
  });

  it('reads in English', async () => {
    const { page, errors } = await openPage(browser, `${server.url}/connectors`, { auth: await server.tokenFor('technician'), lang: 'en' });
    await page.getByRole('heading', { name: 'Connectors', level: 1 }).waitFor();
    await page.locator('tr[data-connector="RIS HL7 MLLP"] [data-status="up"]').waitFor();
    await expect(page.getByTestId('connectors-table').textContent()).resolves.toContain('Last checked');
    await shot(page, 'connectors-en.png');
    await closePage(page, errors);
  });

  it('is hidden from a role without connectors.manage', async () => {
    const { page, errors } = await openPage(browser, `${server.url}/`, { auth: await server.tokenFor('resident') });
    await page.locator('[data-nav="search"]').waitFor();
    expect(await page.locator('[data-nav="connectors"]').count()).toBe(0);
    await closePage(page, errors);
  });
});
