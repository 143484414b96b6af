import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PUBMED_WATCH_JOB } from '../literature/index.ts';
import type { Runtime } from '../runtime/index.ts';
import { createServerDatabase, serverAvailable } from './helpers/databases.ts';
import { testRuntime } from './helpers/runtime.ts';

/** What a process leaves behind when it is killed in the middle of a PubMed run. */
async function leaveRuns(rt: Runtime, tag: string) {
  const start = (r: { jobId: string | null; watchId: string | null; trigger: 'import' | 'schedule' | 'manual'; term: string }) =>
    rt.db.transaction((tx) => rt.literature.watches.startRun(tx, { ...r, owner: 'w_dead' })) as Promise<string>;
  // A killed `yingzhi pubmed import` (or API upload): a running run with no job behind it.
  const killedImport = await start({ jobId: null, watchId: null, trigger: 'import', term: `killed-${tag}.xml` });
  // A watch run whose job was quarantined (its worker died on every attempt).
  const quarantinedWatch = await rt.literature.createWatch({ name: `quarantined ${tag}`, query: 'lung nodule', enabled: false }, 'tester');
  const qJob = await rt.jobs.enqueue(rt.db, PUBMED_WATCH_JOB, { watchId: quarantinedWatch.id, trigger: 'manual' });
  await rt.db.query(`UPDATE jobs SET status = 'quarantined' WHERE id = $1`, [qJob.id]);
  const quarantinedRun = await start({ jobId: qJob.id, watchId: quarantinedWatch.id, trigger: 'manual', term: 'lung nodule' });
  // A watch run whose job is queued again after its worker died: it resumes, so it stays running.
  const resumableWatch = await rt.literature.createWatch({ name: `resumable ${tag}`, query: 'stroke', enabled: false }, 'tester');
  const rJob = await rt.jobs.enqueue(rt.db, PUBMED_WATCH_JOB, { watchId: resumableWatch.id, trigger: 'manual' }, { runAfter: new Date(Date.now() + 3_600_000) });
  const resumableRun = await start({ jobId: rJob.id, watchId: resumableWatch.id, trigger: 'manual', term: 'stroke' });
  return { killedImport, quarantinedRun, resumableRun };
}

describe('PubMed runs of a dead process', () => {
  it('embedded: the next start closes a killed import and a quarantined job\'s run as interrupted, and leaves a resumable one', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'yz-runs-'));
    const env = { YZ_DATA_DIR: dir };
    const first = await testRuntime(env, { inMemory: false });
    const runs = await leaveRuns(first, 'pglite');
    await first.close();

    const second = await testRuntime(env, { inMemory: false });
    try {
      const get = (id: string) => second.literature.watches.getRun(id);
      for (const id of [runs.killedImport, runs.quarantinedRun]) {
        expect(await get(id)).toMatchObject({ status: 'failed', error: { code: 'RUN_INTERRUPTED' } });
        expect((await get(id)).finishedAt).not.toBeNull();
      }
      expect((await get(runs.resumableRun)).status).toBe('running');
    } finally {
      await second.close();
    }
  });

  it.skipIf(!serverAvailable())('server: an import whose heartbeat stopped is closed by the next process; a live one is not', async () => {
    const created = await createServerDatabase();
    const rt = await testRuntime({ DATABASE_URL: created.url, YZ_JOB_LEASE_SECONDS: '5' }, { inMemory: false });
    try {
      const runs = await leaveRuns(rt, 'server');
      const live = (await rt.db.transaction((tx) =>
        rt.literature.watches.startRun(tx, { watchId: null, jobId: null, trigger: 'import', term: 'live.xml', owner: 'w_live' }),
      )) as string;
      // The killed import's process has been silent for a minute (more than two 5 s leases); the live one beat just now.
      await rt.db.query(`UPDATE pubmed_runs SET heartbeat_at = now() - interval '1 minute' WHERE id = $1`, [runs.killedImport]);
      const closed = await rt.literature.closeInterrupted();
      expect(closed.sort()).toEqual([runs.killedImport, runs.quarantinedRun].sort());
      expect((await rt.literature.watches.getRun(live)).status).toBe('running');
      expect((await rt.literature.watches.getRun(runs.resumableRun)).status).toBe('running');
    } finally {
      await rt.close();
      await created.drop();
    }
  });
});
