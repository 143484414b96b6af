import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, startTestServer, type TestServer } from './helpers/runtime.ts';

const exec = promisify(execFile);

/**
 * C1 (issue 12): a Markdown upload whose front matter is fenced `---js` used to be evaluated by
 * gray-matter inside the server and inside `yingzhi ingest` (a test upload ran `id` and wrote a file).
 * The payload below would create a marker file and put the output of `id` into the title.
 */
const payload = (marker: string) =>
  [
    '---js',
    `{ title: (require('fs').writeFileSync(${JSON.stringify(marker)}, 'owned'), 'PWNED ' + require('child_process').execSync('id').toString().trim()), kind: 'guideline' }`,
    '---',
    '# 急性缺血性脑卒中影像指南',
    '',
    '发病 4.5 小时内的患者应尽快完成平扫 CT 以排除出血。',
    '',
  ].join('\n');

describe('C1: no code in an uploaded document is ever evaluated', { timeout: 240_000 }, () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'yz-c1-'));
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server?.close());

  it('through HTTP: POST /api/sources answers 422 FRONT_MATTER_UNSUPPORTED, writes nothing and runs nothing', async () => {
    const marker = path.join(dir, 'http-marker');
    const before = await server.rt.sources.count();
    const form = new FormData();
    form.append('file', new Blob([payload(marker)], { type: 'text/markdown' }), 'stroke-note.md');
    const res = await fetch(`${server.url}/api/sources`, { method: 'POST', headers: server.auth, body: form });
    const body = await res.json();
    expect(existsSync(marker)).toBe(false);
    expect(res.status).toBe(422);
    expect(body.error).toMatchObject({ code: 'FRONT_MATTER_UNSUPPORTED', field: 'file' });
    expect(body.error.message).toMatch(/only YAML front matter/);
    expect(await server.rt.sources.count()).toBe(before);
    const list = await (await fetch(`${server.url}/api/sources`, { headers: server.auth })).json();
    expect(list.items.some((s: { title: string }) => s.title.includes('PWNED'))).toBe(false);
  });

  it('through the CLI: `yingzhi ingest` reports the file as failed with the same code and runs nothing', async () => {
    const marker = path.join(dir, 'cli-marker');
    const file = path.join(dir, 'stroke-note.md');
    writeFileSync(file, payload(marker));
    const dataDir = mkdtempSync(path.join(tmpdir(), 'yz-c1-data-'));
    const run = (args: string[]) =>
      exec('node', [path.join(ROOT, 'cli/bin.mjs'), ...args], { cwd: ROOT, env: { ...process.env, YZ_DATA_DIR: dataDir, YZ_LOG_LEVEL: 'silent' } }).then(
        (r) => ({ code: 0, stdout: r.stdout }),
        (e: { code: number; stdout: string }) => ({ code: e.code, stdout: e.stdout }),
      );
    const ingest = await run(['ingest', file, '--json']);
    expect(existsSync(marker)).toBe(false);
    expect(ingest.code).toBe(2);
    const out = JSON.parse(ingest.stdout);
    expect(out.summary).toMatchObject({ ingested: 0, failed: 1 });
    expect(out.files[0]).toMatchObject({ status: 'failed', error: { code: 'FRONT_MATTER_UNSUPPORTED' } });
    const sources = JSON.parse((await run(['sources', 'list', '--json'])).stdout);
    expect(sources.total).toBe(0);
  });
});
