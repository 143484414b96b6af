import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEMO, ROOT } from './helpers/runtime.ts';

const exec = promisify(execFile);
const CLI = path.join(ROOT, 'cli/bin.mjs');

// Each command is a fresh process (tsx + PGlite start-up): several per test on 2 busy cores.
describe('yingzhi CLI', { timeout: 180_000 }, () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'yz-cli-'));
  const docs = mkdtempSync(path.join(tmpdir(), 'yz-docs-'));
  const cli = (args: string[]) =>
    exec('node', [CLI, ...args], { cwd: ROOT, env: { ...process.env, YZ_DATA_DIR: dataDir, YZ_LOG_LEVEL: 'silent' } }).then(
      (r) => ({ code: 0, ...r }),
      (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
    );

  beforeAll(() => {
    writeFileSync(path.join(docs, 'note.txt'), '第一章 胎盘植入\n\n胎盘植入的MRI表现包括T2暗带和子宫局部膨隆。');
    writeFileSync(path.join(docs, 'note.txt.meta.json'), JSON.stringify({ kind: 'textbook', title: '胎盘植入笔记', year: 2021 }));
  });

  it('ingests files and directories with --json, sidecar metadata and flags, then is a no-op the second time', async () => {
    const first = await cli(['ingest', path.join(DEMO, 'placenta-accreta-guideline.md'), docs, '--json']);
    expect(first.code).toBe(0);
    const out = JSON.parse(first.stdout);
    expect(out.summary).toMatchObject({ ingested: 2, duplicates: 0, failed: 0 });
    expect(out.files.find((f: { file: string }) => f.file.endsWith('note.txt'))).toMatchObject({ status: 'ingested', title: '胎盘植入笔记' });
    const again = JSON.parse((await cli(['ingest', docs, '--json'])).stdout);
    expect(again.summary).toMatchObject({ ingested: 0, duplicates: 1 });
  });

  it('searches with --json and prints citations in text mode', async () => {
    const json = JSON.parse((await cli(['search', '胎盘植入 T2暗带', '--top', '3', '--json'])).stdout);
    expect(json.results.length).toBeGreaterThan(0);
    expect(json.results[0].citation).toMatch(/第\d+/);
    const text = await cli(['search', '胎盘植入 T2暗带', '--kind', 'textbook']);
    expect(text.stdout).toContain('《胎盘植入笔记》（2021）第1页');
  });

  it('lists sources and jobs', async () => {
    const sources = JSON.parse((await cli(['sources', 'list', '--json'])).stdout);
    expect(sources.total).toBe(2);
    const jobs = JSON.parse((await cli(['jobs', 'list', '--json'])).stdout);
    // each document: one ingest job, then one embedding job and one triple-extraction job
    expect(jobs.items.filter((j: { kind: string; status: string }) => j.kind === 'ingest' && j.status === 'succeeded')).toHaveLength(2);
    expect(jobs.items.filter((j: { kind: string; status: string }) => j.kind === 'embed' && j.status === 'succeeded')).toHaveLength(2);
    expect(jobs.items.filter((j: { kind: string; status: string }) => j.kind === 'extract' && j.status === 'succeeded')).toHaveLength(2);
    expect((await cli(['jobs', 'list'])).stdout).toMatch(/成功 succeeded 6/);
  });

  it('reviews from the command line: list, approve, reject, merge and undo, graph stats and export', async () => {
    const list = JSON.parse((await cli(['review', 'list', '--limit', '50', '--json'])).stdout);
    expect(list.total).toBeGreaterThan(0);
    const resolved = list.items.filter((c: { subject: { entityId: string | null }; object: { entityId: string | null }; conflicts: { contradicting: unknown[] } }) => c.subject.entityId && c.object.entityId && !c.conflicts.contradicting.length);
    const [a, b] = resolved;
    const approved = await cli(['review', 'approve', a.id, '--as', 'dr.cli', '--comment', '命令行批准']);
    expect(approved.code).toBe(0);
    expect(approved.stdout).toContain(`已批准 approved ${a.id}`);
    const again = await cli(['review', 'approve', a.id, '--json']);
    expect(again.code).toBe(2);
    expect(JSON.parse(again.stdout).failed[0].code).toBe('STATE_CONFLICT');
    expect((await cli(['review', 'reject', b.id, '--comment', '证据不足'])).code).toBe(0);
    expect(JSON.parse((await cli(['review', 'list', '--status', 'rejected', '--json'])).stdout).items.map((c: { id: string }) => c.id)).toContain(b.id);

    const merged = await cli(['review', 'merge', '--surface', '子宫暗带', 'sign.t2_dark_bands', '--json']);
    expect(merged.code).toBe(0);
    const mergeId = JSON.parse(merged.stdout).id;
    expect((await cli(['review', 'unmerge', mergeId])).stdout).toContain(mergeId);

    const stats = JSON.parse((await cli(['graph', 'stats', '--json'])).stdout);
    expect(stats.graph.relations).toBeGreaterThanOrEqual(1);
    expect(stats.projection.pending).toBe(0);
    const exported = await cli(['graph', 'export', '--format', 'jsonl']);
    const lines = exported.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines[0]).toMatchObject({ kind: 'header', format: 'yingzhi-kg' });
    expect(lines.filter((l) => l.kind === 'relation')).toHaveLength(stats.graph.relations);
    const badEngine = await cli(['extract', '--engine', 'llm']);
    expect(badEngine.code).toBe(2);
    expect(badEngine.stderr).toContain('YZ_LLM=none');
  });

  it('exits non-zero with one clear line on bad input', async () => {
    const missing = await cli(['ingest', '/no/such/file.pdf']);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr.trim().split('\n')).toHaveLength(1);
    expect(missing.stderr).toMatch(/NOT_FOUND.*\/no\/such\/file\.pdf/);
    const empty = await cli(['search', '  ', '--json']);
    expect(empty.code).toBe(2);
    expect(JSON.parse(empty.stdout).error.code).toBe('QUERY_EMPTY');
    const bad = path.join(docs, 'broken.pdf');
    writeFileSync(bad, '%PDF-1.4 nonsense');
    const failed = await cli(['ingest', bad, '--json']);
    expect(failed.code).toBe(2);
    expect(JSON.parse(failed.stdout).files[0]).toMatchObject({ status: 'failed', error: { code: 'PDF_CORRUPT' } });
    // a running server holds the embedded data directory: the CLI says so instead of corrupting it
    const locked = mkdtempSync(path.join(tmpdir(), 'yz-locked-'));
    writeFileSync(path.join(locked, 'yingzhi.lock'), String(process.pid));
    const busy = await exec('node', [CLI, 'search', '肺结节'], { cwd: ROOT, env: { ...process.env, YZ_DATA_DIR: locked } }).catch((e) => e);
    expect(busy.code).toBe(2);
    expect(busy.stderr).toMatch(/DB_LOCKED.*yingzhi start/);
    const badYear = await cli(['ingest', bad, '--year', 'soon']);
    expect(badYear.code).not.toBe(0);
    expect(badYear.stderr).toMatch(/--year/);
  });

  it('literature watch from the command line: import a PubMed export, define and list watches, refuse a bad file', async () => {
    const fixtures = path.join(ROOT, 'tests/fixtures/pubmed');
    const run = JSON.parse((await cli(['pubmed', 'import', path.join(fixtures, 'basic.xml'), '--json'])).stdout);
    expect(run).toMatchObject({ trigger: 'import', status: 'succeeded', newRecords: 6 });
    expect(run.triplesProposed).toBeGreaterThan(0); // abstracts were extracted into the review queue
    const text = await cli(['pubmed', 'import', path.join(fixtures, 'basic.xml')]);
    expect(text.stdout).toMatch(/新 new 0 .*未变 unchanged 6/);
    const added = JSON.parse((await cli(['pubmed', 'watch', 'add', '肺结节', 'lung nodule AND (CT OR radiomics)', '--mesh', 'Lung Neoplasms', '--cron', '0 3 1 * *', '--json'])).stdout);
    expect(added).toMatchObject({ name: '肺结节', meshTerms: ['Lung Neoplasms'] });
    const list = await cli(['pubmed', 'watch', 'list']);
    expect(list.stdout).toContain('lung nodule AND (CT OR radiomics)');
    const bad = await cli(['pubmed', 'import', path.join(fixtures, 'malformed.xml')]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/PUBMED_XML_INVALID.*malformed\.xml/);
    const unknown = await cli(['pubmed', 'watch', 'run', 'no-such-watch']);
    expect(unknown.stderr).toMatch(/NOT_FOUND/);
  });
});
