import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { FastifyInstance, InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, PERMISSIONS } from '../api/index.ts';
import type { Runtime } from '../runtime/index.ts';
import { multipart } from './helpers/multipart.ts';
import { DEMO, ingestFiles, ROOT, testAuth, testRuntime } from './helpers/runtime.ts';

describe('HTTP API', () => {
  let rt: Runtime;
  let app: FastifyInstance;
  let auth: Record<string, string>;
  /** `app.inject` signed in as the admin (API token). */
  const inject = (o: string | InjectOptions) => app.inject(typeof o === 'string' ? { url: o, headers: auth } : { ...o, headers: { ...(o.headers ?? {}), ...auth } });
  beforeAll(async () => {
    rt = await testRuntime({ YZ_MAX_UPLOAD_MB: '2' });
    await ingestFiles(rt, [path.join(DEMO, 'acute-abdomen-guideline.md')], { demo: true });
    app = await buildApp(rt);
    ({ auth } = await testAuth(rt));
  });
  afterAll(async () => {
    await app.close();
    await rt.close();
  });

  it('reports health and readiness with database, embedder, LLM mode and corpus size', async () => {
    expect((await inject('/healthz')).json()).toMatchObject({ status: 'ok' });
    const ready = (await inject('/readyz')).json();
    expect(ready).toMatchObject({ status: 'ready', database: { ok: true, kind: 'pglite' }, llm: { provider: 'none' } });
    expect(ready.corpus.chunks).toBeGreaterThan(10);
  });

  it('publishes an OpenAPI document covering every API route', async () => {
    const spec = (await inject('/docs/json')).json();
    for (const p of ['/api/sources', '/api/search', '/api/chunks/{id}', '/api/jobs/{id}', '/healthz', '/readyz']) expect(spec.paths[p], p).toBeDefined();
    expect(spec.paths['/api/search'].get.parameters.some((x: { name: string }) => x.name === 'q')).toBe(true);
    expect((await inject('/docs')).statusCode).toBeLessThan(400);
  });

  it('every registered route declares a known permission', async () => {
    const routes = app.printRoutes({ commonPrefix: false });
    expect(routes).toContain('/api/search');
    // registration itself enforces it: a route without a permission cannot be added
    await expect(
      (async () => {
        const rt2 = await testRuntime();
        const probe = await buildApp(rt2);
        try {
          probe.get('/api/undeclared', async () => 'x');
          await probe.ready();
        } finally {
          await probe.close();
          await rt2.close();
        }
      })(),
    ).rejects.toThrow(/declares no permission/);
    expect(PERMISSIONS).toContain('knowledge.read');
  });

  it('searches with citations, and returns JSON errors naming the field', async () => {
    const ok = await inject('/api/search?q=' + encodeURIComponent('急性阑尾炎 CT表现') + '&top=3&kind=guideline');
    expect(ok.statusCode).toBe(200);
    const body = ok.json();
    expect(body.results.length).toBeGreaterThan(0);
    expect(body.results[0].citation).toMatch(/急腹症影像学检查与诊断指南.*第\d+/);
    const empty = await inject('/api/search?q=');
    expect(empty.statusCode).toBe(400);
    expect(empty.json()).toEqual({ error: { code: 'QUERY_EMPTY', message: expect.any(String), field: 'q' } });
    const long = await inject('/api/search?q=' + 'a'.repeat(10_000));
    expect(long.json().error).toMatchObject({ code: 'QUERY_TOO_LONG', field: 'q' });
    const badKind = await inject('/api/search?q=x&kind=novel');
    expect(badKind.statusCode).toBe(400);
    expect(badKind.json().error).toMatchObject({ code: 'VALIDATION_FAILED', field: 'kind' });
    const badTop = await inject('/api/search?q=x&top=500');
    expect(badTop.json().error.field).toBe('top');
  });

  it('opens a passage in its page context, and 404s unknown chunk, source, page and route', async () => {
    const hit = (await inject('/api/search?q=' + encodeURIComponent('膈下游离气体'))).json().results[0];
    const view = await inject(`/api/chunks/${encodeURIComponent(hit.chunkId)}`);
    expect(view.statusCode).toBe(200);
    const v = view.json();
    expect(v.pages[0].page).toBe(hit.pageStart);
    expect(v.pages[0].text.slice(v.chunk.charStart, v.chunk.charStart + 8)).toBe(v.chunk.text.slice(0, 8));
    const page = await inject(`/api/sources/${v.source.id}/pages/${hit.pageStart}`);
    expect(page.json()).toMatchObject({ page: hit.pageStart, pageCount: v.source.pageCount });
    for (const url of ['/api/chunks/nope:1', '/api/sources/src_nope', `/api/sources/${v.source.id}/pages/999`, '/api/nothing', '/api/jobs/job_nope']) {
      const r = await inject(url);
      expect(r.statusCode, url).toBe(404);
      expect(r.json().error.code).toBe('NOT_FOUND');
    }
  });

  it('accepts an upload (202 + job), ingests it, and answers a duplicate with 409', async () => {
    const bytes = new TextEncoder().encode('# 上传测试\n\n胰腺炎CT严重程度指数用于评估急性胰腺炎。');
    const up = await inject({ method: 'POST', url: '/api/sources', ...multipart({ kind: 'textbook', year: '2022', title: '上传测试教材' }, { name: 'upload.md', bytes }) });
    expect(up.statusCode).toBe(202);
    const body = up.json();
    expect(body).toMatchObject({ status: 'queued', source: { title: '上传测试教材', kind: 'textbook', year: 2022 } });
    await rt.runner.drain();
    const job = (await inject(`/api/jobs/${body.job.id}`)).json();
    expect(job).toMatchObject({ status: 'succeeded', progressDone: job.progressTotal });
    const dup = await inject({ method: 'POST', url: '/api/sources', ...multipart({}, { name: 'again.md', bytes }) });
    expect(dup.statusCode).toBe(409);
    expect(dup.json()).toMatchObject({ status: 'duplicate', source: { id: body.source.id }, error: { code: 'DUPLICATE_SOURCE' } });
    const list = (await inject('/api/sources?kind=textbook')).json();
    expect(list.items.map((s: { id: string }) => s.id)).toContain(body.source.id);
  });

  it('refuses bad uploads with the right status and leaves no trace', async () => {
    const before = (await inject('/api/sources?limit=500')).json().total;
    const cases: Array<[ReturnType<typeof multipart>, number, string]> = [
      [multipart({}, { name: 'zero.md', bytes: new Uint8Array(0) }), 400, 'EMPTY_FILE'],
      [multipart({}, { name: 'huge.txt', bytes: new Uint8Array(3 * 1024 * 1024).fill(66) }), 413, 'FILE_TOO_LARGE'],
      [multipart({}, { name: 'scan.pdf', bytes: readFileSync(path.join(ROOT, 'tests/fixtures/no-text-layer.pdf')) }), 422, 'PDF_NO_TEXT_LAYER'],
      [multipart({}, { name: 'secret.pdf', bytes: readFileSync(path.join(ROOT, 'tests/fixtures/encrypted.pdf')) }), 422, 'PDF_ENCRYPTED'],
      [multipart({}, { name: 'x.docx', bytes: new Uint8Array([1, 2, 3]) }), 415, 'UNSUPPORTED_FILE_TYPE'],
      [multipart({ year: 'soon' }, { name: 'y.md', bytes: new TextEncoder().encode('# 标题\n正文') }), 400, 'VALIDATION_FAILED'],
      [multipart({ title: 'no file' }), 400, 'VALIDATION_FAILED'],
    ];
    for (const [req, status, code] of cases) {
      const r = await inject({ method: 'POST', url: '/api/sources', ...req });
      expect(r.statusCode, code).toBe(status);
      expect(r.json().error.code).toBe(code);
    }
    const json = await inject({ method: 'POST', url: '/api/sources', payload: { a: 1 } });
    expect(json.statusCode).toBe(415);
    expect((await inject('/api/sources?limit=500')).json().total).toBe(before);
  });

  it('lists jobs with counts, refuses to retry a succeeded job, and cancels nothing that is finished', async () => {
    const jobs = (await inject('/api/jobs')).json();
    expect(jobs.counts.succeeded).toBeGreaterThan(0);
    const id = jobs.items[0].id;
    const retry = await inject({ method: 'POST', url: `/api/jobs/${id}/retry` });
    expect(retry.statusCode).toBe(409);
    expect(retry.json().error.code).toBe('STATE_CONFLICT');
    expect((await inject({ method: 'POST', url: `/api/jobs/${id}/cancel` })).statusCode).toBe(409);
    expect((await inject({ method: 'POST', url: '/api/jobs/job_nope/cancel' })).statusCode).toBe(404);
  });
});
