import { type ChildProcessWithoutNullStreams, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PgliteDatabase } from '../store/index.ts';
import { ROOT } from './helpers/runtime.ts';

/** Every file and directory under `dir` whose mode has a group or world bit. */
function groupOrWorldAccessible(dir: string): string[] {
  const out: string[] = [];
  const check = (p: string) => {
    if (statSync(p).mode & 0o077) out.push(`${path.relative(dir, p) || '.'} ${(statSync(p).mode & 0o777).toString(8)}`);
  };
  check(dir);
  for (const rel of readdirSync(dir, { recursive: true, encoding: 'utf8' })) check(path.join(dir, rel));
  return out;
}

describe('data directory permissions', () => {
  it('after opening and writing, nothing under the data directory is group or world accessible', async () => {
    const parent = mkdtempSync(path.join(tmpdir(), 'yz-perm-'));
    const dir = path.join(parent, 'data');
    const old = process.umask(0o000); // the most permissive umask a service could be started with
    try {
      const db = await PgliteDatabase.open(dir);
      await db.exec('CREATE TABLE t (x text); CREATE INDEX t_x ON t (x)');
      await db.query(`INSERT INTO t SELECT repeat('影', 200) FROM generate_series(1, 2000)`);
      await db.exec('CHECKPOINT');
      expect(groupOrWorldAccessible(dir)).toEqual([]);
      await db.close();
      const files = readdirSync(dir, { recursive: true, encoding: 'utf8' });
      expect(files.length).toBeGreaterThan(100);
      expect(groupOrWorldAccessible(dir)).toEqual([]);
      expect(statSync(dir).mode & 0o777).toBe(0o700);
    } finally {
      process.umask(old);
    }
  });

  it('narrows a data directory an earlier version left world-readable, and warns', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'yz-perm-old-'));
    const db = await PgliteDatabase.open(dir);
    await db.close();
    chmodSync(dir, 0o777);
    for (const rel of readdirSync(dir, { recursive: true, encoding: 'utf8' })) {
      const p = path.join(dir, rel);
      chmodSync(p, statSync(p).isDirectory() ? 0o777 : 0o666);
    }
    mkdirSync(path.join(dir, 'exports'), { mode: 0o755 });
    writeFileSync(path.join(dir, 'exports', 'graph.jsonl'), '{}', { mode: 0o644 });
    const warnings: unknown[] = [];
    const log = { warn: (fields: unknown, msg: string) => warnings.push({ fields, msg }) } as never;
    const reopened = await PgliteDatabase.open(dir, { log });
    await reopened.close();
    expect(groupOrWorldAccessible(dir)).toEqual([]);
    expect(warnings).toHaveLength(1);
    expect(JSON.stringify(warnings[0])).toContain('narrowed');
  });
});

/** A child process that contends for the lock on command (tests/helpers/lock-contender.ts). */
function contender(dir: string) {
  const child: ChildProcessWithoutNullStreams = spawn('node', ['--import', 'tsx', path.join(ROOT, 'tests/helpers/lock-contender.ts'), dir], { cwd: ROOT });
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  return {
    async ask(cmd: string): Promise<string> {
      child.stdin.write(`${cmd}\n`);
      const next = await lines.next();
      if (next.done) throw new Error('contender exited');
      return next.value;
    },
    stop: () => child.kill(),
  };
}

describe('data directory lock', () => {
  const CONTENDERS = 3;
  const TRIALS = 40;
  const dir = mkdtempSync(path.join(tmpdir(), 'yz-lock-race-'));
  let children: ReturnType<typeof contender>[] = [];
  let deadPid = 0;

  beforeAll(() => {
    // A pid that certainly belonged to a process that has exited.
    deadPid = Number(execFileSync('node', ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }));
    children = Array.from({ length: CONTENDERS }, () => contender(dir));
  });
  afterAll(() => {
    for (const c of children) c.stop();
  });

  it(`a stale lock is taken over by exactly one of ${CONTENDERS} synchronised processes, in each of ${TRIALS} trials`, async () => {
    const bad: string[] = [];
    for (let trial = 0; trial < TRIALS; trial++) {
      // The lock a killed holder left: this version's format, or an earlier version's bare pid.
      const stale = trial % 2 ? JSON.stringify({ pid: deadPid, start: '1', boot: 'gone', nonce: randomBytes(8).toString('hex') }) : String(deadPid);
      writeFileSync(path.join(dir, 'yingzhi.lock'), stale);
      const at = Date.now() + 200;
      const results = await Promise.all(children.map((c) => c.ask(`go ${at}`)));
      const won = results.filter((r) => r === 'won').length;
      if (won !== 1 || results.some((r) => r !== 'won' && r !== 'lost DB_LOCKED')) bad.push(`trial ${trial}: ${results.join(', ')}`);
      await Promise.all(children.map((c) => c.ask('release')));
    }
    expect(bad).toEqual([]);
    // A released lock leaves nothing behind but the directory.
    expect(readdirSync(dir).filter((f) => f.startsWith('yingzhi.lock'))).toEqual([]);
  }, 120_000);

  it('a live holder is never taken over, and a reused pid with another start time is recognised as stale', async () => {
    const holder = await PgliteDatabase.open(dir);
    try {
      expect(await children[0].ask(`go ${Date.now()}`)).toBe('lost DB_LOCKED');
    } finally {
      await holder.close();
    }
    // This test process is alive, but it is not the process that wrote this lock (different start time).
    writeFileSync(path.join(dir, 'yingzhi.lock'), JSON.stringify({ pid: process.pid, start: '1', boot: 'other-boot', nonce: 'n' }));
    expect(await children[0].ask(`go ${Date.now()}`)).toBe('won');
    await children[0].ask('release');
  });
});
