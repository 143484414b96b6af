import type { FastifyInstance, InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../api/index.ts';
import type { Runtime } from '../runtime/index.ts';
import { testAuth, testRuntime } from './helpers/runtime.ts';

type Headers = Record<string, string>;

/** A multipart body with one Markdown file, as a browser form or FormData would send it. */
function multipart(name: string, text: string): { payload: string; headers: Headers } {
  const boundary = '----yzBoundary7MA4YWxk';
  const payload = [`--${boundary}`, `Content-Disposition: form-data; name="file"; filename="${name}"`, 'Content-Type: text/markdown', '', text, `--${boundary}--`, ''].join('\r\n');
  return { payload, headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } };
}

/**
 * The HTTP front (issue 12, H1 and the lows): cross-origin writes refused centrally, declared body
 * types only, security headers on everything, /docs for signed-in users. In-process (app.inject);
 * the same attack from a real second origin in Chromium is tests/e2e/csrf.e2e.test.ts.
 */
describe('HTTP front: same-site CSRF, content types, headers', () => {
  let rt: Runtime;
  let app: FastifyInstance;
  let admin: Headers;
  let cookie: Headers;
  const self = 'http://localhost:80'; // app.inject's Host is localhost:80
  const req = (o: InjectOptions) => app.inject(o);
  const count = async (sql: string) => Number((await rt.db.query<{ n: string }>(sql)).rows[0].n);

  beforeAll(async () => {
    rt = await testRuntime({ YZ_PUBLIC_ORIGIN: 'https://yingzhi.hospital.example' });
    app = await buildApp(rt, { serveUi: true });
    ({ auth: admin } = await testAuth(rt));
    const u = await rt.auth.createUser({ username: 'dr.victim', role: 'admin', password: 'victim-password-1' }, 'test');
    await rt.db.query('UPDATE users SET must_change_password = false WHERE id = $1', [u.user.id]);
    const login = await req({ method: 'POST', url: '/api/auth/login', payload: { username: 'dr.victim', password: 'victim-password-1' }, headers: { 'sec-fetch-site': 'same-origin' } });
    expect(login.statusCode).toBe(200);
    cookie = { cookie: String([login.headers['set-cookie']].flat()[0]).split(';')[0] };
  });
  afterAll(async () => {
    await app.close();
    await rt.close();
  });

  it('refuses state-changing requests a page of another origin sent with the session cookie, before anything is read or written', async () => {
    const before = { sources: await count('SELECT count(*) AS n FROM sources'), users: await count('SELECT count(*) AS n FROM users') };
    const attacker = { ...cookie, 'sec-fetch-site': 'same-site', origin: 'http://localhost:5555' };
    const upload = multipart('evil.md', '# evil\n\nuploaded from another origin');
    const attempts: InjectOptions[] = [
      { method: 'POST', url: '/api/sources', payload: upload.payload, headers: { ...attacker, ...upload.headers } },
      { method: 'POST', url: '/api/graph/import', payload: '{"type":"entity"}', headers: { ...attacker, 'content-type': 'text/plain' } },
      { method: 'POST', url: '/api/graph/rebuild', headers: attacker },
      { method: 'POST', url: '/api/admin/users', payload: '{"username":"evil","role":"admin"}', headers: { ...attacker, 'content-type': 'text/plain' } },
      // A form POST navigation from a sibling site sends no Sec-Fetch-Site=same-origin either.
      { method: 'POST', url: '/api/auth/logout', headers: { ...cookie, 'sec-fetch-site': 'cross-site', origin: 'http://evil.example' } },
      // Browsers without Fetch Metadata: Origin alone decides.
      { method: 'DELETE', url: '/api/auth/tokens/tok_x', headers: { ...cookie, origin: 'http://localhost:5555' } },
      // Sandboxed frames and data: URLs send Origin: null.
      { method: 'POST', url: '/api/graph/rebuild', headers: { ...cookie, origin: 'null' } },
    ];
    for (const a of attempts) {
      const r = await req(a);
      expect(r.statusCode, `${a.method} ${a.url}`).toBe(403);
      expect(r.json().error.code).toBe('CSRF_REJECTED');
    }
    expect({ sources: await count('SELECT count(*) AS n FROM sources'), users: await count('SELECT count(*) AS n FROM users') }).toEqual(before);
    // Still signed in: the forged logout did nothing.
    expect((await req({ method: 'GET', url: '/api/auth/me', headers: cookie })).statusCode).toBe(200);
  });

  it('accepts the same writes from the app itself, a configured public origin, non-browser clients and bearer tokens', async () => {
    const body = { username: 'dr.same', role: 'resident', password: 'same-origin-pass-1' };
    const ok = async (headers: Headers, username: string) => {
      const r = await req({ method: 'POST', url: '/api/admin/users', payload: { ...body, username }, headers });
      expect(r.statusCode, `${JSON.stringify(headers)} ${r.body}`).toBe(201);
    };
    await ok({ ...cookie, 'sec-fetch-site': 'same-origin', origin: self }, 'dr.same1');
    await ok({ ...cookie, origin: self }, 'dr.same2'); // no Fetch Metadata: own origin
    await ok({ ...cookie, 'sec-fetch-site': 'same-site', origin: 'https://yingzhi.hospital.example' }, 'dr.same3'); // YZ_PUBLIC_ORIGIN
    await ok({ ...cookie }, 'dr.same4'); // curl with a cookie: no page can forge this
    await ok({ ...admin, 'sec-fetch-site': 'cross-site', origin: 'http://evil.example' }, 'dr.same5'); // bearer: not an ambient credential
  });

  it('accepts only the body types a route declares: 415 before the body is read, for bearer clients too', async () => {
    const upload = multipart('x.md', '# x');
    const cases: Array<[InjectOptions, number]> = [
      [{ method: 'POST', url: '/api/admin/users', payload: upload.payload, headers: { ...admin, ...upload.headers } }, 415],
      [{ method: 'POST', url: '/api/admin/users', payload: '{"username":"x","role":"admin"}', headers: { ...admin, 'content-type': 'text/plain' } }, 415],
      [{ method: 'POST', url: '/api/admin/users', payload: 'username=x&role=admin', headers: { ...admin, 'content-type': 'application/x-www-form-urlencoded' } }, 415],
      [{ method: 'POST', url: '/api/sources', payload: '{"file":"x"}', headers: { ...admin, 'content-type': 'application/json' } }, 415],
      [{ method: 'POST', url: '/api/graph/rebuild', payload: 'rebuild', headers: { ...admin, 'content-type': 'text/plain' } }, 415],
      [{ method: 'PUT', url: '/api/literature/watches/w_x', payload: 'x', headers: { ...admin } }, 415], // a body without any type
      // Bodiless actions: no body, or an empty JSON one.
      [{ method: 'POST', url: '/api/jobs/job_none/retry', headers: admin }, 404],
      [{ method: 'POST', url: '/api/jobs/job_none/retry', payload: '{}', headers: { ...admin, 'content-type': 'application/json' } }, 404],
      // Declared types pass (and fail later, on their merits).
      [{ method: 'POST', url: '/api/graph/import', payload: 'not json', headers: { ...admin, 'content-type': 'application/x-ndjson' } }, 400],
    ];
    for (const [o, status] of cases) {
      const r = await req(o);
      expect(r.statusCode, `${o.method} ${o.url} ${JSON.stringify(o.headers?.['content-type'])}: ${r.body}`).toBe(status);
      if (status === 415) expect(r.json().error).toMatchObject({ code: 'UNSUPPORTED_CONTENT_TYPE', field: 'content-type' });
    }
    // An anonymous caller still hears 401 first.
    expect((await req({ method: 'POST', url: '/api/admin/users', payload: 'x', headers: { 'content-type': 'text/plain' } })).statusCode).toBe(401);
  });

  it('sends security headers on every response: API, UI page, errors; a CSP with no inline script and no framing', async () => {
    const responses = await Promise.all([
      req({ method: 'GET', url: '/api/sources', headers: admin }),
      req({ method: 'GET', url: '/' }),
      req({ method: 'GET', url: '/sources' }),
      req({ method: 'GET', url: '/api/nope', headers: admin }),
      req({ method: 'GET', url: '/healthz' }),
    ]);
    for (const r of responses) {
      const csp = String(r.headers['content-security-policy']);
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).toMatch(/script-src 'self'(;|$)/);
      expect(csp).not.toContain('unsafe-inline');
      expect(csp).not.toContain('unsafe-eval');
      expect(r.headers['x-content-type-options']).toBe('nosniff');
      expect(r.headers['referrer-policy']).toBe('no-referrer');
      expect(r.headers['x-frame-options']).toBe('DENY');
      expect(String(r.headers['permissions-policy'])).toContain('camera=()');
      expect(r.headers['strict-transport-security']).toBeUndefined(); // plain http here
    }
    expect(responses[0].headers['cache-control']).toBe('no-store');
    expect(String(responses[1].headers['content-type'])).toContain('text/html');
  });

  it('/docs is for signed-in users: a browser is sent to sign in and back, the spec answers 401', async () => {
    const page = await req({ method: 'GET', url: '/docs' });
    expect(page.statusCode).toBe(302);
    expect(page.headers.location).toBe('/login?next=%2Fdocs');
    expect((await req({ method: 'GET', url: '/docs/json' })).statusCode).toBe(401);
    expect((await req({ method: 'GET', url: '/docs/json', headers: cookie })).statusCode).toBe(200);
    const signedIn = await req({ method: 'GET', url: '/docs', headers: admin });
    expect(signedIn.statusCode).toBe(200);
    expect(String(signedIn.headers['content-security-policy'])).toMatch(/script-src 'self'(;|$)/);
  });
});
