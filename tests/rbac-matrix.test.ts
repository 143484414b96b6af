import type { FastifyInstance, HTTPMethods } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../api/index.ts';
import { allows, PERMISSIONS, type Permission, ROLE_PERMISSIONS, ROLES, type Role } from '../auth/index.ts';
import type { Runtime } from '../runtime/index.ts';
import { testAuth, testRuntime } from './helpers/runtime.ts';

interface RouteEntry {
  method: string;
  url: string;
  permission: Permission | undefined;
}

/** A concrete URL for a route pattern: every parameter becomes an id that does not exist. */
const concrete = (url: string) => url.replace(/:[A-Za-z_]+/g, 'zz_nope').replace(/\*$/, 'some/page');

/**
 * The whole route table (collected with an onRoute hook while the app is built) × every role and an
 * anonymous caller. Public routes answer without 401; every other route: anonymous → 401, a role
 * without the permission → 403 naming it, a role with it → neither 401 nor 403 (nor a 5xx).
 */
describe('route × role matrix', () => {
  let rt: Runtime;
  let app: FastifyInstance;
  const routes: RouteEntry[] = [];
  const headers = new Map<Role | 'anonymous', Record<string, string>>();

  beforeAll(async () => {
    rt = await testRuntime();
    app = await buildApp(rt, {
      serveUi: true,
      onRoute: (r) => {
        for (const method of [r.method].flat()) {
          if (method === 'HEAD' || r.url.startsWith('/docs')) continue; // HEAD mirrors GET; Swagger UI's own pages
          routes.push({ method, url: r.url, permission: (r.config as { permission?: Permission } | undefined)?.permission });
        }
      },
    });
    await app.ready();
    const { auth, tokenFor } = await testAuth(rt);
    headers.set('anonymous', {});
    for (const role of ROLES) headers.set(role, role === 'admin' ? auth : await tokenFor(role));
  });
  afterAll(async () => {
    await app.close();
    await rt.close();
  });

  it('every route declares a known permission, and each caller gets the answer its permissions call for', async () => {
    expect(routes.length).toBeGreaterThan(50);
    const undeclared = routes.filter((r) => !r.permission || !(PERMISSIONS as readonly string[]).includes(r.permission));
    expect(undeclared).toEqual([]);
    const wrong: string[] = [];
    let cells = 0;
    for (const r of routes) {
      for (const [who, h] of headers) {
        const hasBody = r.method === 'POST' || r.method === 'PUT' || r.method === 'PATCH';
        const res = await app.inject({
          method: r.method as HTTPMethods,
          url: concrete(r.url),
          headers: { ...h, ...(hasBody ? { 'content-type': 'application/json' } : {}) },
          ...(hasBody ? { payload: '{}' } : {}),
        });
        cells++;
        const p = r.permission as Permission;
        const s = res.statusCode;
        let ok: boolean;
        if (p === 'public') ok = s !== 401 && s !== 403 && s < 500;
        else if (who === 'anonymous') ok = s === 401 && res.json().error.code === 'UNAUTHENTICATED';
        else if (allows(ROLE_PERMISSIONS[who], p)) ok = s !== 401 && s !== 403 && s < 500;
        else ok = s === 403 && res.json().error.details?.permission === p;
        if (!ok) wrong.push(`${r.method} ${r.url} [${p}] as ${who}: ${s} ${res.body.slice(0, 160)}`);
      }
    }
    console.log(`route × role matrix: ${routes.length} routes × ${headers.size} callers (7 roles + anonymous) = ${cells} cells, ${wrong.length} wrong`);
    expect(wrong).toEqual([]);
  }, 120_000);

  it('the role table matches the security contract', () => {
    expect(ROLE_PERMISSIONS.admin).toEqual(PERMISSIONS.filter((p) => p !== 'public' && p !== 'authenticated'));
    expect(ROLE_PERMISSIONS.technician).not.toContain('knowledge.review');
    expect(ROLE_PERMISSIONS.director).not.toContain('admin.users');
    expect(ROLE_PERMISSIONS.director).not.toContain('connectors.manage');
  });
});
