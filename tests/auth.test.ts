import type { FastifyInstance, InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../api/index.ts';
import { AuthService, normaliseUsername } from '../auth/index.ts';
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
  /** Each name signs in from an address of its own, so one test's failures never throttle another's client scope. */
  const ipFor = (username: string) => `10.${[...username].reduce((h, c) => (h * 31 + c.charCodeAt(0)) % 65_521, 7) >> 8}.${[...username].reduce((h, c) => (h * 17 + c.charCodeAt(0)) % 251, 3)}.1`;
  const login = (username: string, password: string, ip = ipFor(normaliseUsername(username))) =>
    app.inject({ method: 'POST', url: '/api/auth/login', payload: { username, password }, remoteAddress: ip });
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

  /** Move the sign-in history of a name back in time, as if `seconds` had passed. */
  const age = (usernameKey: string, seconds: number) =>
    rt.db.query(`UPDATE auth_login_attempts SET at = at - make_interval(secs => $2) WHERE username_key = $1`, [usernameKey, seconds]);

  it('repeated failures back off exponentially (429 + Retry-After, the password not even checked), unknown names alike; waiting lets the owner in', async () => {
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
    // Past the free allowance: wait, even with the right password, and the unknown name alike.
    const waiting = await login('dr.lock', 'dr.lock-pass-123');
    expect(waiting.statusCode).toBe(429);
    expect(waiting.json().error).toMatchObject({ code: 'RATE_LIMITED', details: { scope: 'account', retryAfterSeconds: 1 } });
    expect(waiting.headers['retry-after']).toBe('1');
    expect((await login('nobody.here', 'x')).json().error).toMatchObject({ code: 'RATE_LIMITED', details: { scope: 'account' } });
    // Each further failure doubles the wait: 1 s, 2 s, 4 s … (never a 15-minute lock of the owner).
    await age('dr.lock', 2);
    expect((await login('dr.lock', 'wrong-again')).statusCode).toBe(401);
    expect((await login('dr.lock', 'dr.lock-pass-123')).json().error.details.retryAfterSeconds).toBe(2);
    await age('dr.lock', 3);
    const ok = await login('dr.lock', 'dr.lock-pass-123');
    expect(ok.statusCode, ok.body).toBe(200);
    // One audit row when the burst started, one with its total when the owner signed in — not one per attempt.
    const rows = (await rt.db.query<{ details: Record<string, unknown> }>(`SELECT details FROM audit_log WHERE action = 'auth.login_failed' AND details->>'username' = 'dr.lock' ORDER BY seq`)).rows;
    expect(rows.map((r) => r.details)).toEqual([
      expect.objectContaining({ burst: 'start', count: 1, reason: 'wrong_password' }),
      expect.objectContaining({ burst: 'end', endedBy: 'signed_in', count: 8, failures: 6, throttled: 2, reasons: { wrong_password: 6, throttled: 2 } }),
    ]);
    const failed = await rt.db.query<{ details: Record<string, unknown> }>(`SELECT details FROM audit_log WHERE action = 'auth.login_failed'`);
    expect(JSON.stringify(failed.rows)).not.toContain('wrong-0'); // never the password
  });

  it('someone hammering an account does not lock its owner out of a browser that signed in before; 201 attempts give two audit rows', async () => {
    await newUser('dr.owner', 'director');
    const fromWard = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'dr.owner', password: 'dr.owner-pass-123' }, remoteAddress: '10.20.0.5' });
    expect(fromWard.statusCode).toBe(200);
    const setCookies = [fromWard.headers['set-cookie']].flat().map(String);
    const device = setCookies.find((c) => c.startsWith('yz_device='));
    expect(device).toMatch(/^yz_device=[A-Za-z0-9_-]{43}; Path=\/api\/auth\/login; HttpOnly; SameSite=Strict; Max-Age=15552000$/);
    const deviceCookie = { cookie: (device as string).split(';')[0] };

    const statuses: Record<number, number> = {};
    const t0 = performance.now();
    for (let i = 0; i < 200; i++) {
      const r = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'dr.owner', password: `guess-${i}` }, remoteAddress: '203.0.113.66' });
      statuses[r.statusCode] = (statuses[r.statusCode] ?? 0) + 1;
    }
    // Five free guesses, then one per back-off slot (1 s, 2 s, 4 s … after the last): a handful in the test's seconds.
    const slots = Math.floor(Math.log2((performance.now() - t0) / 1000 + 1)) + 1;
    expect(statuses[401]).toBeLessThanOrEqual(5 + slots);
    expect(statuses[429]).toBeGreaterThanOrEqual(190);
    // Whenever a slot opens the attacker takes it (simulated: the wait has passed, one more guess).
    await age('dr.owner', 3600);
    const guess = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'dr.owner', password: 'guess-more' }, remoteAddress: '203.0.113.66' });
    expect(guess.statusCode).toBe(401);
    // The owner, from another address, in a browser that signed in before: straight in.
    const owner = await app.inject({ method: 'POST', url: '/api/auth/login', headers: deviceCookie, payload: { username: 'dr.owner', password: 'dr.owner-pass-123' }, remoteAddress: '10.20.0.9' });
    expect(owner.statusCode, owner.body).toBe(200);
    // A browser that never signed in to the account waits like the attacker (slowed, not locked).
    const stranger = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'dr.owner', password: 'dr.owner-pass-123' }, remoteAddress: '10.20.0.10' });
    expect(stranger.statusCode).toBe(429);
    expect(stranger.json().error.details.retryAfterSeconds).toBeLessThanOrEqual(15 * 60);
    // Another account from the attacker's neighbour is not affected.
    await newUser('dr.other', 'resident');
    expect((await app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'dr.other', password: 'dr.other-pass-123' }, remoteAddress: '203.0.113.67' })).statusCode).toBe(200);

    // The burst is audited twice: when it began, and with its total once quiet.
    await rt.db.query(`UPDATE auth_failure_bursts SET last_at = last_at - interval '16 minutes' WHERE username_key = 'dr.owner'`);
    expect(await rt.auth.closeQuietBursts()).toBeGreaterThanOrEqual(1);
    const rows = (await rt.db.query<{ details: Record<string, unknown> }>(`SELECT details FROM audit_log WHERE action = 'auth.login_failed' AND details->>'ip' = '203.0.113.66' ORDER BY seq`)).rows;
    expect(rows).toHaveLength(2);
    expect(rows[1].details).toMatchObject({ burst: 'end', endedBy: 'quiet', count: 201, username: 'dr.owner' });
    const [signedIn] = (await rt.db.query<{ details: Record<string, unknown> }>(`SELECT details FROM audit_log WHERE action = 'auth.login' AND details->>'ip' = '10.20.0.9'`)).rows;
    expect(signedIn.details).toMatchObject({ knownDevice: true });
  });

  it('too many failures from one address back off across names (state in the database, shared by API processes)', async () => {
    // A second service on the same database stands for a second API process: the limit is shared.
    const throttle = { client: { free: 3, baseMs: 60_000, maxMs: 60_000 } };
    const a = new AuthService(rt.db, { throttle });
    const b = new AuthService(rt.db, { throttle });
    for (const [svc, u] of [[a, 'u1'], [b, 'u2'], [a, 'u3']] as const) {
      await expect(svc.login({ username: u, password: 'x', ip: '10.9.9.9' })).rejects.toMatchObject({ code: 'INVALID_CREDENTIALS' });
    }
    await expect(b.login({ username: 'u4', password: 'x', ip: '10.9.9.9' })).rejects.toMatchObject({ code: 'RATE_LIMITED', status: 429, details: { scope: 'client' } });
    await expect(b.login({ username: 'u4', password: 'x', ip: '10.9.9.8' })).rejects.toMatchObject({ code: 'INVALID_CREDENTIALS' });
  });

  it('client addresses come from X-Forwarded-For only through a proxy named in YZ_TRUST_PROXY; Secure cookie and HSTS behind its TLS', async () => {
    const behindProxy = await buildApp({ ...rt, config: { ...rt.config, http: { trustProxy: ['127.0.0.1'], publicOrigins: [] } } });
    try {
      await newUser('dr.proxy', 'resident');
      const body = { username: 'dr.proxy', password: 'dr.proxy-pass-123' };
      const viaProxy = await behindProxy.inject({ method: 'POST', url: '/api/auth/login', payload: body, headers: { 'x-forwarded-for': '10.77.0.1', 'x-forwarded-proto': 'https' } });
      expect(viaProxy.statusCode).toBe(200);
      expect(String([viaProxy.headers['set-cookie']].flat()[0])).toMatch(/; Secure/);
      expect(viaProxy.headers['strict-transport-security']).toBe('max-age=15552000');
      // The same headers from an address that is not the proxy are ignored (a client cannot pick its own address).
      const spoofed = await behindProxy.inject({ method: 'POST', url: '/api/auth/login', payload: body, headers: { 'x-forwarded-for': '10.77.0.2', 'x-forwarded-proto': 'https' }, remoteAddress: '10.5.5.5' });
      expect(String([spoofed.headers['set-cookie']].flat()[0])).not.toMatch(/Secure/);
      expect(spoofed.headers['strict-transport-security']).toBeUndefined();
      // Without YZ_TRUST_PROXY nobody is trusted.
      const direct = await login('dr.proxy', 'dr.proxy-pass-123', '127.0.0.1');
      expect(String([direct.headers['set-cookie']].flat()[0])).not.toMatch(/Secure/);
      const ips = (await rt.db.query<{ ip: string }>(`SELECT ip FROM auth_login_attempts WHERE username_key = 'dr.proxy' ORDER BY id`)).rows.map((r) => r.ip);
      expect(ips).toEqual(['10.77.0.1', '10.5.5.5', '127.0.0.1']);
    } finally {
      await behindProxy.close();
    }
  });

  it('a session ends after the idle timeout (the UI\'s background polling does not keep it alive) and at its absolute lifetime', async () => {
    await newUser('dr.idle', 'resident');
    const cookie = cookieOf(await login('dr.idle', 'dr.idle-pass-123'));
    const ageSession = (minutes: number) =>
      rt.db.query(`UPDATE auth_sessions SET last_seen_at = last_seen_at - make_interval(mins => $2) WHERE user_id = (SELECT id FROM users WHERE username = $1)`, ['dr.idle', minutes]);
    await ageSession(29);
    expect((await req('GET', '/api/auth/me', undefined, { ...cookie, 'x-yz-background': '1' })).statusCode).toBe(200); // polled, not touched
    await ageSession(2);
    expect((await req('GET', '/api/auth/me', undefined, cookie)).statusCode).toBe(401); // 31 idle minutes

    const again = cookieOf(await login('dr.idle', 'dr.idle-pass-123'));
    await ageSession(29);
    expect((await req('GET', '/api/auth/me', undefined, again)).statusCode).toBe(200); // the user's own request
    await ageSession(2);
    expect((await req('GET', '/api/auth/me', undefined, again)).statusCode).toBe(200);
    await rt.db.query(`UPDATE auth_sessions SET expires_at = now() - interval '1 second' WHERE user_id = (SELECT id FROM users WHERE username = 'dr.idle')`);
    expect((await req('GET', '/api/auth/me', undefined, again)).statusCode).toBe(401);
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
    // Five injected passwords were five ordinary failures for admin: slowed like any other.
    expect((await login('admin', TEST_ADMIN_PASSWORD)).statusCode).toBe(429);
    await age('admin', 2);
    expect((await login('admin', TEST_ADMIN_PASSWORD)).statusCode).toBe(200);
  });

  it('password change: rules, other sessions and every API token revoked (and said so), this one kept, old password refused', async () => {
    await newUser('dr.pw', 'expert');
    const a = cookieOf(await login('dr.pw', 'dr.pw-pass-123'));
    const b = cookieOf(await login('dr.pw', 'dr.pw-pass-123'));
    const user = await rt.auth.users.byUsername(rt.db, 'dr.pw');
    const { token } = await rt.auth.issueToken(rt.db, { userId: user!.id, username: 'dr.pw' }, { name: 'integration', scopes: null, expiresInDays: 30 }, 'test');
    const short = await req('POST', '/api/auth/password', { current: 'dr.pw-pass-123', next: 'short' }, a);
    expect(short.statusCode).toBe(400);
    expect(short.json().error.field).toBe('next');
    const same = await req('POST', '/api/auth/password', { current: 'dr.pw-pass-123', next: 'DR.PW' + '' }, a);
    expect(same.statusCode).toBe(400);
    const wrong = await req('POST', '/api/auth/password', { current: 'nope-nope-nope', next: 'a-new-password-1' }, a);
    expect(wrong.json().error.field).toBe('current');
    const changed = await req('POST', '/api/auth/password', { current: 'dr.pw-pass-123', next: 'a-new-password-1' }, a);
    expect(changed.statusCode).toBe(200);
    expect(changed.json()).toEqual({ sessionsRevoked: 1, tokensRevoked: 1 });
    const stale = await req('GET', '/api/sources', undefined, { authorization: `Bearer ${token}` });
    expect(stale.json().error.code).toBe('TOKEN_REVOKED');
    expect((await req('GET', '/api/auth/me', undefined, a)).statusCode).toBe(200);
    expect((await req('GET', '/api/auth/me', undefined, b)).statusCode).toBe(401);
    expect((await login('dr.pw', 'dr.pw-pass-123')).statusCode).toBe(401);
    expect((await login('dr.pw', 'a-new-password-1')).statusCode).toBe(200);
  });

  it('tokens: minted only from a session, never by a token; scoped tokens are limited; forged, malformed, revoked and expired tokens are refused with their code', async () => {
    const directorToken = await tokenFor('director');
    const minted = await req('POST', '/api/auth/tokens', { name: 'from-a-token', expiresInDays: 365 }, directorToken);
    expect(minted.statusCode).toBe(403);
    expect(minted.json().error.code).toBe('SESSION_REQUIRED');
    const director = cookieOf(await login('test-director', 'test-director-password-1'));
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
    // A token cannot mint another (not even a narrower one); nobody can grant what they do not hold.
    expect((await req('POST', '/api/auth/tokens', { name: 'wider', scopes: ['jobs.manage'], expiresInDays: 1 }, scoped)).json().error.code).toBe('SESSION_REQUIRED');
    expect((await req('POST', '/api/auth/tokens', { name: 'child', expiresInDays: 1 }, scoped)).json().error.code).toBe('SESSION_REQUIRED');
    expect((await req('POST', '/api/auth/tokens', { name: 'admin', scopes: ['admin.users'], expiresInDays: 1 }, director)).statusCode).toBe(403);
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
    const mine = (await req('GET', '/api/auth/tokens', undefined, directorToken)).json().items;
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

  it('admin creates users with a one-time or a typed password — both must be changed at first sign-in — and resets passwords, ending tokens; bad input names the field', async () => {
    const typed = await req('POST', '/api/admin/users', { username: 'dr.typed', role: 'physician', password: 'typed-by-admin-1' }, admin);
    expect(typed.json()).toMatchObject({ user: { mustChangePassword: true } });
    expect(typed.json().initialPassword).toBeUndefined();
    const typedLogin = await login('dr.typed', 'typed-by-admin-1');
    expect(typedLogin.json().user.mustChangePassword).toBe(true);
    const held = await req('GET', '/api/sources', undefined, cookieOf(typedLogin));
    expect(held.json().error.code).toBe('PASSWORD_CHANGE_REQUIRED');
    const r = await req('POST', '/api/admin/users', { username: 'dr.new', role: 'teacher', displayName: '李老师' }, admin);
    expect(r.statusCode).toBe(201);
    // The user list says when each account last signed in: never, until the first sign-in.
    const lastLogin = async (name: string) => (await req('GET', '/api/admin/users', undefined, admin)).json().items.find((u: { username: string }) => u.username === name).lastLoginAt;
    expect(await lastLogin('dr.new')).toBeNull();
    const before = Date.now() - 5_000;
    expect(Date.parse(await lastLogin('dr.typed'))).toBeGreaterThan(before - 120_000);
    expect(r.json()).toMatchObject({ user: { username: 'dr.new', role: 'teacher', mustChangePassword: true }, initialPassword: expect.any(String) });
    const first = await login('dr.new', r.json().initialPassword);
    expect(first.json().user.mustChangePassword).toBe(true);
    expect(Date.parse(await lastLogin('dr.new'))).toBeGreaterThanOrEqual(before);
    // A wrong password is not a sign-in.
    const stamped = await lastLogin('dr.new');
    await login('dr.new', 'not-the-password-1');
    expect(await lastLogin('dr.new')).toBe(stamped);
    const dup = await req('POST', '/api/admin/users', { username: 'DR.NEW', role: 'teacher' }, admin);
    expect(dup.statusCode).toBe(409);
    const bad = await req('POST', '/api/admin/users', { username: "x' OR 1=1", role: 'teacher' }, admin);
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.field).toBe('username');
    expect((await req('POST', '/api/admin/users', { username: 'dr.x', role: 'god' }, admin)).json().error.field).toBe('role');
    const { token } = await rt.auth.issueToken(rt.db, { userId: r.json().user.id, username: 'dr.new' }, { name: 'ris', scopes: null, expiresInDays: 30 }, 'test');
    const reset = await req('POST', `/api/admin/users/${r.json().user.id}/reset-password`, undefined, admin);
    expect(reset.json()).toMatchObject({ initialPassword: expect.any(String), sessionsRevoked: 1, tokensRevoked: 1 });
    expect((await req('GET', '/api/auth/me', undefined, { authorization: `Bearer ${token}` })).json().error.code).toBe('TOKEN_REVOKED');
    expect((await login('dr.new', reset.json().initialPassword)).statusCode).toBe(200);
    const list = (await req('GET', '/api/admin/users', undefined, admin)).json().items;
    expect(list.some((u: { username: string }) => u.username === 'dr.new')).toBe(true);
    expect(JSON.stringify(list)).not.toContain('scrypt$');
  });
});
