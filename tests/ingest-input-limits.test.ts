import type { FastifyInstance, InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../api/index.ts';
import { safeFileName } from '../ingest/index.ts';
import type { Runtime } from '../runtime/index.ts';
import { multipart } from './helpers/multipart.ts';
import { testAuth, testRuntime } from './helpers/runtime.ts';

const utf8 = (s: string) => new TextEncoder().encode(s);
/** Fragments of database error text that must never reach a user. */
const SQL_TEXT = /violates|constraint|duplicate key|SQLSTATE|INSERT INTO|syntax error at|out of range for type|relation "/i;

async function tableCounts(rt: Runtime) {
  const { rows } = await rt.db.query<Record<string, number>>(
    `SELECT (SELECT count(*)::int FROM sources) AS sources, (SELECT count(*)::int FROM pages) AS pages,
            (SELECT count(*)::int FROM chunks) AS chunks, (SELECT count(*)::int FROM jobs) AS jobs`,
  );
  return rows[0];
}

/** Low findings of issue 12 and the page-marker finding of issue 14: each used to end in a 500 or in SQL text shown to the user. */
describe('hostile or odd documents get a clear 4xx, never a 500 or SQL text', () => {
  let rt: Runtime;
  let app: FastifyInstance;
  let auth: Record<string, string>;
  const inject = (o: InjectOptions) => app.inject({ ...o, headers: { ...(o.headers ?? {}), ...auth } });
  const upload = (name: string, text: string | Uint8Array, fields: Record<string, string> = {}) =>
    inject({ method: 'POST', url: '/api/sources', ...multipart(fields, { name, bytes: typeof text === 'string' ? utf8(text) : text }) });
  beforeAll(async () => {
    rt = await testRuntime();
    app = await buildApp(rt);
    ({ auth } = await testAuth(rt));
  });
  afterAll(async () => {
    await app.close();
    await rt.close();
  });

  it('refuses HTML nested 5,000 deep (and 50,000 unclosed spans) with 422 DOCUMENT_TOO_DEEP, quickly', async () => {
    const before = await tableCounts(rt);
    const deep = `<html><body>${'<div>'.repeat(5000)}<p>深层文字。</p>${'</div>'.repeat(5000)}</body></html>`;
    const unclosed = `<html><body>${'<span>'.repeat(50_000)}<p>文字。</p></body></html>`;
    for (const [name, html] of [['deep.html', deep], ['unclosed.html', unclosed]]) {
      const t0 = performance.now();
      const res = await upload(name, html);
      expect(res.statusCode, name).toBe(422);
      expect(res.json().error).toMatchObject({ code: 'DOCUMENT_TOO_DEEP', field: 'file' });
      expect(performance.now() - t0).toBeLessThan(10_000);
    }
    const ordinary = `<html><body>${'<div><ul><li>列表项'.repeat(200)}${'</ul></div>'.repeat(200)}<table>${'<tr><td>单元格'.repeat(500)}</table></body></html>`;
    expect((await upload('ordinary.html', ordinary)).statusCode).toBe(202);
    await rt.runner.drain();
    expect((await tableCounts(rt)).sources).toBe(before.sources + 1);
  });

  it('refuses page numbers beyond any book (and beyond int4) with 422 PAGE_NUMBER_INVALID', async () => {
    const before = await tableCounts(rt);
    const cases: Array<[string, string]> = [
      ['huge-page.md', '# 标题\n\n<!-- page: 99999999999 -->\n正文内容。\n'],
      ['big-page.md', '# 标题\n\n<!-- page: 100001 -->\n正文内容。\n'],
      ['huge-page.html', '<html><body><section data-page="3000000000"><p>正文内容。</p></section></body></html>'],
      ['zero-page.html', '<html><body><section data-page="0"><p>封面内容。</p></section></body></html>'],
    ];
    for (const [name, text] of cases) {
      const res = await upload(name, text);
      expect(res.statusCode, name).toBe(422);
      expect(res.json().error, name).toMatchObject({ code: 'PAGE_NUMBER_INVALID', field: 'file' });
    }
    expect(await tableCounts(rt)).toEqual(before);
  });

  it('refuses Markdown whose page markers restart (two chapters joined) at upload, once, with no SQL text', async () => {
    const chapter = (n: number) => [1, 2, 3].map((p) => `<!-- page: ${p} -->\n## 第${n}章 第${p}节\n第${n}章第${p}页的正文，描述肺结节的随访策略。\n`).join('\n');
    const before = await tableCounts(rt);
    const res = await upload('joined-chapters.md', `# 合订本\n\n${chapter(1)}\n${chapter(2)}`);
    expect(res.statusCode).toBe(422);
    expect(res.json().error).toMatchObject({ code: 'PAGE_MARKERS_OUT_OF_ORDER', details: { after: 3, page: 1 } });
    expect(res.body).not.toMatch(SQL_TEXT);
    expect(await tableCounts(rt)).toEqual(before); // nothing queued, so nothing is retried
  });

  it('fails a job the database refuses for good (no retries) and shows no SQL text', async () => {
    // A real integrity violation inside the ingest job: a constraint only this test adds.
    await rt.db.exec(`ALTER TABLE chunks ADD CONSTRAINT test_no_forbidden_word CHECK (strpos(text, '禁用词') = 0)`);
    try {
      const res = await upload('forbidden.md', '# 标题\n\n这段文字含有禁用词，数据库会拒绝它。\n');
      expect(res.statusCode).toBe(202);
      const { source, job } = res.json();
      await rt.runner.drain();
      const jobRes = await inject({ method: 'GET', url: `/api/jobs/${job.id}` });
      expect(jobRes.json()).toMatchObject({ status: 'failed', attempts: 1, lastError: { code: 'INGEST_REJECTED' } });
      const srcRes = await inject({ method: 'GET', url: `/api/sources/${source.id}` });
      expect(srcRes.json()).toMatchObject({ status: 'failed', error: { code: 'INGEST_REJECTED' } });
      for (const body of [jobRes.body, srcRes.body, (await inject({ method: 'GET', url: '/api/jobs' })).body]) expect(body).not.toMatch(SQL_TEXT);
    } finally {
      await rt.db.exec('ALTER TABLE chunks DROP CONSTRAINT test_no_forbidden_word');
    }
  });

  it('keeps the extension of a name over 255 characters and strips bidi and control characters', async () => {
    const long = `${'胸部CT随访指南'.repeat(40)}.md`;
    expect(safeFileName(long)).toHaveLength(255);
    expect(safeFileName(long).endsWith('.md')).toBe(true);
    expect(safeFileName('invoice\u202Efdp.exe\u202C.md')).toBe('invoicefdp.exe.md');
    expect(safeFileName('a\u2066b\u2069\u200f\u0007\u0085c.txt')).toBe('abc.txt');
    expect(safeFileName(`${'x'.repeat(300)}.verylongextension-not-a-real-one`)).toHaveLength(255);
    const res = await upload(long, '# 长文件名\n\n内容足够长的一段文字。\n');
    expect(res.statusCode).toBe(202);
    expect(res.json().source.fileName).toBe(safeFileName(long));
    const bidi = await upload('report\u202Egpj.md', '# 双向字符\n\n另一段不同的文字。\n');
    expect(bidi.json().source.fileName).toBe('reportgpj.md');
    await rt.runner.drain();
  });
});
