import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ROOT } from './helpers/runtime.ts';

const exec = promisify(execFile);
const CLI = path.join(ROOT, 'cli/bin.mjs');

/** `yingzhi users …` and `yingzhi tokens create` against an embedded database. */
describe('yingzhi users / tokens CLI', () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'yz-users-'));
  const cli = (args: string[]) =>
    exec('node', [CLI, ...args], { cwd: ROOT, env: { ...process.env, YZ_DATA_DIR: dataDir, YZ_LOG_LEVEL: 'silent' } }).then(
      (r) => ({ code: 0, ...r }),
      (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
    );

  it('adds, lists, changes role, issues a scoped token, resets and disables; bad input exits non-zero naming the field', async () => {
    const add = await cli(['users', 'add', 'Dr.Zhao', '--role', 'director', '--name', '赵主任', '--json']);
    expect(add.code, add.stderr).toBe(0);
    const created = JSON.parse(add.stdout);
    expect(created).toMatchObject({ user: { username: 'dr.zhao', role: 'director', displayName: '赵主任', mustChangePassword: true }, initialPassword: expect.any(String) });

    expect((await cli(['users', 'add', 'dr.zhao', '--role', 'expert'])).code).toBe(2); // taken
    expect((await cli(['users', 'add', 'x', '--role', 'god'])).code).not.toBe(0);
    expect((await cli(['users', 'set-role', 'dr.zhao', 'expert', '--json'])).stdout).toContain('"role": "expert"');

    const token = await cli(['tokens', 'create', 'dr.zhao', '--name', 'ris', '--scope', 'knowledge.read', '--days', '7', '--json']);
    expect(token.code, token.stderr).toBe(0);
    expect(JSON.parse(token.stdout)).toMatchObject({ name: 'ris', scopes: ['knowledge.read'], token: expect.stringMatching(/^yzt_/) });
    const wider = await cli(['tokens', 'create', 'dr.zhao', '--name', 'x', '--scope', 'admin.users']);
    expect(wider.code).toBe(2);
    expect(wider.stderr).toContain('(scope)');

    const reset = await cli(['users', 'reset-password', 'dr.zhao', '--json']);
    expect(JSON.parse(reset.stdout).initialPassword).not.toBe(created.initialPassword);
    expect((await cli(['users', 'disable', 'dr.zhao'])).code).toBe(0);
    const list = JSON.parse((await cli(['users', 'list', '--json'])).stdout);
    expect(list.items).toEqual([expect.objectContaining({ username: 'dr.zhao', role: 'expert', disabled: true })]);
    expect((await cli(['users', 'disable', 'nobody'])).code).toBe(3);
  }, 120_000);
});
