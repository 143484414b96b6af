import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadSidecarMeta } from '../ingest/index.ts';
import type { Runtime } from '../runtime/index.ts';
import { type Database, PostgresDatabase, type Queryable } from '../store/index.ts';
import { createServerDatabase, serverAvailable } from './helpers/databases.ts';
import { startYingzhi, type YzProcess } from './helpers/processes.ts';
import { DEMO, testRuntime } from './helpers/runtime.ts';

const WORKERS = 3;
/** Three authored demo documents (about 130 KB) and the demo PubMed XML (70 records). */
const FILES = ['lung-nodule-guideline.md', 'cap-guideline.md', 'pneumonia-textbook.md'].map((f) => path.join(DEMO, f));
const PUBMED_XML = path.join(DEMO, '../pubmed/demo-literature.xml');
/** Approved per source by the test's reviewer, in a fixed order, once extraction is done. */
const APPROVALS_PER_SOURCE = 25;
const KILLS = 20;
/** A kill every 0.5–1.2 s while work remains (compiled workers finish the corpus in well under a minute; a kill only lands on a worker that is up). */
const KILL_EVERY_MS = [500, 1200];
const LEASE_SECONDS = 4;

/** What a finished run left: compared between the run with kills and a clean one. */
async function snapshot(db: Queryable) {
  const q = async <T>(sql: string) => (await db.query<T>(sql)).rows;
  return {
    sources: await q<{ title: string; status: string; chunks: number; ordinals: number; max: number; stat: number }>(
      `SELECT s.title, s.status, count(c.id)::int AS chunks, count(DISTINCT c.ordinal)::int AS ordinals, coalesce(max(c.ordinal), -1)::int AS max, s.chunk_count AS stat
       FROM sources s LEFT JOIN chunks c ON c.source_id = s.id GROUP BY s.id ORDER BY s.title, s.id`,
    ),
    embeddings: (await q<{ n: number }>('SELECT count(*)::int AS n FROM chunk_embeddings'))[0].n,
    candidates: await q<{ title: string; n: number; approved: number }>(
      `SELECT s.title, count(*)::int AS n, count(*) FILTER (WHERE k.status = 'approved')::int AS approved
       FROM kg_candidates k JOIN sources s ON s.id = k.source_id GROUP BY s.title ORDER BY s.title`,
    ),
    relations: await q<{ key: string }>(
      `SELECT subject_id || ' ' || predicate || ' ' || object_id || ' ' || certainty || ' v' || version || ' ' ||
              (SELECT string_agg((e->>'sourceTitle') || ':' || coalesce(e->>'page', '-'), ',' ORDER BY (e->>'sourceTitle'), (e->>'page'), (e->>'quote'))
               FROM jsonb_array_elements(evidence) e) AS key
       FROM graph_relations ORDER BY key`,
    ),
    entities: await q<{ id: string; name_zh: string }>('SELECT id, name_zh FROM graph_entities ORDER BY id'),
    literature: (await q<{ n: number }>(`SELECT count(*)::int AS n FROM sources WHERE kind = 'literature'`))[0].n,
  };
}

/** Jobs not finished well, and the projection's lag: all zero once the work is done. */
async function backlog(db: Queryable) {
  const { rows } = await db.query<{ open: number; bad: number; pending: number; sources: number }>(
    `SELECT (SELECT count(*)::int FROM jobs WHERE status IN ('queued', 'running')) AS open,
            (SELECT count(*)::int FROM jobs WHERE status IN ('failed', 'quarantined')) AS bad,
            (SELECT count(*)::int FROM kg_outbox WHERE seq > coalesce((SELECT last_seq FROM kg_projection WHERE store = 'postgres'), 0)) AS pending,
            (SELECT count(*)::int FROM sources WHERE status = 'pending') AS sources`,
  );
  return rows[0];
}

/**
 * Register the documents and import the PubMed XML. Their `demo: true` front matter is dropped: the demo
 * reviewer's starter approvals judge contradictions against what other sources had approved by then, so
 * they depend on the order sources finish — which several workers do not keep, by design.
 */
async function load(rt: Runtime): Promise<void> {
  for (const f of FILES) await rt.ingest.register(Buffer.from(readFileSync(f, 'utf8').replace(/^demo: true\n/m, '')), path.basename(f), loadSidecarMeta(f));
  await rt.literature.importXml(readFileSync(PUBMED_XML, 'utf8'), 'demo-literature.xml', {});
}

/**
 * A reviewer approves confident, resolved candidates source by source in one fixed order (review outcomes
 * depend on order: a contradiction is judged against what is approved already), so both runs approve the same.
 */
