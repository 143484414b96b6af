import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../core/index.ts';
import { type Database, type Job, JobQueue, JobRunner, migrate, PgliteDatabase } from '../store/index.ts';
import { ROOT } from './helpers/runtime.ts';

const run = promisify(execFile);
const CLI = path.join(ROOT, 'cli/bin.mjs');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('job runner leases', () => {
  let db: Database;
  beforeAll(async () => {
    db = await PgliteDatabase.open();
    await migrate(db);
  });
  afterAll(() => db?.close());

  it('a batch outliving its lease keeps it through heartbeats: a second worker never runs it too', async () => {
    const log = createLogger('silent');
    const runs: string[] = [];
    // Two workers with a 1 s lease; the job takes 3.5 s, well past three lease periods.
    const a = new JobQueue(db, 'worker-a', 1);
    const b = new JobQueue(db, 'worker-b', 1);
    const handler = (queue: JobQueue, who: string) => ({
      run: async (job: Job) => {
        runs.push(who);
        await sleep(3500);
        await queue.succeed(db, job.id, { by: who });
      },
      onError: async (job: Job, e: unknown) => void (await queue.fail(job.id, { code: 'X', message: String(e) }, true)),
    });
    const job = await a.enqueue(db, 'long', {});
    const first = new JobRunner(a, { long: handler(a, 'a') }, log);
    const second = new JobRunner(b, { long: handler(b, 'b') }, log, { pollMs: 100 });
    const drained = first.drain();
    await sleep(200);
    second.start();
    await drained;
    await sleep(500); // the second worker keeps polling after the job finished
    await second.stop();
    expect(runs).toEqual(['a']);
    expect(await a.get(job.id)).toMatchObject({ status: 'succeeded', result: { by: 'a' }, attempts: 1, crashes: 0 });
  }, 20_000);

  it('a worker whose lease was taken over has its result discarded, not written twice', async () => {
    const log = createLogger('silent');
    const a = new JobQueue(db, 'stalled', 1);
    const b = new JobQueue(db, 'healthy', 60);
    const job = await a.enqueue(db, 'stall', {});
    const errors: unknown[] = [];
    // Worker a stalls without heartbeats (as if its event loop were blocked) until its lease is gone.
    const stalled = new JobRunner(a, {
      stall: {
        run: async (j) => {
          await db.query(`UPDATE jobs SET locked_until = now() - interval '1 second' WHERE id = $1`, [j.id]);
          await new JobRunner(b, { stall: { run: (k) => b.succeed(db, k.id, { by: 'b' }), onError: async () => {} } }, log).drain();
          await a.succeed(db, j.id, { by: 'a' });
        },
        onError: async (_j, e) => void errors.push(e),
      },
    }, log);
    await stalled.drain();
    expect(errors).toEqual([]); // LEASE_LOST is the runner's to absorb, not the handler's onError
    expect(await a.get(job.id)).toMatchObject({ status: 'succeeded', result: { by: 'b' }, crashes: 1 });
  });
});

describe('poison-pill job in a real process', () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'yz-poison-'));
  const doc = path.join(dataDir, '..', `poison-${path.basename(dataDir)}.md`);
  const cli = (args: string[], env: Record<string, string> = {}) =>
    run('node', [CLI, ...args], { cwd: ROOT, env: { ...process.env, YZ_DATA_DIR: dataDir, YZ_LOG_LEVEL: 'silent', ...env } });
  const killed = (args: string[], env: Record<string, string>) =>
    cli(args, env).then(
      () => null,
      (e: { signal?: string; code?: number; stdout?: string }) => e,
    );

  it('a document that kills the worker on every attempt ends quarantined after max_attempts, visible in jobs list, and an admin can retry it', async () => {
    writeFileSync(doc, '# 毒丸文档\n\n这份文档让解析进程崩溃（由故障注入模拟）。\n\n肺结节随访间隔取决于结节大小。\n');
    // Three runs, each SIGKILLed right after it claims the ingest job (max_attempts = 3).
    for (let i = 0; i < 3; i++) {
      const e = await killed(['ingest', doc, '--json'], { YZ_FAULT: 'job.sigkill:ingest' });
      expect(e?.signal, `run ${i + 1}`).toBe('SIGKILL');
    }
    // The fourth start finds the job running again: its attempts are used up, so it is quarantined, not claimed.
    const fourth = await killed(['ingest', doc, '--json'], { YZ_FAULT: 'job.sigkill:ingest' });
    expect(fourth?.signal).toBeFalsy();
    expect(fourth?.code).toBe(2); // the file is reported failed
    const report = JSON.parse(fourth?.stdout ?? '{}');
    expect(report.files[0]).toMatchObject({ status: 'failed', error: { code: 'JOB_QUARANTINED' } });

    const db = await PgliteDatabase.open(dataDir);
    const [job] = await new JobQueue(db).list({ status: 'quarantined' }).finally(() => db.close());
    expect(job).toMatchObject({ kind: 'ingest', status: 'quarantined', attempts: 3, maxAttempts: 3, crashes: 3, lastError: { code: 'JOB_QUARANTINED' } });
    expect(job.lastError?.message).toMatch(/3/);
    const text = (await cli(['jobs', 'list', '--status', 'quarantined'])).stdout;
    expect(text).toContain(job.id);
    expect(text).toContain('quarantined 1');
    expect(text).toContain('JOB_QUARANTINED');

    // Once the cause is fixed (here: no more fault), an admin's retry runs it to the end.
    expect(JSON.parse((await cli(['jobs', 'retry', job.id, '--json'])).stdout)).toMatchObject({ status: 'queued', attempts: 0, crashes: 0 });
    await cli(['ingest', doc, '--json']).catch((e) => e);
    const after = await PgliteDatabase.open(dataDir);
    try {
      expect((await new JobQueue(after).get(job.id))?.status).toBe('succeeded');
      expect((await after.query<{ status: string }>('SELECT status FROM sources')).rows).toEqual([{ status: 'ready' }]);
    } finally {
      await after.close();
    }
  }, 420_000);
});
