import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumAvailable, closePage, launchBrowser, openPage, SCREENSHOTS, shot } from '../helpers/browser.ts';
import { startTestServer, type TestServer } from '../helpers/runtime.ts';

const VICTIM = { username: 'dr.victim', password: 'victim-password-1' };

/**
 * The attacker's page, served from another port of the same host: the same *site* as YingZhi, so the
 * victim's SameSite=Strict session cookie goes along. It does what issue 12 (H1) found possible:
 * no-cors fetches (multipart upload, text/plain graph import, bodiless admin actions, a text/plain
 * "JSON" body) and a multipart form POST into a hidden frame, then reports that it is done.
 */
function attackPage(api: string, targetUserId: string): string {
  const jsonl = [
    '{"kind":"header","format":"yingzhi-kg","version":1,"exportedAt":"2026-01-01","counts":{"entities":1,"relations":0,"evidence":0}}',
    '{"kind":"entity","id":"ent_csrf_forged","type":"Disease","nameZh":"伪造疾病"}',
  ].join('\n');
  return `<!doctype html><html><head><meta charset="utf-8"><title>cat pictures</title></head><body>
<iframe name="sink" id="sink" style="display:none"></iframe>
<form id="f" method="POST" enctype="multipart/form-data" target="sink" action="${api}/api/sources">
  <input type="hidden" name="title" value="form-post">
</form>
<script>
const api = ${JSON.stringify(api)};
const send = (url, init) => fetch(api + url, { method: 'POST', mode: 'no-cors', credentials: 'include', ...init }).then(() => 'sent', (e) => 'error ' + e);
(async () => {
  const fd = new FormData();
  fd.append('file', new Blob(['# CSRF\\n\\nuploaded by another origin'], { type: 'text/markdown' }), 'csrf-upload.md');
  const results = await Promise.all([
    send('/api/sources', { body: fd }),
    send('/api/graph/import', { body: ${JSON.stringify(jsonl)} }),
    send('/api/admin/users/${targetUserId}/reset-password'),
    send('/api/admin/users', { body: JSON.stringify({ username: 'csrf.admin', role: 'admin', password: 'csrf-password-1' }) }),
    send('/api/graph/rebuild'),
  ]);
  // A classic form POST (navigation) with a file part, into the hidden frame.
  const form = document.getElementById('f');
  const dt = new DataTransfer();
  dt.items.add(new File(['# CSRF form\\n\\nposted by a form'], 'csrf-form.md', { type: 'text/markdown' }));
  const input = document.createElement('input');
  input.type = 'file';
  input.name = 'file';
  input.files = dt.files;
  form.appendChild(input);
  await new Promise((resolve) => { document.getElementById('sink').onload = resolve; form.submit(); });
  await send('/api/auth/logout');
  document.body.dataset.results = JSON.stringify(results);
  document.title = 'done';
})();
</script></body></html>`;
}