async function approve(rt: Runtime): Promise<number> {
  let n = 0;
  const { items } = await rt.knowledge.candidates.list({ status: 'pending', minConfidence: 0.8 }, { limit: 5000, offset: 0 });
  const key = (c: (typeof items)[number]) => [c.source.title, String(c.page).padStart(5, '0'), String(c.quoteStart).padStart(6, '0'), c.quote, c.predicate, c.subject.entityId, c.object.entityId].join('|');
  const perSource = new Map<string, number>();
  for (const c of items.sort((a, b) => key(a).localeCompare(key(b)))) {
    if (!c.subject.entityId || !c.object.entityId || (perSource.get(c.source.title) ?? 0) >= APPROVALS_PER_SOURCE) continue;
    try {
      await rt.knowledge.review.approve(c.id, { actor: 'kill-test-reviewer' });
      perSource.set(c.source.title, (perSource.get(c.source.title) ?? 0) + 1);
      n++;
    } catch {
      // Types that do not fit the predicate, or a contradiction with an earlier approval: skipped alike in both runs.
    }
  }
  rt.knowledge.projector.wake();
  return n;
}

async function heldKinds(db: Queryable, pid: number): Promise<string[]> {
  const { rows } = await db.query<{ kind: string }>(`SELECT kind FROM jobs WHERE status = 'running' AND locked_by LIKE $1`, [`w\\_${pid}\\_%`]);
  return rows.map((r) => r.kind);
}

/**
 * A worker may be killed while every job it holds has attempts to spare (attempts < max_attempts): a job
 * killed on its last attempt is quarantined by design (tests/jobs.test.ts), which is not what this test is about.
 */
