import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { expect } from 'vitest';
import { ROOT } from './runtime.ts';

export const CHROMIUM = process.env.YZ_CHROMIUM ?? '/usr/bin/chromium';
export const SCREENSHOTS = path.join(ROOT, 'test-results/screenshots');

/**
 * Debian's Chromium driven by playwright-core (never a downloaded browser). When it is missing,
 * browser tests fail under CI=true and are reported as skipped only on a developer machine.
 */
export function chromiumAvailable(): boolean {
  if (existsSync(CHROMIUM)) return true;
  if (process.env.CI === 'true') throw new Error(`Chromium not found at ${CHROMIUM}: .ci/run must install it (apt-get install chromium)`);
  return false;
}

export async function launchBrowser(): Promise<Browser> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}

export interface OpenOptions {
  /** Set the UI language before the page loads (on every load of this context). Unset: the app's default. */
  lang?: 'zh' | 'en';
  viewport?: { width: number; height: number };
  /** Headers sent with every request of the page (e.g. `srv.auth`, a bearer token), so the app is signed in. */
  auth?: Record<string, string>;
}

/** A fresh page (own localStorage) that collects uncaught page errors and console errors (4xx answers aside). */
export async function openPage(browser: Browser, url: string, opts: OpenOptions = {}): Promise<{ page: Page; errors: string[] }> {
  const lang = opts.lang ?? 'zh';
  const context = await browser.newContext({ viewport: opts.viewport ?? { width: 1280, height: 800 }, locale: lang === 'zh' ? 'zh-CN' : 'en-GB', extraHTTPHeaders: opts.auth });
  if (opts.lang) await context.addInitScript((l) => localStorage.setItem('yingzhi.lang', l), opts.lang);
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error' && !/status of 4\d\d/.test(m.text())) errors.push(m.text());
  });
  await page.goto(url);
  return { page, errors };
}

/** A screenshot into test-results/screenshots once the status dot and the fonts have settled. */
export async function shot(page: Page, name: string): Promise<void> {
  await page.locator('[data-ready="ready"]').waitFor({ timeout: 10_000 });
  await page.evaluate(() => document.fonts.ready);
  await page.screenshot({ path: path.join(SCREENSHOTS, name) });
}

/** Close the page's context and fail the test on any error the page logged. */
export async function closePage(page: Page, errors: string[]): Promise<void> {
  await page.context().close();
  expect(errors).toEqual([]);
}

/** Click a page in the top navigation as a user does: open its group's menu first (pages sit in 知识库, 系统 …). */
export async function clickNav(page: Page, nav: string): Promise<void> {
  const link = page.locator(`nav [data-nav="${nav}"]`);
  const group = page.locator('nav [data-nav-group]', { has: page.locator(`[data-nav="${nav}"]`) });
  // The navigation is drawn for the signed-in user's role once the session is read: wait for the link itself.
  await link.waitFor({ state: 'attached' });
  if ((await group.count()) > 0) {
    // The menu opens on mouseenter and closes when the route changes; a redirect landing just after the hover
    // closes it under a mouse that never left, so leave and hover again until the link shows.
    for (let attempt = 0; attempt < 5 && !(await link.isVisible()); attempt++) {
      await page.mouse.move(0, 0);
      await group.locator('.nav-group-label').hover();
      await link.waitFor({ state: 'visible', timeout: 2000 }).catch(() => undefined);
    }
  }
  await link.click();
}
