import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumAvailable, closePage, launchBrowser, openPage, shot } from '../helpers/browser.ts';
import { startTestServer, type TestServer } from '../helpers/runtime.ts';

/** Users page and first sign-in (issue 12 low, issue 14 item 8), in Chromium with a real session. */
describe.skipIf(!chromiumAvailable())('users page: one-time passwords and typed initial passwords (Chromium)', () => {
  let server: TestServer;
  let browser: Browser;

  beforeAll(async () => {
    [server, browser] = await Promise.all([startTestServer([]), launchBrowser()]);
    const admin = await server.rt.auth.createUser({ username: 'head.admin', role: 'admin', password: 'head-admin-pass-1' }, 'test');
    await server.rt.db.query('UPDATE users SET must_change_password = false WHERE id = $1', [admin.user.id]);
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  async function login(page: import('playwright-core').Page, username: string, password: string) {
    await page.locator('[data-testid="login-form"] input[name="username"]').fill(username);
    await page.locator('[data-testid="login-form"] input[name="password"]').fill(password);
    await page.locator('[data-testid="login-form"] button[type="submit"]').click();
  }

  it('clears the previous one-time password when the next user is created; a typed password must still be changed at first sign-in', async () => {
    const { page, errors } = await openPage(browser, `${server.url}/admin/users`);
    await login(page, 'head.admin', 'head-admin-pass-1');
    const form = page.locator('[data-testid="new-user-form"]');
    await form.locator('input[name="username"]').fill('dr.first');
    await form.locator('button[type="submit"]').click();
    await page.locator('[data-testid="one-time-password-value"]').waitFor();

    await form.locator('input[name="username"]').fill('dr.typed');
    await form.locator('input[name="password"]').fill('typed-by-admin-9');
    await form.locator('button[type="submit"]').click();
    await page.locator('tr[data-username="dr.typed"]').waitFor();
    expect(await page.locator('[data-testid="one-time-password-value"]').count()).toBe(0); // dr.first's is gone
    await expect(page.locator('[data-testid="users-notice"]').textContent()).resolves.toMatch(/dr\.typed.*首次登录时须修改密码/);
    await expect(page.locator('tr[data-username="dr.typed"] [data-testid="user-must-change"]').textContent()).resolves.toContain('首次登录时须修改密码');
    // When each account last signed in: never for the new ones, a time for the admin signed in now.
    await expect(page.locator('tr[data-username="dr.typed"] [data-testid="user-last-login"]').textContent()).resolves.toBe('从未登录');
    await expect(page.locator('tr[data-username="head.admin"] [data-testid="user-last-login"]').textContent()).resolves.toMatch(/\d{1,2}:\d{2}/);

    // A reset says what it ended.
    page.once('dialog', (d) => void d.accept());
    await page.locator('tr[data-username="dr.first"] [data-testid="user-reset"]').click();
    await page.locator('[data-testid="one-time-password-value"]').waitFor();
    await expect(page.locator('[data-testid="users-notice"]').textContent()).resolves.toMatch(/0 个登录已退出，0 个 API 令牌已吊销/);
    await shot(page, 'users-must-change.png');
    await closePage(page, errors);

    const typed = await openPage(browser, `${server.url}/`);
    await login(typed.page, 'dr.typed', 'typed-by-admin-9');
    await typed.page.locator('[data-testid="password-form"]').waitFor();
    expect(await typed.page.locator('nav').count()).toBe(0);
    await closePage(typed.page, typed.errors);
  }, 120_000);
});
