import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROLES } from '../../auth/index.ts';
import { chromiumAvailable, closePage, launchBrowser, openPage, shot } from '../helpers/browser.ts';
import { DEMO, startTestServer, type TestServer } from '../helpers/runtime.ts';

/** Resolves once no request of the page has been in flight for `quietMs` (a page's data loads have answered). */
function trackInflight(page: Page, quietMs = 250): { settled: () => Promise<void> } {
  let open = 0;
  let lastChange = Date.now();
  const change = (d: number) => {
    open += d;
    lastChange = Date.now();
  };
  page.on('request', () => change(1));
  page.on('requestfinished', () => change(-1));
  page.on('requestfailed', () => change(-1));
  return {
    async settled() {
      await page.waitForTimeout(quietMs);
      const deadline = Date.now() + 10_000;
      while ((open > 0 || Date.now() - lastChange < quietMs) && Date.now() < deadline) await page.waitForTimeout(50);
    },
  };
}

/** Every page of the app, by path, with the permission needed to see it in the navigation (none: everyone signed in). */
const PAGES: Array<{ path: string; nav?: string; needs?: string | string[]; hideWith?: string }> = [
  { path: '/', nav: 'search' },
  { path: '/chat', nav: 'chat' },
  // 知识库
  { path: '/sources', nav: 'sources' },
  { path: '/review', nav: 'review', needs: 'knowledge.review' },
  { path: '/vocabulary', nav: 'vocabulary', needs: 'knowledge.review' },
  { path: '/graph', nav: 'graph' },
  { path: '/retrieval-test', nav: 'retrieval-test', needs: ['sources.manage', 'knowledge.review'] },
  { path: '/literature', nav: 'literature', needs: 'sources.manage' },
  // 病例
  { path: '/cases', nav: 'cases', needs: 'knowledge.read' },
  { path: '/cases/compare', nav: 'cases-compare', needs: 'knowledge.read' },
  // 教学
  { path: '/teaching', nav: 'teaching', needs: 'exam.manage' },
  { path: '/teaching/exams', nav: 'teaching-exams', needs: 'exam.manage' },
  // Exam authors have 题库/组卷 instead of the candidate's 考试 entry (the page still opens for them).
  { path: '/exams', nav: 'exams', needs: 'exam.take', hideWith: 'exam.manage' },
  // 影像与报告
  { path: '/measure', nav: 'measure', needs: 'report.draft' },
  { path: '/reports/draft', nav: 'report-draft', needs: 'report.draft' },
  { path: '/reports/qc', nav: 'report-qc', needs: 'report.draft' },
  { path: '/protocol-qc', nav: 'protocol-qc', needs: 'imaging.qc' },
  // 系统
  { path: '/jobs', nav: 'jobs', needs: 'sources.manage' },
  { path: '/connectors', nav: 'connectors', needs: 'connectors.manage' },
  { path: '/settings', nav: 'settings' },
  { path: '/admin/users', nav: 'users', needs: 'admin.users' },
  { path: '/admin/audit', nav: 'audit', needs: 'audit.read' },
  { path: '/account/tokens' },
];

/**
 * Issue 14 item 5: residents, teachers, physicians and experts saw the upload form, the PubMed forms
 * and Jobs and got raw `FORBIDDEN sources.manage` errors. Every page, as every role: the navigation
 * shows exactly the pages the role may open, opening them calls no API the role may not use (no 403
 * answer, no forbidden page), management actions are absent where the role lacks them, and a hidden
 * page typed as a URL shows the 403 page.
 */
describe.skipIf(!chromiumAvailable())('every page as every role (Chromium)', { timeout: 600_000 }, () => {
  let server: TestServer;
  let browser: Browser;
  let sourceId: string;

  beforeAll(async () => {
    [server, browser] = await Promise.all([startTestServer([path.join(DEMO, 'stroke-guideline.md')]), launchBrowser()]);
    sourceId = (await server.rt.sources.list()).items[0].id;
  }, 240_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  for (const role of process.env.YZ_WALK_ROLE ? [process.env.YZ_WALK_ROLE as (typeof ROLES)[number]] : ROLES) {
    it(`${role}: sees only what the role can do, and nothing shown answers 403`, async () => {
      const auth = await server.tokenFor(role, `walk-${role}`);
      const me = (await (await fetch(`${server.url}/api/auth/me`, { headers: auth })).json()) as { user: { permissions: string[] } };
      const can = (p?: string | string[]) => !p || [p].flat().some((x) => me.user.permissions.includes(x));
      const { page, errors } = await openPage(browser, `${server.url}/`, { auth, viewport: { width: 1440, height: 900 } });
      const forbidden: string[] = [];
      page.on('response', (r) => {
        if (r.status() === 403) forbidden.push(`${r.request().method()} ${new URL(r.url()).pathname} on ${new URL(page.url()).pathname}`);
      });
      await page.locator('nav [data-nav="search"]').waitFor();
      const shownNav = await page.locator('nav [data-nav]').evaluateAll((els) => els.map((e) => e.getAttribute('data-nav')));
      const expected = PAGES.filter((p) => p.nav && can(p.needs) && !(p.hideWith && can(p.hideWith))).map((p) => p.nav);
      expect(shownNav.filter((n) => n !== 'docs')).toEqual(expected);
      expect(shownNav.includes('docs')).toBe(can('admin.settings'));

      // In-app navigation (as a user clicking through): the bundle loads once, and every page is judged only
      // once its own requests have settled, so a late 403 is still seen.
      const inflight = trackInflight(page);
      for (const p of [...PAGES, { path: `/sources/${sourceId}`, needs: undefined }]) {
        await page.evaluate((to) => {
          history.pushState({}, '', to);
          dispatchEvent(new PopStateEvent('popstate'));
        }, p.path);
        await page.waitForURL(`**${p.path}`);
        await page.locator('main .page').first().waitFor({ timeout: 10_000 });
        await inflight.settled();
        const isForbidden = (await page.getByTestId('forbidden').count()) > 0;
        expect(isForbidden, `${role} on ${p.path}`).toBe(!can(p.needs));
      }
      // Management actions appear only with their permission.
      await page.goto(`${server.url}/sources/${sourceId}`);
      await page.locator('.passage-item').first().waitFor();
      expect(await page.getByTestId('source-actions').count()).toBe(can('sources.manage') ? 1 : 0);
      expect(await page.getByTestId('passage-disable').count() > 0).toBe(can('sources.manage'));
      await page.goto(`${server.url}/sources`);
      await page.locator('.sources-table').waitFor();
      expect(await page.getByTestId('upload-form').count()).toBe(can('sources.manage') ? 1 : 0);
      if (can('knowledge.review')) {
        await page.goto(`${server.url}/review`);
        await page.locator('main section').first().waitFor();
        await page.waitForTimeout(500);
        expect(await page.getByTestId('extract').count()).toBe(can('sources.manage') ? 1 : 0);
      }
      if (role === 'resident') await shot(page, 'roles-resident-sources.png');
      expect(forbidden).toEqual([]);
      await closePage(page, errors);
    });
  }
});
