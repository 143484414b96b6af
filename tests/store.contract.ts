import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadLanguage } from '../runtime/index.ts';
import { ChunkIndexer, HashEmbedder } from '../search/index.ts';
import { type Database, JobQueue, migrate } from '../store/index.ts';

/**
 * The contract every Database implementation must honour (PGlite embedded, PostgreSQL server):
 * migrations, transactions, the parameter types we rely on, pgvector, the job queue's leasing and
 * the chunk index's idempotent statistics.
 */
export function storeContract(name: string, open: () => Promise<Database>, teardown?: () => Promise<void>): void {
  describe(`store contract: ${name}`, () => {
    let db: Database;
    beforeAll(async () => {
      db = await open();
      await migrate(db);
    });
    afterAll(async () => {
      await db?.close();
      await teardown?.();
    });

    it('applies migrations once and records them', async () => {
      expect(await migrate(db)).toEqual([]);
      const { rows } = await db.query<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version');
      expect(rows.map((r) => r.version)).toContain(1);
    });

    it('commits a transaction that resolves and rolls back one that throws', async () => {
      await db.transaction((tx) => tx.query(`INSERT INTO search_deleted (seq) VALUES (900001)`));
      await expect(
        db.transaction(async (tx) => {
          await tx.query(`INSERT INTO search_deleted (seq) VALUES (900002)`);
          throw new Error('boom');
        }),
      ).rejects.toThrow('boom');
      const { rows } = await db.query<{ seq: string }>(`SELECT seq FROM search_deleted WHERE seq > 900000 ORDER BY seq`);
      expect(rows.map((r) => Number(r.seq))).toEqual([900001]);
    });

    it('passes bytea and bytea[] parameters and results byte for byte (posting lists, uploaded files)', async () => {
      const every = Uint8Array.from({ length: 512 }, (_, i) => i % 256);
      const large = Uint8Array.from({ length: 1 << 20 }, (_, i) => (i * 7919) % 251);
      // A view into a larger buffer: only the viewed bytes may be sent.
      const view = new Uint8Array(every.buffer, 3, 5);
      const { rows } = await db.query<{ i: number; data: Uint8Array; n: number }>(
        'SELECT r.i, r.data, length(r.data) AS n FROM unnest($1::bytea[]) WITH ORDINALITY AS r(data, i) ORDER BY r.i',
        [[every, new Uint8Array(0), view, large]],
      );
      expect(rows.map((r) => r.n)).toEqual([512, 0, 5, 1 << 20]);
      for (const [i, want] of [every, new Uint8Array(0), view, large].entries()) {
        expect(rows[i].data).toBeInstanceOf(Uint8Array);
        expect(Buffer.from(rows[i].data).equals(Buffer.from(want))).toBe(true);
      }
      const { rows: one } = await db.query<{ data: Uint8Array }>('SELECT $1::bytea AS data', [view]);
      expect([...one[0].data]).toEqual([3, 4, 5, 6, 7]);
    });

    it('round-trips text[], jsonb, bytea and counts as numbers', async () => {
      const { rows } = await db.query<{ a: string[]; j: { x: number }; b: Uint8Array; n: number }>(
        'SELECT $1::text[] AS a, $2::jsonb AS j, $3::bytea AS b, count(*)::int AS n FROM (VALUES (1), (2)) v(x)',
        [['甲', "o'k"], JSON.stringify({ x: 1 }), new Uint8Array([0, 255, 7])],
      );
      expect(rows[0].a).toEqual(['甲', "o'k"]);
      expect(rows[0].j).toEqual({ x: 1 });
      expect([...new Uint8Array(rows[0].b)]).toEqual([0, 255, 7]);
      expect(rows[0].n).toBe(2);
    });

    it('leases each job to exactly one claimant and retries failures with backoff', async () => {
      const queue = new JobQueue(db, 'w1');
      const other = new JobQueue(db, 'w2');
      const a = await queue.enqueue(db, 'contract', { n: 1 }, { dedupeKey: 'contract:1', maxAttempts: 2 });
      const again = await queue.enqueue(db, 'contract', { n: 1 }, { dedupeKey: 'contract:1' });
      expect(again.id).toBe(a.id);
      const [c1, c2] = await Promise.all([queue.claim(['contract']), other.claim(['contract'])]);
      expect([c1?.id, c2?.id].filter(Boolean)).toEqual([a.id]);
      const failed = await queue.fail(a.id, { code: 'X', message: 'transient' }, false);
      expect(failed?.status).toBe('queued'); // attempt 1 of 2: retried later
      expect(await queue.claim(['contract'])).toBeNull(); // backoff: not runnable yet
      await db.query(`UPDATE jobs SET run_after = now() WHERE id = $1`, [a.id]);
      const retried = await queue.claim(['contract']);
      expect(retried?.attempts).toBe(2);
      expect((await queue.fail(a.id, { code: 'X', message: 'again' }, false))?.status).toBe('failed');
      expect((await queue.retry(a.id))?.status).toBe('queued');
      expect((await queue.cancel(a.id))?.status).toBe('cancelled');
      expect(await queue.cancel(a.id)).toBeNull();
    });

    it('hands an expired lease to another worker, counting the dead worker\'s attempt as a crash', async () => {
      const queue = new JobQueue(db, 'w1');
      const job = await queue.enqueue(db, 'lease', {});
      expect((await queue.claim(['lease'], 60))?.id).toBe(job.id);
      const w2 = new JobQueue(db, 'w2');
      expect(await w2.reap()).toEqual([]);
      expect(await w2.claim(['lease'])).toBeNull();
      await db.query(`UPDATE jobs SET locked_until = now() - interval '1 second' WHERE id = $1`, [job.id]);
      const [reaped] = await w2.reap();
      expect(reaped).toMatchObject({ id: job.id, status: 'queued', crashes: 1, lastError: { code: 'WORKER_DIED' } });
      expect((await w2.claim(['lease']))?.id).toBe(job.id);
    });

    it('honours max_attempts: a job whose worker keeps dying is quarantined, not retried forever, until an admin retries it', async () => {
      const queue = new JobQueue(db, 'w1');
      const job = await queue.enqueue(db, 'poison', {}, { maxAttempts: 2 });
      const die = () => db.query(`UPDATE jobs SET locked_until = now() - interval '1 second' WHERE id = $1`, [job.id]);
      expect((await queue.claim(['poison']))?.attempts).toBe(1);
      await die();
      expect((await queue.reap()).map((j) => j.status)).toEqual(['queued']);
      expect((await queue.claim(['poison']))?.attempts).toBe(2);
      await die();
      const [q] = await queue.reap();
      expect(q).toMatchObject({ status: 'quarantined', attempts: 2, crashes: 2, lastError: { code: 'JOB_QUARANTINED' } });
      expect(q.lastError?.message).toContain('2');
      expect(q.finishedAt).not.toBeNull();
      expect(await queue.claim(['poison'])).toBeNull();
      expect((await queue.counts()).quarantined).toBeGreaterThanOrEqual(1);
      // Even a row left queued with its attempts used up (an older version's state) is never claimed.
      const stale = await queue.enqueue(db, 'poison-old', {}, { maxAttempts: 1 });
      await db.query('UPDATE jobs SET attempts = 6 WHERE id = $1', [stale.id]);
      expect(await queue.claim(['poison-old'])).toBeNull();
      const retried = await queue.retry(job.id);
      expect(retried).toMatchObject({ status: 'queued', attempts: 0, crashes: 0 });
      expect((await queue.claim(['poison']))?.id).toBe(job.id);
    });

    it('lets only the lease holder complete, fail or report progress on a job', async () => {
      const w1 = new JobQueue(db, 'w1');
      const w2 = new JobQueue(db, 'w2');
      const job = await w1.enqueue(db, 'owned', {});
      await w1.claim(['owned']);
      // A worker that never claimed it: nothing it says about the job counts.
      expect(await w2.progress(db, job.id, 'x', 1, 2)).toBe(false);
      expect(await w2.fail(job.id, { code: 'X', message: 'not mine' }, true)).toBeNull();
      await expect(w2.succeed(db, job.id, {})).rejects.toMatchObject({ code: 'LEASE_LOST' });
      expect(await w2.heartbeat(job.id)).toBe(false);
      expect(await w1.heartbeat(job.id)).toBe(true);
      expect(await w1.progress(db, job.id, 'step', 1, 2)).toBe(true);
      // w1 stalls past its lease; w2 takes the job over. w1's late result is refused and its transaction rolled back.
      await db.query(`UPDATE jobs SET locked_until = now() - interval '1 second' WHERE id = $1`, [job.id]);
      await w2.reap();
      expect((await w2.claim(['owned']))?.id).toBe(job.id);
      await expect(
        db.transaction(async (tx) => {
          await w1.enqueue(tx, 'late-result', {}); // a write of the late transaction, which must roll back
          await w1.succeed(tx, job.id, { by: 'w1' });
        }),
      ).rejects.toMatchObject({ code: 'LEASE_LOST' });
      expect((await db.query('SELECT 1 FROM jobs WHERE kind = $1', ['late-result'])).rows).toHaveLength(0);
      expect(await w1.progress(db, job.id, 'step', 2, 2)).toBe(false);
      expect(await w1.heartbeat(job.id)).toBe(false);
      expect(await w1.fail(job.id, { code: 'X', message: 'late' }, true)).toBeNull();
      await w2.succeed(db, job.id, { by: 'w2' });
      expect(await w2.get(job.id)).toMatchObject({ status: 'succeeded', result: { by: 'w2' }, attempts: 2 });
    });

    it('keeps a handler checkpoint with progress, for whichever worker resumes the job', async () => {
      const w1 = new JobQueue(db, 'cp1');
      const job = await w1.enqueue(db, 'checkpointed', {});
      await w1.claim(['checkpointed']);
      expect(await db.transaction((tx) => w1.progress(tx, job.id, 'step', 3, 9, { checkpoint: { done: 3, glean: { chunks: 3, gleans: 1 } } }))).toBe(true);
      // A progress report without a checkpoint keeps the last one.
      expect(await w1.progress(db, job.id, 'step', 3, 9)).toBe(true);
      await db.query(`UPDATE jobs SET locked_until = now() - interval '1 second' WHERE id = $1`, [job.id]);
      const w2 = new JobQueue(db, 'cp2');
      await w2.reap();
      expect((await w2.claim(['checkpointed']))?.result).toEqual({ checkpoint: { done: 3, glean: { chunks: 3, gleans: 1 } } });
    });

    it('runs work under a named lock one holder at a time across processes (PGlite: one process by its data-directory lock)', async () => {
      let release!: () => void;
      const holding = new Promise<void>((r) => (release = r));
      const order: string[] = [];
      const first = db.withLock('contract-lock', async () => {
        order.push('first:start');
        await holding;
        order.push('first:end');
        return 1;
      });
      await new Promise((r) => setTimeout(r, 50));
      const tried = await db.withLock('contract-lock', async () => 2, { wait: false });
      const other = await db.withLock('another-lock', async () => 3, { wait: false });
      expect(other).toEqual({ acquired: true, value: 3 });
      if (db.kind === 'postgres') {
        expect(tried).toEqual({ acquired: false });
        const waiting = db.withLock('contract-lock', async () => {
          order.push('second');
          return 4;
        });
        await new Promise((r) => setTimeout(r, 50));
        expect(order).toEqual(['first:start']);
        release();
        expect(await waiting).toEqual({ acquired: true, value: 4 });
        expect(order).toEqual(['first:start', 'first:end', 'second']);
      } else {
        expect(tried).toEqual({ acquired: true, value: 2 });
        release();
      }
      expect(await first).toEqual({ acquired: true, value: 1 });
      // A throwing holder releases the lock.
      await expect(db.withLock('contract-lock', async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
      expect(await db.withLock('contract-lock', async () => 5, { wait: false })).toEqual({ acquired: true, value: 5 });
    });

    it('moves the vocabulary version once per committed change to entities or aliases, not on a rollback', async () => {
      const version = async () => Number((await db.query<{ version: number }>(`SELECT version FROM cache_versions WHERE name = 'vocabulary'`)).rows[0].version);
      const v0 = await version();
      await db.transaction(async (tx) => {
        await tx.query(`INSERT INTO kg_entities (id, type, name_zh, origin) VALUES ('ent_v1', 'Disease', '测试病', 'review')`);
        await tx.query(`INSERT INTO kg_aliases (entity_id, key, surface, kind) VALUES ('ent_v1', 'ceshibing', '测试病', 'name'), ('ent_v1', 'tb', 'TB', 'alias')`);
      });
      expect(await version()).toBe(v0 + 1);
      await expect(
        db.transaction(async (tx) => {
          await tx.query(`DELETE FROM kg_aliases WHERE entity_id = 'ent_v1' AND key = 'tb'`);
          throw new Error('rolled back');
        }),
      ).rejects.toThrow();
      expect(await version()).toBe(v0 + 1);
      await db.query(`DELETE FROM kg_aliases WHERE entity_id = 'ent_v1' AND key = 'tb'`);
      expect(await version()).toBe(v0 + 2);
    });

    it('gives back the space of merged posting lists: the index is no larger after compaction than before it', async () => {
      const indexer = await chunkIndexerWithSource(db, 'v');
      const words = ['磨玻璃结节', '随访', '阑尾炎', '脑梗死', '岛带征', '肺癌', '分期', '增强扫描', '钙化', '淋巴结'];
      // Sixteen segments (one per inserted batch), each with lists long enough to be stored out of line.
      for (let b = 0; b < 16; b++) {
        const drafts = Array.from({ length: 40 }, (_, i) => ({
          ordinal: b * 40 + i, headingPath: [`${b} 节`], pageStart: 1, pageEnd: 1, charStart: 0,
          text: Array.from({ length: 12 }, (_, k) => words[(b + i * 3 + k * 7) % words.length]).join('，') + `。第${b * 40 + i}例。`,
        }));
        await db.transaction((tx) => indexer.insert(tx, indexer.prepare('src_v', drafts)));
      }
      await indexer.compact(db);
      const before = await indexer.indexSizeBytes(db);
      await indexer.compact(db, { all: true });
      const after = await indexer.indexSizeBytes(db);
      // Without reclaiming, the rewritten lists are added to the dead ones (PGlite never vacuums by itself).
      expect(after).toBeLessThanOrEqual(before);
      await db.transaction((tx) => indexer.deleteBySource(tx, 'src_v'));
      await indexer.compact(db, { all: true });
    });

    it('indexes chunks idempotently into posting lists, keeps BM25 statistics exact and finds them by vector', async () => {
      const indexer = await chunkIndexerWithSource(db, 'c');
      const drafts = ['磨玻璃结节需要随访。', '急性阑尾炎表现为阑尾增粗。', '脑梗死早期可见岛带征。'].map((text, i) => ({
        ordinal: i, headingPath: ['1 测试'], pageStart: 1, pageEnd: 1, charStart: 0, text,
      }));
      const rows = indexer.prepare('src_c', drafts);
      expect(await db.transaction((tx) => indexer.insert(tx, rows))).toBe(3);
      expect(await db.transaction((tx) => indexer.insert(tx, rows))).toBe(0); // replayed batch: nothing changes
      const dfOf = async (term: string) => (await db.query<{ df: number }>('SELECT coalesce(sum(df), 0)::int AS df FROM search_postings WHERE term = $1', [term])).rows[0].df;
      const nChunks = async () => (await db.query<{ n: number }>('SELECT n_chunks::int AS n FROM corpus_stats')).rows[0].n;
      expect([await nChunks(), await dfOf('随访'), await dfOf('测试')]).toEqual([3, 1, 3]); // 随访 is a bigram; the heading counts too
      expect(await indexer.embedPending(db, 'src_c')).toBe(3);
      expect(await indexer.embedPending(db, 'src_c')).toBe(0); // complete: nothing left to embed
      const [q] = await new HashEmbedder(loadLanguage().tokenizer, 64).embed(['阑尾炎'], 'query');
      const { rows: nn } = await db.transaction(async (tx) => {
        await tx.query('SET LOCAL hnsw.ef_search = 40');
        return tx.query<{ chunk_id: string }>(
          `SELECT chunk_id FROM chunk_embeddings WHERE model = $2 ORDER BY embedding::vector(64) <=> $1::vector(64) LIMIT 1`,
          [`[${Array.from(q).join(',')}]`, 'hash-ngram-v1-64'],
        );
      });
      expect(nn[0].chunk_id).toBe('src_c:1');
      expect(await db.transaction((tx) => indexer.deleteBySource(tx, 'src_c'))).toBe(3);
      expect(await nChunks()).toBe(0);
      await indexer.compact(db, { all: true }); // merging drops the deleted chunks from the lists
      expect(await dfOf('随访')).toBe(0);
    });
  });
}

/** A chunk indexer on `db` (hash vectors, 64 dims) and an empty guideline source `src_<key>` to index chunks under. */
async function chunkIndexerWithSource(db: Database, key: string): Promise<ChunkIndexer> {
  const { tokenizer } = loadLanguage();
  const indexer = new ChunkIndexer(tokenizer, new HashEmbedder(tokenizer, 64));
  await indexer.init(db);
  await db.query(
    `INSERT INTO sources (id, lineage_key, version_no, content_hash, kind, title, language, file_name, mime, byte_size)
     VALUES ($1, $2, 1, $3, 'guideline', $4, 'zh', $5, 'text/markdown', 1)`,
    [`src_${key}`, key, `hash-${key}`, key.toUpperCase(), `${key}.md`],
  );
  return indexer;
}
