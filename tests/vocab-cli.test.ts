import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ROOT } from './helpers/runtime.ts';

const exec = promisify(execFile);
const CLI = path.join(ROOT, 'cli/bin.mjs');
const FIX = path.join(ROOT, 'tests/fixtures/vocab');

/** `yingzhi vocab import|imports list|imports undo` as an admin would run them, each a fresh process. */
// Each step is a fresh process that opens the embedded database, as an admin's shell would.
describe('yingzhi vocab CLI', { timeout: 420_000 }, () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'yz-vocab-'));
  const cli = (args: string[]) =>
    exec('node', [CLI, ...args], { cwd: ROOT, env: { ...process.env, YZ_DATA_DIR: dataDir, YZ_LOG_LEVEL: 'silent', YZ_DEMO: 'off' } }).then(
      (r) => ({ code: 0, ...r }),
      (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
    );

  it('previews with --dry-run, refuses a file with row errors, imports, lists and undoes a batch', async () => {
    const dry = await cli(['vocab', 'import', path.join(FIX, 'rf2-descriptions.txt'), '--format', 'rf2', '--dry-run']);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain('预览 preview');
    expect(dry.stdout).toContain('新建实体 create 3');

    const bad = await cli(['vocab', 'import', path.join(FIX, 'local-bad.csv'), '--format', 'csv']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('IMPORT_INVALID');

    const unknown = await cli(['vocab', 'import', path.join(FIX, 'local.csv'), '--format', 'xlsx']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('--format');

    const done = JSON.parse((await cli(['vocab', 'import', path.join(FIX, 'skos.ttl'), '--format', 'skos', '--system', 'radlex', '--json'])).stdout);
    expect(done.counts).toMatchObject({ create: 3, errors: 0 });
    const list = JSON.parse((await cli(['vocab', 'imports', 'list', '--json'])).stdout).items;
    expect(list).toHaveLength(1); // the dry run and the refused file left no batch
    expect(list[0]).toMatchObject({ id: done.importId, status: 'applied', codeSystem: 'radlex' });

    const undo = await cli(['vocab', 'imports', 'undo', done.importId]);
    expect(undo.code).toBe(0);
    expect((await cli(['vocab', 'imports', 'undo', done.importId])).code).toBe(2);
    expect(JSON.parse((await cli(['vocab', 'imports', 'list', '--json'])).stdout).items[0].status).toBe('undone');
  });
});
