import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import JSZip from 'jszip';
import { describe, expect, it } from 'vitest';
import { DEMO, ROOT } from './helpers/runtime.ts';

const exec = promisify(execFile);
const CLI = path.join(ROOT, 'cli/bin.mjs');

// Each command is a fresh process (tsx + PGlite start-up).
describe('yingzhi questions CLI', { timeout: 420_000 }, () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'yz-questions-'));
  const cli = (args: string[]) =>
    exec('node', [CLI, ...args], { cwd: ROOT, env: { ...process.env, YZ_DATA_DIR: dataDir, YZ_LOG_LEVEL: 'silent', YZ_LLM: 'none' } }).then(
      (r) => ({ code: 0, ...r }),
      (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
    );

  it('generate --json prints drafted items with key and citations; --engine llm without a model says templates were used; list and approve; bad input', async () => {
    expect((await cli(['ingest', path.join(DEMO, 'placenta-accreta-guideline.md'), '--json'])).code).toBe(0);
    // One guideline about one disease: other diseases' facts (the distractors) are missing, so fifty items cannot be
    // made, and the error says how many can and why.
    const short = await cli(['questions', 'generate', '--entity', '胎盘植入谱系疾病', '--count', '50', '--type', 'single', '--json']);
    expect(short.code).not.toBe(0);
    const err = JSON.parse(short.stdout).error;
    expect(err.code).toBe('TOO_FEW_FACTS');
    expect(err.message).toMatch(/只能生成 \d+ 道合格题目，要求 50 道/);
    expect(err.message).toContain('可用干扰项只有');
    const out = await cli(['questions', 'generate', '--entity', '胎盘植入谱系疾病', '--count', '50', '--type', 'single', '--engine', 'llm', '--allow-fewer', '--json']);
    expect(out.code).toBe(0);
    const r = JSON.parse(out.stdout);
    expect(r).toMatchObject({ engine: 'templates', note: expect.stringContaining('YZ_LLM=none') });
    expect(r.items.length).toBe(err.details.possible);
    expect(r.items.length).toBeGreaterThan(0);
    for (const q of r.items) {
      expect(q.type).toBe('single');
      expect(q.options.map((o: { label: string }) => o.label)).toContain(q.key[0]);
      expect(q.citations.relationIds.length).toBeGreaterThan(0);
      expect(q.citations.passages[0].title).toBeTruthy();
    }
    const approved = await cli(['questions', 'approve', r.items[0].id, '--json']);
    expect(JSON.parse(approved.stdout).approved[0]).toMatchObject({ id: r.items[0].id, status: 'approved' });
    const text = await cli(['questions', 'list', '--status', 'approved']);
    expect(text.stdout).toContain(r.items[0].stem);
    expect(text.stdout).toContain('共 1 道');
    // The approved item as a Word paper with its answer key.
    const paper = path.join(dataDir, 'paper.docx');
    const exported = await cli(['questions', 'export', '--format', 'docx', '--out', paper, '--json']);
    expect(JSON.parse(exported.stdout)).toMatchObject({ format: 'docx', count: 1 });
    const xml = (await (await JSZip.loadAsync(readFileSync(paper))).file('word/document.xml')?.async('string')) ?? '';
    expect(xml).toContain(r.items[0].stem);
    expect(xml).toContain(`1. 答案：${r.items[0].key.join('')}`);
    const unknown = await cli(['questions', 'generate', '--entity', '不存在的疾病', '--json']);
    expect(unknown.code).not.toBe(0);
    expect(unknown.stdout + unknown.stderr).toContain('NOT_FOUND');
  });
});