async function safeToKill(db: Queryable, pid: number): Promise<boolean> {
  const { rows } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM jobs WHERE status = 'running' AND locked_by LIKE $1 AND attempts >= max_attempts - 1`, [`w\\_${pid}\\_%`]);
  return rows[0].n === 0;
}

/**
 * Issue 20: one API process and three worker processes on the PostgreSQL server, random workers killed
 * with SIGKILL during the demo load (ingest, embedding, extraction, starter approvals, graph projection and
 * the PubMed XML import's sources): nothing lost, nothing twice, nothing stuck, and the same graph as a clean
 * single-process run of the same corpus.
 */
describe.runIf(serverAvailable())('many workers, killed at random', { timeout: 600_000 }, () => {
  const procs: YzProcess[] = [];
  let db: Database | undefined;
  let drop: (() => Promise<void>) | undefined;
  let clean: Runtime | undefined;
  let driver: Runtime | undefined;
  afterAll(async () => {
    await driver?.close();
    for (const p of procs) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
    await Promise.all(procs.map((p) => p.exited));
    await db?.close();
    await drop?.();
    await clean?.close();
  });

  it(`loses, repeats and strands nothing across ${KILLS} worker kills, and projects the graph of a clean run`, async () => {
    const created = await createServerDatabase();
    drop = created.drop;
    const env = {
      YZ_STORE: 'postgres', DATABASE_URL: created.url, YZ_MASTER_KEY: randomBytes(16).toString('hex'), YZ_ADMIN_PASSWORD: 'kill-test-admin',
      YZ_JOB_LEASE_SECONDS: String(LEASE_SECONDS), YZ_INGEST_THREADS: '1', YZ_LOG_LEVEL: 'info', YZ_AUTO_EXTRACT: 'rules', PORT: '0',
      YZ_AUDIT_CHECKPOINT_MINUTES: '0', YZ_LLM: 'none',
    };
    const dataDir = (name: string) => mkdtempSync(path.join(tmpdir(), `yz-kill-${name}-`));
    db = await PostgresDatabase.open(created.url, 3);
    const spawnWorker = () => {
      const w = startYingzhi({ ...env, YZ_DATA_DIR: dataDir('worker'), YZ_WORKER: 'on', YZ_LOAD_DEMO: 'false' });
      procs.push(w);
      return w;
    };
    let workers = Array.from({ length: WORKERS }, spawnWorker);
    await Promise.all(workers.map((w) => w.ready));

    // The API process serves (and runs no jobs, no projector) while the workload arrives.
    const api = startYingzhi({ ...env, YZ_DATA_DIR: dataDir('api'), YZ_WORKER: 'off', YZ_LOAD_DEMO: 'false' });
    procs.push(api);
    const apiUrl = await api.ready;
    // The workload enters through the services the upload and import routes call (as the demo loader does),
    // from this process: documents one after another, then the PubMed XML import.
    const started = performance.now();
    driver = await testRuntime({ ...env, YZ_DATA_DIR: dataDir('driver'), YZ_WORKER: 'off' }, { inMemory: false });
    const loading = load(driver);
    let loadedAll = false;
    let approved = -1;
    void loading.then(() => (loadedAll = true));

    let kills = 0;
    const phases: string[] = [];
    const t0 = performance.now();
    for (;;) {
      await new Promise((r) => setTimeout(r, KILL_EVERY_MS[0] + Math.random() * (KILL_EVERY_MS[1] - KILL_EVERY_MS[0])));
      const b = await backlog(db);
      if (loadedAll && b.open === 0 && b.pending === 0 && b.sources === 0) {
        if (approved >= 0) break;
        // Ingest and extraction are done: review now, and keep killing while the workers project it.
        approved = await approve(driver);
        continue;
      }
      if (performance.now() - t0 > 480_000) throw new Error(`work not done after 480 s: ${JSON.stringify(b)}`);
      if (kills >= KILLS) continue;
      // A busy worker if one may be killed, else any: kills land in the middle of work, not between it.
      const safe: { w: YzProcess; kinds: string[] }[] = [];
      for (const w of workers) if (w.isReady() && (await safeToKill(db, w.pid))) safe.push({ w, kinds: await heldKinds(db, w.pid) });
      const busy = safe.filter((x) => x.kinds.length);
      const pick = (busy.length ? busy : safe)[Math.floor(Math.random() * (busy.length || safe.length))];
      if (!pick) continue;
      const victim = pick.w;
      phases.push(pick.kinds.join('+') || (b.pending ? 'projection' : 'idle'));
      victim.child.kill('SIGKILL');
      await victim.exited;
      kills++;
      workers = [...workers.filter((w) => w !== victim), spawnWorker()];
    }
    await loading;
    const killedRunMs = performance.now() - started;
    // The API process stayed up and reports the database and graph as fine.
    const ready = await fetch(`${apiUrl}/readyz`);
    expect(ready.status).toBe(200);
    console.info(`kill test: ${kills} SIGKILLs in ${Math.round(killedRunMs / 1000)} s (${approved} approvals) while running: ${phases.join(', ')}`);
    expect(kills).toBeGreaterThanOrEqual(10);
    expect(phases.some((p) => p.includes('ingest'))).toBe(true);

    const b = await backlog(db);
    expect(b).toEqual({ open: 0, bad: 0, pending: 0, sources: 0 });
    const killed = await snapshot(db);

    // The same corpus in one process on embedded PGlite, nothing killed.
    const cleanStarted = performance.now();
    clean = await testRuntime({ YZ_AUTO_EXTRACT: 'rules' });
    await load(clean);
    await clean.runner.drain();
    expect(await approve(clean)).toBe(approved);
    await clean.knowledge.projector.catchUp();
    const reference = await snapshot(clean.db);
    console.info(`kill test: clean single-process run ${Math.round((performance.now() - cleanStarted) / 1000)} s`);

    expect(approved).toBeGreaterThan(20);
    expect(reference.relations.length).toBeGreaterThan(10);
    expect(reference.literature).toBeGreaterThan(0);
    for (const s of killed.sources) {
      expect(s.status).toBe('ready');
      expect(s.ordinals).toBe(s.chunks); // no chunk twice
      expect(s.max + 1).toBe(s.chunks); // none missing
      expect(s.stat).toBe(s.chunks);
    }
    expect(killed.sources).toEqual(reference.sources);
    expect(killed.embeddings).toBe(reference.embeddings);
    expect(killed.candidates).toEqual(reference.candidates);
    const ids = (x: { id: string }[]) => new Set(x.map((e) => e.id));
    expect({ onlyKilled: [...ids(killed.entities)].filter((i) => !ids(reference.entities).has(i)), onlyClean: [...ids(reference.entities)].filter((i) => !ids(killed.entities).has(i)) }).toEqual({ onlyKilled: [], onlyClean: [] });
    expect(killed.entities).toEqual(reference.entities);
    const keys = (x: { key: string }[]) => new Set(x.map((r) => r.key));
    expect({ onlyKilled: [...keys(killed.relations)].filter((k) => !keys(reference.relations).has(k)), onlyClean: [...keys(reference.relations)].filter((k) => !keys(killed.relations).has(k)) }).toEqual({ onlyKilled: [], onlyClean: [] });
    expect(killed.relations).toEqual(reference.relations);
    expect(killed.literature).toBe(reference.literature);
  });
});
