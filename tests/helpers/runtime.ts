import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../api/index.ts';
import { createLogger, loadConfig } from '../../core/index.ts';
import { loadSidecarMeta } from '../../ingest/index.ts';
import { createRuntime, type Runtime } from '../../runtime/index.ts';

export const ROOT = path.resolve(import.meta.dirname, '../..');
export const DEMO = path.join(ROOT, 'demo/corpus');

/** A runtime on a fresh in-memory PGlite (or DATABASE_URL when `server` is given). */
export async function testRuntime(env: Record<string, string> = {}, opts: { inMemory?: boolean } = { inMemory: true }): Promise<Runtime> {
  const config = loadConfig({ YZ_LOG_LEVEL: 'silent', ...env });
  return createRuntime(config, { inMemory: opts.inMemory, log: createLogger('silent') });
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
  close(): Promise<void>;
}

/** The real HTTP server (API + built UI) on a random port, for HTTP and browser tests. */
export async function startTestServer(files: string[] = [], env: Record<string, string> = {}): Promise<TestServer> {
  const rt = await testRuntime(env);
  await ingestFiles(rt, files, { demo: true });
  const app = await buildApp(rt, { serveUi: true });
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  rt.runner.start();
  rt.knowledge.projector.start();
  return {
    rt,
    app,
    url,
    async close() {
      await app.close();
      await rt.close();
    },
  };
}
