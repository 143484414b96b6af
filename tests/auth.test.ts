import type { FastifyInstance, InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../api/index.ts';
import { AuthService } from '../auth/index.ts';
import type { Runtime } from '../runtime/index.ts';
import { TEST_ADMIN_PASSWORD, testAuth, testRuntime } from './helpers/runtime.ts';

type Headers = Record<string, string>;

/** Accounts, sessions, tokens and their enforcement through app.inject (security contract). */
describe('auth: login, lockout, sessions, tokens, RBAC', () => {
  let rt: Runtime;
  let app: FastifyInstance;
  let admin: Headers;
  let tokenFor: Awaited<ReturnType<typeof testAuth>>['tokenFor'];
  const req = (method: InjectOptions['method'], url: string, body?: unknown, headers: Headers = {}) =>
    app.inject({ method, url, headers, ...(body !== undefined ? { payload: body as Record<string, unknown> } : {}) });
  const login = (username: string, password: string) => req('POST', '/api/auth/login', { username, password });
  const cookieOf = (r: { headers: Record<string, unknown> }): Headers => {
    const set = String(r.headers['set-cookie'] ?? '');
    return { cookie: set.split(';')[0] };
  };
  async function newUser(username: string, role: string, password = `${username}-pass-123`): Promise<string> {
    const r = await req('POST', '/api/admin/users', { username, role, password }, admin);
    expect(r.statusCode, r.body).toBe(201);
    return r.json().user.id;
  }

  beforeAll(async () => {
    rt = await testRuntime();
    app = await buildApp(rt);
    ({ auth: admin, tokenFor } = await testAuth(rt));
  });
  afterAll(async () => {
    await app.close();
    await rt.close();
  });

  it('bootstraps one admin who must change the password; a second bootstrap does nothing', async () => {
    const again = await rt.auth.bootstrap('another-password');
    expect(again.created).toBe(false);
    const first = await login('admin', TEST_ADMIN_PASSWORD);
    expect(first.json().user).toMatchObject({ username: 'admin', role: 'admin', mustChangePassword: true });
    const me = await req('GET', '/api/auth/me', undefined, cookieOf(first));
    expect(me.json().user.permissions).toContain('admin.users');
    // The server, not only the UI, holds the account to its one-time password until it is changed.
    const blocked = await req('GET', '/api/admin/users', undefined, cookieOf(first));
    expect(blocked.statusCode).toBe(403);
    expect(blocked.json().error.code).toBe('PASSWORD_CHANGE_REQUIRED');
  });

  it('logs in with an HTTP-only SameSite=Strict cookie, answers /me, and logs out', async () => {
    await newUser('dr.wang', 'physician');
    const r = await login('Dr.Wang', 'dr.wang-pass-123');
    expect(r.statusCode, r.body).toBe(200);
    expect(r.json().user).toMatchObject({ username: 'dr.wang', role: 'physician', permissions: ['knowledge.read', 'report.draft'] });
    const set = String(r.headers['set-cookie']);
    expect(set).toMatch(/^yz_session=[^;]+; Path=\/; HttpOnly; SameSite=Strict/);
    expect(set).not.toContain('Secure'); // plain http here; https adds Secure
    const cookie = cookieOf(r);
    expect((await req('GET', '/api/auth/me', undefined, cookie)).json().user.username).toBe('dr.wang');
    expect((await req('POST', '/api/auth/logout', undefined, cookie)).statusCode).toBe(204);
    const after = await req('GET', '/api/auth/me', undefined, cookie);
    expect(after.statusCode).toBe(401);
    expect(after.json().error.code).toBe('UNAUTHENTICATED');
    expect((await req('GET', '/api/auth/me')).json().error.code).toBe('UNAUTHENTICATED');
  });

  it('wrong password ×5 locks the account (423, even with the right password); an unknown user gets the same answers', async () => {
    await newUser('dr.lock', 'resident');
    const known: Array<{ status: number; body: string; ms: number }> = [];
    const unknown: typeof known = [];
    for (let i = 0; i < 5; i++) {
      let t = performance.now();
      const a = await login('dr.lock', `wrong-${i}`);
      known.push({ status: a.statusCode, body: a.body, ms: performance.now() - t });
      t = performance.now();
      const b = await login('nobody.here', `wrong-${i}`);
      unknown.push({ status: b.statusCode, body: b.body, ms: performance.now() - t });
    }
    for (let i = 0; i < 5; i++) {
      expect(known[i].status).toBe(401);
      expect(unknown[i].body).toBe(known[i].body); // identical code and message: no user enumeration
    }
    expect(JSON.parse(known[0].body).error.code).toBe('INVALID_CREDENTIALS');
    // Unknown users pay the same scrypt as known ones.
    const avg = (xs: typeof known) => xs.reduce((s, x) => s + x.ms, 0) / xs.length;
    expect(avg(unknown)).toBeGreaterThan(avg(known) * 0.4);
    const locked = await login('dr.lock', 'dr.lock-pass-123');
    expect(locked.statusCode).toBe(423);
    expect(locked.json().error.code).toBe('ACCOUNT_LOCKED');
    const lockedUnknown = await login('nobody.here', 'x');
    expect(lockedUnknown.statusCode).toBe(423);
    expect(lockedUnknown.json().error.message).toBe(locked.json().error.message);
    // The window passing (simulated by ageing the attempts) unlocks it.
    await rt.db.query(`UPDATE auth_login_attempts SET at = at - interval '16 minutes' WHERE username_key = 'dr.lock'`);
    expect((await login('dr.lock', 'dr.lock-pass-123')).statusCode).toBe(200);
    const audit = await rt.db.query<{ action: string; n: string }>(`SELECT action, count(*) AS n FROM audit_log WHERE action LIKE 'auth.%' GROUP BY action`);
    const counts = Object.fromEntries(audit.rows.map((r) => [r.action, Number(r.n)]));
    expect(counts['auth.login_failed']).toBeGreaterThanOrEqual(12);
    expect(counts['auth.login']).toBeGreaterThanOrEqual(2);
    const failed = await rt.db.query<{ details: Record<string, unknown> }>(`SELECT details FROM audit_log WHERE action = 'auth.login_failed'`);
    expect(JSON.stringify(failed.rows)).not.toContain('wrong-0'); // never the password
  });

  it('too many failures from one address are refused with 429, whatever the username (state in the database)', async () => {
    // A second service on the same database stands for a second API process: the limit is shared.
    const a = new AuthService(rt.db, { ipLimit: 3 });
    const b = new AuthService(rt.db, { ipLimit: 3 });
    for (const [svc, u] of [[a, 'u1'], [b, 'u2'], [a, 'u3']] as const) {
      await expect(svc.login({ username: u, password: 'x', ip: '10.9.9.9' })).rejects.toMatchObject({ code: 'INVALID_CREDENTIALS' });
    }
    await expect(b.login({ username: 'u4', password: 'x', ip: '10.9.9.9' })).rejects.toMatchObject({ code: 'RATE_LIMITED', status: 429 });
    await expect(b.login({ username: 'u4', password: 'x', ip: '10.9.9.8' })).rejects.toMatchObject({ code: 'INVALID_CREDENTIALS' });
  });

  it('SQL injection strings in username and password are just wrong credentials', async () => {
    const evil = ["' OR '1'='1", "admin'--", "admin'; DROP TABLE users; --", '" OR ""="', "') OR 1=1 --"];
    for (const s of evil) {
      for (const [u, p] of [[s, 'x'], ['admin', s]]) {
        const r = await login(u, p);
        expect(r.statusCode, `${u} / ${p}`).toBe(401);
        expect(r.json().error.code).toBe('INVALID_CREDENTIALS');
      }
    }
    const users = await rt.db.query<{ n: string }>('SELECT count(*) AS n FROM users');
    expect(Number(users.rows[0].n)).toBeGreaterThan(1); // nothing dropped
    // Five injected passwords were five ordinary failures for admin: locked like any other.
    expect((await login('admin', TEST_ADMIN_PASSWORD)).statusCode).toBe(423);
    await rt.db.query(`UPDATE auth_login_attempts SET at = at - interval '16 minutes' WHERE username_key = 'admin'`);
    expect((await login('admin', TEST_ADMIN_PASSWORD)).statusCode).toBe(200);
  });

  it('password change: rules, other sessions revoked, this one kept, old password refused', async () => {
    await newUser('dr.pw', 'expert');
    const a = cookieOf(await login('dr.pw', 'dr.pw-pass-123'));
    const b = cookieOf(await login('dr.pw', 'dr.pw-pass-123'));
    const short = await req('POST', '/api/auth/password', { current: 'dr.pw-pass-123', next: 'short' }, a);
    expect(short.statusCode).toBe(400);
    expect(short.json().error.field).toBe('next');
    const same = await req('POST', '/api/auth/password', { current: 'dr.pw-pass-123', next: 'DR.PW' + '' }, a);
    expect(same.statusCode).toBe(400);
    const wrong = await req('POST', '/api/auth/password', { current: 'nope-nope-nope', next: 'a-new-password-1' }, a);
    expect(wrong.json().error.field).toBe('current');
    expect((await req('POST', '/api/auth/password', { current: 'dr.pw-pass-123', next: 'a-new-password-1' }, a)).statusCode).toBe(204);
    expect((await req('GET', '/api/auth/me', undefined, a)).statusCode).toBe(200);
    expect((await req('GET', '/api/auth/me', undefined, b)).statusCode).toBe(401);
    expect((await login('dr.pw', 'dr.pw-pass-123')).statusCode).toBe(401);
    expect((await login('dr.pw', 'a-new-password-1')).statusCode).toBe(200);
  });

  it('tokens: scoped tokens are limited; forged, malformed, revoked and expired tokens are refused with their code', async () => {
    const director = await tokenFor('director');
    const created = await req('POST', '/api/auth/tokens', { name: 'ris-bridge', scopes: ['knowledge.read'], expiresInDays: 30 }, director);
    expect(created.statusCode, created.body).toBe(201);
    const { token, id } = created.json();
    expect(token).toMatch(/^yzt_[a-z0-9]{16}_[a-f0-9]{64}$/);
    const scoped = { authorization: `Bearer ${token}` };
    expect((await req('GET', '/api/sources', undefined, scoped)).statusCode).toBe(200);
    const refused = await req('POST', '/api/jobs/job_x/retry', undefined, scoped);
    expect(refused.statusCode).toBe(403);
    expect(refused.json().error).toMatchObject({ code: 'FORBIDDEN', details: { permission: 'jobs.manage' } });
    expect((await req('GET', '/api/auth/me', undefined, scoped)).json().user.permissions).toEqual(['knowledge.read']);
    // A scoped token cannot mint a wider one; nobody can grant what they do not hold.
    expect((await req('POST', '/api/auth/tokens', { name: 'wider', scopes: ['jobs.manage'], expiresInDays: 1 }, scoped)).statusCode).toBe(403);
    expect((await req('POST', '/api/auth/tokens', { name: 'admin', scopes: ['admin.users'], expiresInDays: 1 }, director)).statusCode).toBe(403);
    const child = await req('POST', '/api/auth/tokens', { name: 'child', expiresInDays: 1 }, scoped);
    expect(child.json().scopes).toEqual(['knowledge.read']);
    expect((await req('POST', '/api/auth/tokens', { name: 'x', expiresInDays: 400 }, director)).statusCode).toBe(400);

    const forged = token.replace(/.$/, (c: string) => (c === '0' ? '1' : '0'));
    for (const [bearer, code] of [
      [forged, 'TOKEN_INVALID'],
      ['yzt_nope', 'TOKEN_INVALID'],
      [`yzt_${'0'.repeat(16)}_${'a'.repeat(64)}`, 'TOKEN_INVALID'],
      ["yzt_' OR 1=1 --", 'TOKEN_INVALID'],
    ]) {
      const r = await req('GET', '/api/sources', undefined, { authorization: `Bearer ${bearer}` });
      expect(r.statusCode, bearer).toBe(401);
      expect(r.json().error.code).toBe(code);
    }
    expect((await req('GET', '/api/sources', undefined, { authorization: 'Basic abc' })).json().error.code).toBe('TOKEN_INVALID');

    // Listing: own tokens only; an admin sees all.
    const mine = (await req('GET', '/api/auth/tokens', undefined, director)).json().items;
    expect(mine.every((t: { username: string }) => t.username === 'test-director')).toBe(true);
    expect((await req('GET', '/api/auth/tokens', undefined, admin)).json().items.length).toBeGreaterThan(mine.length);
    // Someone else's token looks absent.
    expect((await req('DELETE', `/api/auth/tokens/${id}`, undefined, await tokenFor('physician'))).statusCode).toBe(404);
    expect((await req('DELETE', `/api/auth/tokens/${id}`, undefined, director)).statusCode).toBe(204);
    const revoked = await req('GET', '/api/sources', undefined, scoped);
    expect(revoked.statusCode).toBe(401);
    expect(revoked.json().error.code).toBe('TOKEN_REVOKED');

    const other = (await req('POST', '/api/auth/tokens', { name: 'short-lived', expiresInDays: 1 }, director)).json();
    await rt.db.query(`UPDATE api_tokens SET expires_at = now() - interval '1 second' WHERE id = $1`, [other.id]);
    const expired = await req('GET', '/api/sources', undefined, { authorization: `Bearer ${other.token}` });
    expect(expired.statusCode).toBe(401);
    expect(expired.json().error.code).toBe('TOKEN_EXPIRED');
    const actions = (await rt.db.query<{ action: string }>(`SELECT DISTINCT action FROM audit_log WHERE action LIKE 'token.%'`)).rows.map((r) => r.action);
    expect(actions.sort()).toEqual(['token.create', 'token.revoke']);
  });

  it('privilege escalation: a technician calling review endpoints gets 403; nobody changes their own role', async () => {
    const tech = await tokenFor('technician');
    for (const [method, url, body] of [
      ['POST', '/api/kg/candidates/cand_x/approve', { expectedVersion: 1 }],
      ['POST', '/api/kg/candidates/cand_x/reject', { expectedVersion: 1 }],
      ['POST', '/api/kg/candidates/bulk', { action: 'approve', ids: ['cand_x'] }],
    ] as const) {
      const r = await req(method, url, body, tech);
      expect(r.statusCode, url).toBe(403);
      expect(r.json().error).toMatchObject({ code: 'FORBIDDEN', details: { permission: 'knowledge.review' } });
    }
    // The X-YingZhi-Reviewer header no longer names anyone.
    const spoof = await req('GET', '/api/auth/me', undefined, { ...tech, 'x-yingzhi-reviewer': 'admin' });
    expect(spoof.json().user.username).toBe('test-technician');

    // A non-admin cannot reach user administration at all, not even for themselves.
    const techUser = (await req('GET', '/api/auth/me', undefined, tech)).json().user;
    const self = await req('PATCH', `/api/admin/users/${techUser.id}`, { role: 'admin' }, tech);
    expect(self.statusCode).toBe(403);
    expect(self.json().error.details.permission).toBe('admin.users');
    // An admin cannot change their own role or disable themselves either.
    const adminUser = (await req('GET', '/api/auth/me', undefined, admin)).json().user;
    for (const patch of [{ role: 'resident' }, { disabled: true }]) {
      const r = await req('PATCH', `/api/admin/users/${adminUser.id}`, patch, admin);
      expect(r.statusCode, JSON.stringify(patch)).toBe(403);
      expect(r.json().error.code).toBe('FORBIDDEN');
    }
    // …but can change someone else's, which is audited, and disabling ends that user's tokens.
    const promoted = await req('PATCH', `/api/admin/users/${techUser.id}`, { role: 'director' }, admin);
    expect(promoted.json().user).toMatchObject({ role: 'director' });
    expect((await req('GET', '/api/auth/me', undefined, tech)).json().user.permissions).toContain('knowledge.review');
    await req('PATCH', `/api/admin/users/${techUser.id}`, { disabled: true }, admin);
    expect((await req('GET', '/api/auth/me', undefined, tech)).statusCode).toBe(401);
    const changes = (await rt.db.query<{ details: Record<string, unknown> }>(`SELECT details FROM audit_log WHERE action = 'permission.change' ORDER BY seq`)).rows;
    expect(changes.map((c) => c.details)).toEqual([
      { username: 'test-technician', fromRole: 'technician', toRole: 'director' },
      { username: 'test-technician', disabled: true },
    ]);
  });

  it('admin creates users with a one-time password and resets passwords; bad input names the field', async () => {
    const r = await req('POST', '/api/admin/users', { username: 'dr.new', role: 'teacher', displayName: '李老师' }, admin);
    expect(r.statusCode).toBe(201);
    expect(r.json()).toMatchObject({ user: { username: 'dr.new', role: 'teacher', mustChangePassword: true }, initialPassword: expect.any(String) });
    const first = await login('dr.new', r.json().initialPassword);
    expect(first.json().user.mustChangePassword).toBe(true);
    const dup = await req('POST', '/api/admin/users', { username: 'DR.NEW', role: 'teacher' }, admin);
    expect(dup.statusCode).toBe(409);
    const bad = await req('POST', '/api/admin/users', { username: "x' OR 1=1", role: 'teacher' }, admin);
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.field).toBe('username');
    expect((await req('POST', '/api/admin/users', { username: 'dr.x', role: 'god' }, admin)).json().error.field).toBe('role');
    const reset = await req('POST', `/api/admin/users/${r.json().user.id}/reset-password`, undefined, admin);
    expect((await login('dr.new', reset.json().initialPassword)).statusCode).toBe(200);
    const list = (await req('GET', '/api/admin/users', undefined, admin)).json().items;
    expect(list.some((u: { username: string }) => u.username === 'dr.new')).toBe(true);
    expect(JSON.stringify(list)).not.toContain('scrypt$');
  });
});
