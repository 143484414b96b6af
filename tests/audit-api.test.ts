import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditLog } from '../audit/index.ts';
import { startTestServer, type TestServer } from './helpers/runtime.ts';

interface Answer {
  total: number;
  items: Array<{ target: string }>;
  error: { code: string; field?: string };
  ok: boolean;
  rows: number;
  problemCount: number;
  elapsedMs: number;
}

/** GET /api/audit and POST /api/audit/verify over HTTP (permission audit.read). */
describe('audit API', () => {
  let srv: TestServer;
  const call = async (method: 'GET' | 'POST', url: string, headers: Record<string, string>) => {
    const res = await fetch(srv.url + url, { method, headers });
    return { status: res.status, json: (await res.json()) as Answer };
  };

  beforeAll(async () => {
    srv = await startTestServer([]);
    const log = new AuditLog();
    const day = (d: number) => new Date(Date.UTC(2026, 0, d, 12)).toISOString();
    await log.appendImported(srv.rt.db, [
      { at: day(1), actor: 'dr.li', action: 'review.approve', target: 'cand_1', details: {} },
      { at: day(2), actor: 'dr.li', action: 'review.reject', target: 'cand_2', details: {} },
      { at: day(3), actor: 'dr.wang', action: 'data.export', target: 'graph 50%_done', details: {} },
      { at: day(4), actor: 'dr.wang', action: 'review.approve', target: 'cand_3', details: {} },
    ]);
  });
  afterAll(() => srv?.close());

  it('filters by actor, action, target substring and dates, newest first, with paging', async () => {
    const all = await call('GET', '/api/audit?actor=dr.li', srv.auth);
    expect(all.status).toBe(200);
    expect(all.json.items.map((r: { target: string }) => r.target)).toEqual(['cand_2', 'cand_1']);
    const approve = await call('GET', '/api/audit?action=review.approve&limit=1', srv.auth);
    expect(approve.json).toMatchObject({ total: 2, items: [{ target: 'cand_3' }] });
    const page2 = await call('GET', '/api/audit?action=review.approve&limit=1&offset=1', srv.auth);
    expect(page2.json.items[0].target).toBe('cand_1');
    // % and _ are matched literally.
    expect((await call('GET', `/api/audit?target=${encodeURIComponent('50%_')}`, srv.auth)).json.total).toBe(1);
    expect((await call('GET', `/api/audit?target=${encodeURIComponent('5_%')}`, srv.auth)).json.total).toBe(0);
    // A date-only `to` includes that day.
    const range = await call('GET', '/api/audit?from=2026-01-02&to=2026-01-03', srv.auth);
    expect(range.json.items.map((r: { target: string }) => r.target)).toEqual(['graph 50%_done', 'cand_2']);
  });

  it('refuses bad input with 400 naming the field; SQL in a filter is just text', async () => {
    const bad = await call('GET', '/api/audit?from=yesterday', srv.auth);
    expect(bad.status).toBe(400);
    expect(bad.json.error.field).toBe('from');
    expect((await call('GET', '/api/audit?from=2026-02-01&to=2026-01-01', srv.auth)).status).toBe(400);
    expect((await call('GET', '/api/audit?limit=5000', srv.auth)).status).toBe(400);
    for (const s of ["' OR 1=1 --", "x'); DROP TABLE audit_log; --"]) {
      const r = await call('GET', `/api/audit?actor=${encodeURIComponent(s)}&target=${encodeURIComponent(s)}`, srv.auth);
      expect(r.status).toBe(200);
      expect(r.json.total).toBe(0);
    }
  });

  it('verifies the chain with timing; audit.read is required', async () => {
    const v = await call('POST', '/api/audit/verify', srv.auth);
    expect(v.status).toBe(200);
    expect(v.json).toMatchObject({ ok: true, problemCount: 0 });
    expect(v.json.rows).toBeGreaterThanOrEqual(4);
    expect(typeof v.json.elapsedMs).toBe('number');
    expect((await call('GET', '/api/audit', await srv.tokenFor('director'))).status).toBe(200);
    const physician = await call('POST', '/api/audit/verify', await srv.tokenFor('physician'));
    expect(physician.status).toBe(403);
    expect(physician.json.error.code).toBe('FORBIDDEN');
    expect((await call('GET', '/api/audit', {})).status).toBe(401);
  });
});
