import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../api/index.ts';
import type { Role } from '../../auth/index.ts';
import type { Lookup } from '../../connectors/index.ts';
import { createLogger, loadConfig } from '../../core/index.ts';
import { loadSidecarMeta } from '../../ingest/index.ts';
import { createRuntime, type Runtime } from '../../runtime/index.ts';

export const ROOT = path.resolve(import.meta.dirname, '../..');
export const DEMO = path.join(ROOT, 'demo/corpus');

/** A runtime on a fresh in-memory PGlite (or DATABASE_URL when `server` is given). */
export async function testRuntime(env: Record<string, string> = {}, opts: { inMemory?: boolean; lookup?: Lookup } = { inMemory: true }): Promise<Runtime> {
  const config = loadConfig({ YZ_LOG_LEVEL: 'silent', ...pgliteTemplate(), ...checkpointsPerDatabase(env), ...env });
  return createRuntime(config, { inMemory: opts.inMemory ?? true, log: createLogger('silent'), lookup: opts.lookup });
}

/** The initialised cluster tests/global-setup.ts made: new embedded databases skip initdb. */
function pgliteTemplate(): Record<string, string> {
  return process.env.YZ_PGLITE_TEMPLATE ? { YZ_PGLITE_TEMPLATE: process.env.YZ_PGLITE_TEMPLATE } : {};
}

/**
 * Signed audit checkpoints belong to one database's chain: suites that each create a fresh server database
 * must not share the default `<data>/audit-checkpoints` (a fresh chain beside another chain's checkpoints
 * is refused as tampering, correctly). The key file stays shared, so several runtimes on one database agree.
 */
function checkpointsPerDatabase(env: Record<string, string>): Record<string, string> {
  if (!env.DATABASE_URL || env.YZ_AUDIT_CHECKPOINT_DIR) return {};
  const name = new URL(env.DATABASE_URL).pathname.replace(/^\//, '') || 'default';
  return { YZ_AUDIT_CHECKPOINT_DIR: path.join(tmpdir(), 'yz-test-checkpoints', name) };
}

/** Register files (with their sidecar metadata, as the demo loader does) and run their jobs to completion. */
export async function ingestFiles(rt: Runtime, files: string[], meta: Record<string, unknown> = {}): Promise<void> {
  for (const f of files) await rt.ingest.register(readFileSync(f), path.basename(f), { ...meta, ...loadSidecarMeta(f) });
  await rt.runner.drain();
  await rt.knowledge.projector.catchUp();
}

export interface TestServer {
  rt: Runtime;
  app: FastifyInstance;
  url: string;
  /** Headers of an admin API token: `{ authorization: 'Bearer yzt_…' }`. */
  auth: Record<string, string>;
  /** Headers of a token for a user with `role` (named `username`, default `test-<role>`), created on first use. */
  tokenFor(role: Role, username?: string): Promise<Record<string, string>>;
  close(): Promise<void>;
}

export const TEST_ADMIN_PASSWORD = 'test-admin-password';

/**
 * Accounts for tests on a runtime: bootstraps `admin` (password TEST_ADMIN_PASSWORD, must change it) and
 * returns the headers of a token of the admin `test-admin` plus `tokenFor(role, username?)`, which
 * creates a user of that role (password `<username>-password-1`, already past its first-sign-in
 * change) and a token.
 */
export async function testAuth(rt: Runtime): Promise<{ auth: Record<string, string>; tokenFor: TestServer['tokenFor'] }> {
  await rt.auth.bootstrap(TEST_ADMIN_PASSWORD);
  const cache = new Map<string, Promise<Record<string, string>>>();
  const tokenFor = (role: Role, username = `test-${role}`) => {
    let p = cache.get(username);
    if (!p) {
      p = (async () => {
        const existing = await rt.auth.users.byUsername(rt.db, username);
        const user = existing ?? (await rt.auth.users.byId(rt.db, (await rt.auth.createUser({ username, role, password: `${username}-password-1` }, 'test')).user.id));
        if (!user) throw new Error(`test user ${username} missing`);
        // As if the user had already replaced the admin-typed password at first sign-in.
        if (!existing) await rt.db.query('UPDATE users SET must_change_password = false WHERE id = $1', [user.id]);
        const { token } = await rt.auth.issueToken(rt.db, { userId: user.id, username: user.username }, { name: 'test', scopes: null, expiresInDays: 1 }, 'test');
        return { authorization: `Bearer ${token}` };
      })();
      cache.set(username, p);
    }
    return p;
  };
  // `admin` keeps its first-start state (must change the password: the login e2e test walks that flow);
  // `srv.auth` belongs to a second admin, `test-admin`, so pages open straight into the app.
  return { auth: await tokenFor('admin'), tokenFor };
}

/** The real HTTP server (API + built UI) on a random port, for HTTP and browser tests. */
export async function startTestServer(files: string[] = [], env: Record<string, string> = {}, opts: { lookup?: Lookup } = {}): Promise<TestServer> {
  const rt = await testRuntime(env, { inMemory: true, lookup: opts.lookup });
  await ingestFiles(rt, files, { demo: true });
  const app = await buildApp(rt, { serveUi: true });
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  rt.runner.start();
  rt.knowledge.projector.start();
  const { auth, tokenFor } = await testAuth(rt);
  return {
    rt,
    app,
    url,
    auth,
    tokenFor,
    async close() {
      await app.close();
      await rt.close();
    },
  };
}
