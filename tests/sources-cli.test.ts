import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { DEMO, ROOT } from './helpers/runtime.ts';

const exec = promisify(execFile);
const CLI = path.join(ROOT, 'cli/bin.mjs');

/** Issue 14 item 1: `yingzhi sources reparse <id>` and `yingzhi sources delete <id>` (neither existed). */
describe('yingzhi sources reparse / delete', { timeout: 300_000 }, () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'yz-src-cli-'));
  const cli = (args: string[]) =>
    exec('node', [CLI, ...args], { cwd: ROOT, env: { ...process.env, YZ_DATA_DIR: dataDir, YZ_LOG_LEVEL: 'silent' } }).then(
      (r) => ({ code: 0, ...r }),
      (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
    );

  it('re-parses with a new passage size, shows what a delete removes, and deletes only with --yes', async () => {
    const ingested = JSON.parse((await cli(['ingest', path.join(DEMO, 'placenta-accreta-guideline.md'), '--json'])).stdout);
    const id = ingested.files[0].sourceId as string;
    expect(id).toMatch(/^src_/);
    const before = JSON.parse((await cli(['sources', 'list', '--json'])).stdout).items[0].chunkCount as number;

    const reparsed = await cli(['sources', 'reparse', id, '--chunk-chars', '250', '--json']);
    expect(reparsed.code).toBe(0);
    const r = JSON.parse(reparsed.stdout);
    expect(r.source).toMatchObject({ id, status: 'ready' });
    expect(r.job.status).toBe('succeeded');
    expect(r.source.chunkCount).toBeGreaterThan(before);

    const plan = await cli(['sources', 'delete', id]);
    expect(plan.code).toBe(0);
    expect(plan.stdout).toContain('将删除 would delete');
    expect(plan.stdout).toMatch(/段落 passages: \d+/);
    expect(JSON.parse((await cli(['sources', 'list', '--json'])).stdout).total).toBe(1);

    const deleted = await cli(['sources', 'delete', id, '--yes', '--reason', '测试', '--json']);
    expect(deleted.code).toBe(0);
    expect(JSON.parse(deleted.stdout)).toMatchObject({ deleted: true, plan: { source: { id } } });
    expect(JSON.parse((await cli(['sources', 'list', '--json'])).stdout).total).toBe(0);

    const missing = await cli(['sources', 'delete', id, '--yes']);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain(id);
  });
});
