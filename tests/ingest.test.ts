import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../runtime/index.ts';
import { DEMO, ROOT, testRuntime } from './helpers/runtime.ts';

const md = (title: string, body: string) => new TextEncoder().encode(`---\ntitle: ${title}\nkind: guideline\nversion: "2024版"\nyear: 2024\n---\n<!-- page: 1 -->\n# 1 总则\n${body}\n<!-- page: 2 -->\n## 1.1 细则\n第二页的内容，提示恶性可能。\n`);

async function tableCounts(rt: Runtime) {
  const { rows } = await rt.db.query<Record<string, number>>(
    `SELECT (SELECT count(*)::int FROM sources) AS sources, (SELECT count(*)::int FROM pages) AS pages,
            (SELECT count(*)::int FROM chunks) AS chunks, (SELECT count(*)::int FROM jobs) AS jobs,
            (SELECT count(*)::int FROM source_files) AS files, (SELECT n_chunks::int FROM corpus_stats) AS stat_chunks`,
  );
  return rows[0];
}

describe('ingestion', () => {
  let rt: Runtime;
  beforeAll(async () => {
    rt = await testRuntime({ YZ_MAX_UPLOAD_MB: '2' });
  });
  afterAll(() => rt.close());

  it('ingests a Markdown guideline with its metadata and pages, and re-ingesting it is a no-op', async () => {
    const bytes = readFileSync(path.join(DEMO, 'lung-cancer-tnm-guideline.md'));
    const first = await rt.ingest.register(bytes, 'lung-cancer-tnm-guideline.md');
    expect(first.status).toBe('queued');
    await rt.runner.drain();
    const source = await rt.sources.get(first.source.id);
    expect(source).toMatchObject({ status: 'ready', kind: 'guideline', year: 2024, version: '第2版', language: 'zh', paging: 'marked', demo: true });
    expect(source?.chunkCount).toBeGreaterThan(20);
    const before = await tableCounts(rt);
    const again = await rt.ingest.register(bytes, 'renamed-copy.md');
    expect(again).toMatchObject({ status: 'duplicate', job: null });
    expect(again.source.id).toBe(first.source.id);
    expect(await tableCounts(rt)).toEqual(before);
  });

  it('ingests a PDF with native pages and the sidecar-style metadata it is given', async () => {
    const r = await rt.ingest.register(readFileSync(path.join(ROOT, 'demo/pdf/stroke-textbook.pdf')), 'stroke-textbook.pdf', {
      kind: 'textbook',
      year: 2023,
    });
    await rt.runner.drain();
    const s = await rt.sources.get(r.source.id);
    expect(s).toMatchObject({ status: 'ready', paging: 'native', kind: 'textbook', year: 2023, mime: 'application/pdf' });
    expect(s?.pageCount).toBe(13);
    const { rows } = await rt.db.query<{ max: number }>('SELECT max(page_end)::int AS max FROM chunks WHERE source_id = $1', [s?.id]);
    expect(rows[0].max).toBeLessThanOrEqual(13);
  });

  it('makes a changed file of the same name a new version only when the uploader says so', async () => {
    const v1 = await rt.ingest.register(md('随访指南', '磨玻璃结节三个月复查。'), 'followup.md');
    await rt.runner.drain();
    const before = await tableCounts(rt);
    const refused = await rt.ingest.register(md('随访指南', '磨玻璃结节六个月复查。'), 'Followup.txt').catch((e) => e);
    expect(refused).toMatchObject({ code: 'SAME_NAME_EXISTS', status: 409, details: { matches: [{ id: v1.source.id, title: '随访指南' }] } });
    expect(await tableCounts(rt)).toEqual(before);
    const v2 = await rt.ingest.register(md('随访指南', '磨玻璃结节六个月复查。'), 'followup.md', {}, { supersedes: v1.source.id });
    await rt.runner.drain();
    expect(v2.source.versionNo).toBe(2);
    expect((await rt.sources.get(v1.source.id))?.supersededBy).toBe(v2.source.id);
    const current = await rt.search.search({ q: '磨玻璃结节 复查', kind: ['guideline'] });
    expect(current.results.some((h) => h.sourceId === v1.source.id)).toBe(false);
    const all = await rt.search.search({ q: '磨玻璃结节 复查', includeSuperseded: true });
    expect(all.results.find((h) => h.sourceId === v1.source.id)?.superseded).toBe(true);
    await expect(rt.ingest.register(md('随访指南', '九个月复查。'), 'followup.md', {}, { supersedes: v1.source.id })).rejects.toMatchObject({
      code: 'STATE_CONFLICT',
      field: 'supersedes',
    });
  });

  it('imports a same-name file as a separate source when asked, and --new-version supersedes the single match', async () => {
    const a = await rt.ingest.register(md('影像质控', '甲状腺结节分级。'), 'qc.md');
    const b = await rt.ingest.register(md('影像质控（放射科）', '乳腺结节分级。'), 'QC.md', {}, { separate: true });
    await rt.runner.drain();
    expect(b.source.lineageKey).not.toBe(a.source.lineageKey);
    expect((await rt.ingest.sameName('qc.pdf')).matches.map((m) => m.id).sort()).toEqual([a.source.id, b.source.id].sort());
    await expect(rt.ingest.register(md('影像质控 v2', '肝结节分级。'), 'qc.md', {}, { newVersion: true })).rejects.toMatchObject({ code: 'SAME_NAME_EXISTS' });
    expect((await rt.sources.get(a.source.id))?.supersededBy).toBeNull();
  });

  it('leaves the database unchanged when a file is refused', async () => {
    const before = await tableCounts(rt);
    const refusals: Array<[Uint8Array, string, string]> = [
      [new Uint8Array(0), 'empty.md', 'EMPTY_FILE'],
      [new Uint8Array(3 * 1024 * 1024).fill(65), 'big.txt', 'FILE_TOO_LARGE'],
      [new TextEncoder().encode('%PDF-1.7 broken'), 'broken.pdf', 'PDF_CORRUPT'],
      [readFileSync(path.join(ROOT, 'tests/fixtures/encrypted.pdf')), 'locked.pdf', 'PDF_ENCRYPTED'],
      [readFileSync(path.join(ROOT, 'tests/fixtures/no-text-layer.pdf')), 'scan.pdf', 'PDF_NO_TEXT_LAYER'],
      [new TextEncoder().encode('x'), 'sheet.xlsx', 'UNSUPPORTED_FILE_TYPE'],
      [new TextEncoder().encode('---\ntitle: [unclosed\n---\n正文'), 'bad-yaml.md', 'VALIDATION_FAILED'],
    ];
    for (const [bytes, name, code] of refusals) {
      await expect(rt.ingest.register(bytes, name), name).rejects.toMatchObject({ code });
    }
    await expect(rt.ingest.register(md('t', '正文。'), 'meta.md', { year: 1066 })).rejects.toMatchObject({ code: 'VALIDATION_FAILED', field: 'year' });
    expect(await tableCounts(rt)).toEqual(before);
  });

  it('ingests GBK text and strips path components from upload names', async () => {
    const r = await rt.ingest.register(readFileSync(path.join(ROOT, 'tests/fixtures/gbk-note.txt')), '../../etc/gbk-note.txt');
    expect(r.source.fileName).toBe('gbk-note.txt');
    await rt.runner.drain();
    const hits = await rt.search.search({ q: '阑尾增粗' });
    expect(hits.results[0]?.sourceId).toBe(r.source.id);
  });
});