describe.skipIf(!chromiumAvailable())('same-site CSRF from a second origin (Chromium, issue 12 H1)', () => {
  let server: TestServer;
  let browser: Browser;
  let attacker: Server;
  let attackerUrl: string;
  let targetId: string;
  const tmp = mkdtempSync(path.join(tmpdir(), 'yz-csrf-'));

  beforeAll(async () => {
    [server, browser] = await Promise.all([startTestServer([]), launchBrowser()]);
    const rt = server.rt;
    const victim = await rt.auth.createUser({ username: VICTIM.username, role: 'admin', password: VICTIM.password }, 'test');
    await rt.db.query('UPDATE users SET must_change_password = false WHERE id = $1', [victim.user.id]);
    targetId = (await rt.auth.createUser({ username: 'dr.target', role: 'resident', password: 'target-password-1' }, 'test')).user.id;
    // The API lives at http://127.0.0.1:<port>; the attacker on another port of 127.0.0.1: same site, other origin.
    const page = attackPage(server.url, targetId);
    attacker = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(page);
    });
    await new Promise<void>((resolve) => attacker.listen(0, '127.0.0.1', resolve));
    attackerUrl = `http://127.0.0.1:${(attacker.address() as AddressInfo).port}/`;
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await new Promise((resolve) => attacker?.close(resolve));
    rmSync(tmp, { recursive: true, force: true });
  });

  /** What the attack would change: sources, users, entities, the target's password, the victim's sessions. */
  async function snapshot() {
    const q = async (sql: string, params: unknown[] = []) => (await server.rt.db.query<Record<string, unknown>>(sql, params)).rows;
    return {
      sources: await q('SELECT id, file_name FROM sources ORDER BY id'),
      users: (await q('SELECT username FROM users ORDER BY username')).map((r) => r.username),
      forgedEntity: (await q(`SELECT id FROM kg_entities WHERE id = 'ent_csrf_forged'`)).length,
      targetHash: (await q('SELECT password_hash FROM users WHERE id = $1', [targetId]))[0]?.password_hash,
      victimSessions: Number((await q(`SELECT count(*) AS n FROM auth_sessions s JOIN users u ON u.id = s.user_id WHERE u.username = $1`, [VICTIM.username]))[0]?.n),
      imports: Number((await q(`SELECT count(*) AS n FROM audit_log WHERE action IN ('data.import', 'user.password_reset', 'user.create') AND actor = $1`, [VICTIM.username]))[0]?.n),
    };
  }

  async function signInForm(page: Page): Promise<void> {
    await page.locator('[data-testid="login-form"] input[name="username"]').fill(VICTIM.username);
    await page.locator('[data-testid="login-form"] input[name="password"]').fill(VICTIM.password);
    await page.locator('[data-testid="login-form"] button[type="submit"]').click();
  }

  async function signIn(page: Page): Promise<void> {
    await signInForm(page);
    await page.locator('[data-testid="user-menu"]').waitFor();
  }

  it('a page on another port of the host changes nothing with the signed-in victim’s cookie; the app itself still can', async () => {
    const { page, errors } = await openPage(browser, `${server.url}/admin/users`);
    await signIn(page);
    const before = await snapshot();
    expect(before.victimSessions).toBe(1);

    // The victim, still signed in, opens the attacker's page in the same browser. Every forged request
    // reaches the server (the responses seen by the browser prove it) and is refused there.
    // (The raw network events via CDP: our Cross-Origin-Resource-Policy then hides no-cors answers from the page itself.)
    const attack = await page.context().newPage();
    const cdp = await page.context().newCDPSession(attack);
    await cdp.send('Network.enable');
    // The two events of one request arrive in either order: joined by request id.
    const sent = new Map<string, string>();
    const status = new Map<string, number>();
    cdp.on('Network.requestWillBeSent', (e) => {
      if (e.request.url.startsWith(server.url)) sent.set(e.requestId, `${e.request.method} ${new URL(e.request.url).pathname}`);
    });
    cdp.on('Network.responseReceivedExtraInfo', (e) => status.set(e.requestId, e.statusCode));
    const answered = () => [...sent].filter(([id]) => status.has(id)).map(([id, what]) => `${what} ${status.get(id)}`);
    await attack.goto(attackerUrl);
    await attack.waitForFunction(() => document.title === 'done', undefined, { timeout: 30_000 });
    await expect.poll(() => answered().length, { timeout: 15_000 }).toBe(7); // CDP events may trail the page
    await attack.close();
    expect(answered().sort()).toEqual(
      [
        'POST /api/sources 403', // no-cors multipart
        'POST /api/sources 403', // form POST with a file
        'POST /api/graph/import 403',
        `POST /api/admin/users/${targetId}/reset-password 403`,
        'POST /api/admin/users 403',
        'POST /api/graph/rebuild 403',
        'POST /api/auth/logout 403',
      ].sort(),
    );
    await server.rt.runner.drain();

    expect(await snapshot()).toEqual(before);

    // The real UI, same browser, same cookie: resetting a password and uploading a document work.
    await page.goto(`${server.url}/admin/users`);
    const row = page.locator('tr[data-username="dr.target"]');
    page.once('dialog', (d) => void d.accept());
    await row.locator('[data-testid="user-reset"]').click();
    await page.locator('[data-testid="one-time-password-value"]').waitFor();
    await expect(page.locator('[data-testid="users-notice"]').textContent()).resolves.toMatch(/dr\.target/);
    const after = await snapshot();
    expect(after.targetHash).not.toBe(before.targetHash);

    const md = path.join(tmp, 'ui-upload.md');
    writeFileSync(md, '# 界面上传\n\n同源页面的上传仍然可用。');
    await page.goto(`${server.url}/sources`);
    await page.locator('[data-testid="upload-file"]').setInputFiles(md);
    await page.locator('[data-testid="upload-submit"]').click();
    await page.locator('[data-testid="ingest-done"]').waitFor({ timeout: 60_000 });
    expect((await snapshot()).sources.map((s) => s.file_name)).toContain('ui-upload.md');
    await shot(page, 'csrf-after-attack-ui-works.png');
    await closePage(page, errors);
  }, 180_000);

  it('/docs: a signed-out browser signs in and comes back to it; Swagger UI renders under its CSP without errors', async () => {
    const { page, errors } = await openPage(browser, `${server.url}/docs`);
    await page.waitForURL(/\/login\?next=%2Fdocs/);
    await signInForm(page);
    await page.waitForURL(/\/docs\/?$/);
    await page.locator('.swagger-ui .opblock').first().waitFor({ timeout: 30_000 });
    // Signed in and rendered under its CSP: the spec's title and the first tag's operations are on screen (Swagger UI
    // renders the other sections progressively; the spec itself is checked route by route in tests/api-fuzz.test.ts).
    expect(await page.locator('.swagger-ui .info .title').textContent()).toContain('YingZhi');
    expect(await page.locator('.swagger-ui .opblock').count()).toBeGreaterThan(5);
    await page.screenshot({ path: path.join(SCREENSHOTS, 'docs-signed-in.png') });
    await closePage(page, errors);
  }, 120_000);
});
