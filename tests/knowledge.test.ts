import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verify } from '../audit/index.ts';
import type { Candidate } from '../knowledge/index.ts';
import type { Runtime } from '../runtime/index.ts';
import { createServerDatabase, serverAvailable } from './helpers/databases.ts';
import { testRuntime } from './helpers/runtime.ts';

type Side = { id: string | null; text: string; type?: string };

/** Distinct quote offsets keep every proposed candidate distinct (and findable) across calls. */
let nextOffset = 0;

const DOC = (title: string, body: string) => `---\ntitle: ${title}\nkind: guideline\nversion: "2024版"\nyear: 2024\n---\n<!-- page: 1 -->\n# 总则\n\n${body}\n`;

/** Candidates as an extractor would propose them, written straight to the queue (the engines have their own tests). */
async function propose(rt: Runtime, sourceId: string, triples: { s: Side; p: Candidate['predicate']; o: Side; certainty?: Candidate['certainty']; quote?: string; confidence?: number }[]): Promise<Candidate[]> {
  const { rows: chunks } = await rt.db.query<{ id: string }>('SELECT id FROM chunks WHERE source_id = $1 ORDER BY ordinal LIMIT 1', [sourceId]);
  const base = nextOffset;
  nextOffset += triples.length * 10;
  const items = triples.map((t, i) => ({
    subject: { text: t.s.text, entityId: t.s.id, type: t.s.type ?? null },
    predicate: t.p,
    object: { text: t.o.text, entityId: t.o.id, type: t.o.type ?? null },
    certainty: t.certainty ?? 'present',
    qualifiers: {},
    quote: t.quote ?? `${t.s.text}${t.p}${t.o.text}。`,
    quoteStart: base + i * 10,
    quoteEnd: base + i * 10 + 5,
    confidence: t.confidence ?? 0.9,
    sourceId,
    chunkId: chunks[0]?.id ?? null,
    page: 1,
    extractor: 'rules' as const,
    extractorVersion: 'test',
  }));
  await rt.db.transaction((tx) => rt.knowledge.candidates.insertMany(tx, items));
  const { items: all } = await rt.knowledge.candidates.list({ sourceId }, { limit: 500, offset: 0 });
  return triples.map((_, i) => all.find((c) => c.quoteStart === base + i * 10) as Candidate);
}

const LUAD: Side = { id: 'dis.lung_adenocarcinoma', text: '肺腺癌' };
const GGN: Side = { id: 'sign.ground_glass_nodule', text: '磨玻璃结节' };
/** GGO is ground-glass opacity (磨玻璃影), an entry of its own beside GGN: an alias names the same concept only. */
const GGO: Side = { id: 'sign.ground_glass_opacity', text: '磨玻璃影' };
const LOBULATION: Side = { id: 'sign.lobulation', text: '分叶征' };
const SPICULATION: Side = { id: 'sign.spiculation', text: '毛刺征' };
const TB: Side = { id: 'dis.pulmonary_tuberculosis', text: '肺结核' };
const RESECTION: Side = { id: 'treat.surgical_resection', text: '手术切除' };

export function knowledgeSuite(name: string, env: () => Promise<{ env: Record<string, string>; drop?: () => Promise<void> }>) {
  describe(`knowledge review (${name})`, () => {
    let rt: Runtime;
    let drop: (() => Promise<void>) | undefined;
    let srcA: string;
    let srcB: string;

    beforeAll(async () => {
      const e = await env();
      drop = e.drop;
      rt = await testRuntime({ YZ_AUTO_EXTRACT: 'off', ...e.env }, { inMemory: !e.env.DATABASE_URL });
      const a = await rt.ingest.register(Buffer.from(DOC('肺结节指南A', '肺腺癌常表现为磨玻璃结节。')), 'kg-a.md', {});
      const b = await rt.ingest.register(Buffer.from(DOC('肺癌教材B', '肺腺癌可见分叶征和毛刺征。')), 'kg-b.md', { kind: 'textbook' });
      await rt.runner.drain();
      srcA = a.source.id;
      srcB = b.source.id;
    });
    afterAll(async () => {
      await rt?.close();
      await drop?.();
    });

    it('seeds the lexicon as canonical entities once', async () => {
      expect(await rt.knowledge.entities.count()).toBe(rt.lexicon.entries.length);
      expect((await rt.knowledge.entities.seedFromLexicon(rt.lexicon)).seeded).toBe(false);
      // Seeding leaves planner statistics (an embedded database never gets them by itself): pg_class knows the rows.
      const { rows } = await rt.db.query<{ n: number }>("SELECT reltuples AS n FROM pg_class WHERE relname = 'kg_entities'");
      expect(Number(rows[0].n)).toBeGreaterThan(0);
      const ggo = await rt.knowledge.entities.byExactSurface('ＧＧＯ');
      expect(ggo.map((e) => e.id)).toEqual([GGO.id]);
    });

    it('approval writes relation, evidence, history, audit and graph event in one go, and the graph shows it', async () => {
      const [c] = await propose(rt, srcA, [{ s: LUAD, p: 'has_sign', o: GGN }]);
      const approved = await rt.knowledge.review.approve(c.id, { actor: 'dr.li', comment: '与指南一致' });
      expect(approved.status).toBe('approved');
      expect(approved.reviewedBy).toBe('dr.li');
      const rel = await rt.knowledge.relations.get(approved.relationId as string);
      expect(rel).toMatchObject({ subject: { id: LUAD.id }, predicate: 'has_sign', object: { id: GGN.id }, certainty: 'present', status: 'active' });
      expect(rel?.evidence).toHaveLength(1);
      expect(rel?.evidence[0]).toMatchObject({ sourceTitle: '肺结节指南A', version: '2024版', year: 2024, page: 1, candidateId: c.id });
      const history = await rt.knowledge.relations.history({ relationId: rel?.id });
      expect(history.map((h) => h.action)).toEqual(['created', 'approved']);
      const { rows: audit } = await rt.db.query<{ action: string; actor: string; target: string }>("SELECT action, actor, target FROM audit_log WHERE action = 'review.approve'");
      expect(audit).toContainEqual({ action: 'review.approve', actor: 'dr.li', target: c.id });
      expect((await verify(rt.db)).ok).toBe(true);

      expect((await rt.knowledge.projector.status()).pending).toBeGreaterThan(0);
      await rt.knowledge.projector.catchUp();
      expect((await rt.knowledge.projector.status()).pending).toBe(0);
      const hood = await rt.knowledge.graph.neighbours(LUAD.id as string, { depth: 1 });
      const edge = hood.edges.find((e) => e.id === rel?.id);
      expect(edge).toMatchObject({ subjectId: LUAD.id, objectId: GGN.id, predicate: 'has_sign', sourceIds: [srcA] });
      expect(edge?.evidence[0]).toMatchObject({ sourceTitle: '肺结节指南A', page: 1 });
      expect(hood.nodes.map((n) => n.id).sort()).toEqual([LUAD.id, GGN.id].sort());
    });

    it('a second source stating the same triple adds evidence to the same relation and is counted as agreeing', async () => {
      const [c] = await propose(rt, srcB, [{ s: LUAD, p: 'has_sign', o: GGN, quote: '肺腺癌多见磨玻璃结节。' }]);
      expect(c.conflicts.activeRelationId).not.toBeNull();
      const approved = await rt.knowledge.review.approve(c.id, { actor: 'dr.wang' });
      const rel = await rt.knowledge.relations.get(approved.relationId as string);
      expect(rel?.evidence.map((e) => e.sourceTitle).sort()).toEqual(['肺癌教材B', '肺结节指南A']);
      expect(rel?.version).toBe(2);
    });

    it('refuses to approve a rejected candidate, a stale version, and a candidate approved by someone else', async () => {
      const [a, b] = await propose(rt, srcB, [{ s: LUAD, p: 'has_sign', o: LOBULATION }, { s: LUAD, p: 'has_sign', o: SPICULATION }]);
      await rt.knowledge.review.reject(a.id, { actor: 'dr.li', comment: '证据不足' });
      await expect(rt.knowledge.review.approve(a.id, { actor: 'dr.wang' })).rejects.toMatchObject({ code: 'STATE_CONFLICT', status: 409 });
      await expect(rt.knowledge.review.approve(b.id, { actor: 'dr.wang', expectedVersion: b.rowVersion + 1 })).rejects.toMatchObject({ code: 'STATE_CONFLICT', field: 'expectedVersion' });
      // Two reviewers at once: exactly one wins, the other is told who did.
      const results = await Promise.allSettled([
        rt.knowledge.review.approve(b.id, { actor: 'dr.li', expectedVersion: b.rowVersion }),
        rt.knowledge.review.approve(b.id, { actor: 'dr.wang', expectedVersion: b.rowVersion }),
      ]);
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      const loser = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
      expect(loser.reason).toMatchObject({ code: 'STATE_CONFLICT' });
      const { rows } = await rt.db.query<{ n: number }>('SELECT count(*)::int AS n FROM kg_evidence WHERE candidate_id = $1', [b.id]);
      expect(rows[0].n).toBe(1);
    });

    it('flags contradicting certainty and needs an explicit override to change the approved relation', async () => {
      const [neg] = await propose(rt, srcB, [{ s: LUAD, p: 'has_sign', o: GGN, certainty: 'absent', quote: '肺腺癌未见磨玻璃结节。' }]);
      expect(neg.conflicts.contradicting.map((x) => x.kind)).toContain('relation');
      const { items } = await rt.knowledge.candidates.list({ conflict: true, status: 'pending' }, { limit: 50, offset: 0 });
      expect(items.map((i) => i.id)).toContain(neg.id);
      await expect(rt.knowledge.review.approve(neg.id, { actor: 'dr.li' })).rejects.toMatchObject({ code: 'STATE_CONFLICT', field: 'certainty' });
      await rt.knowledge.review.reject(neg.id, { actor: 'dr.li', comment: '与多部指南矛盾' });
    });

    it('edit-then-approve checks predicate domain/range, needs resolved entities, and can create a new entity', async () => {
      const [c1, c2] = await propose(rt, srcA, [
        { s: LUAD, p: 'treated_by', o: GGN },
        { s: { id: null, text: '肺磨玻璃样腺癌' }, p: 'treated_by', o: RESECTION },
      ]);
      await expect(rt.knowledge.review.approve(c1.id, { actor: 'dr.li' })).rejects.toMatchObject({ code: 'VALIDATION_FAILED', field: 'objectId' });
      const edited = await rt.knowledge.review.approve(c1.id, { actor: 'dr.li', edit: { objectId: RESECTION.id as string } });
      expect(edited.object.entityId).toBe(RESECTION.id);
      const hist = await rt.knowledge.relations.history({ candidateId: c1.id });
      expect(hist.find((h) => h.action === 'edit_approved')?.before).toMatchObject({ objectId: GGN.id });

      await expect(rt.knowledge.review.approve(c2.id, { actor: 'dr.li' })).rejects.toMatchObject({ code: 'VALIDATION_FAILED', field: 'subjectId' });
      const created = await rt.knowledge.review.approve(c2.id, { actor: 'dr.li', edit: { subjectNew: { type: 'Disease', nameZh: '肺磨玻璃样腺癌', aliases: ['GGO型腺癌'] } } });
      const ent = await rt.knowledge.entities.get(created.subject.entityId as string);
      expect(ent).toMatchObject({ origin: 'review', nameZh: '肺磨玻璃样腺癌', aliases: ['GGO型腺癌'] });
      expect((await rt.knowledge.entities.search('ggo型')).map((e) => e.id)).toContain(ent?.id);
    });

    it('merges an entity into another reversibly, and refuses a merge that would create a cycle', async () => {
      // A reviewer-created duplicate of 肺结核 with one relation of its own.
      const [c] = await propose(rt, srcA, [{ s: { id: null, text: '继发性肺痨' }, p: 'has_sign', o: LOBULATION }]);
      const approved = await rt.knowledge.review.approve(c.id, { actor: 'dr.li', edit: { subjectNew: { type: 'Disease', nameZh: '继发性肺痨' } } });
      const dupId = approved.subject.entityId as string;
      const relId = approved.relationId as string;
      const [pending] = await propose(rt, srcB, [{ s: { id: dupId, text: '继发性肺痨' }, p: 'has_sign', o: SPICULATION }]);

      const merge = await rt.knowledge.merges.mergeEntity(dupId, TB.id as string, { actor: 'dr.li', comment: '同一疾病' });
      expect(merge.changes.relationsMoved).toEqual([{ id: relId, side: 'subject' }]);
      expect((await rt.knowledge.relations.get(relId))?.subject.id).toBe(TB.id);
      expect((await rt.knowledge.candidates.get(pending.id))?.subject.entityId).toBe(TB.id);
      expect((await rt.knowledge.entities.byExactSurface('继发性肺痨')).map((e) => e.id)).toEqual([TB.id]);
      // Extraction resolves a chunk's mentions in one go: the batch answers equal the one-at-a-time ones.
      expect(Object.fromEntries(await rt.knowledge.entities.canonicalIds([dupId, TB.id as string, 'dis.no_such_entity']))).toEqual({
        [dupId]: TB.id, [TB.id as string]: TB.id, 'dis.no_such_entity': 'dis.no_such_entity',
      });
      const surfaces = ['继发性肺痨', 'ＧＧＯ', '磨玻璃结节', '未知术语甲'];
      const batch = await rt.knowledge.entities.activeBySurfaces(surfaces);
      for (const s of surfaces) expect(batch.get(s)?.map((e) => e.id), s).toEqual((await rt.knowledge.entities.byExactSurface(s)).map((e) => e.id));
      expect(batch.get('继发性肺痨')).toEqual([{ id: TB.id, type: 'Disease' }]);
      await expect(rt.knowledge.merges.mergeEntity(TB.id as string, dupId, { actor: 'dr.li' })).rejects.toMatchObject({ code: 'STATE_CONFLICT', field: 'intoId' });
      await rt.knowledge.projector.catchUp();
      expect(await rt.knowledge.graph.getEntity(dupId)).toBeNull();
      expect((await rt.knowledge.graph.getRelation(relId))?.subjectId).toBe(TB.id);

      await rt.knowledge.merges.undo(merge.id, { actor: 'dr.li' });
      expect((await rt.knowledge.relations.get(relId))?.subject.id).toBe(dupId);
      expect((await rt.knowledge.candidates.get(pending.id))?.subject.entityId).toBe(dupId);
      expect((await rt.knowledge.entities.get(dupId))?.mergedInto).toBeNull();
      expect((await rt.knowledge.entities.byExactSurface('继发性肺痨')).map((e) => e.id)).toEqual([dupId]);
      await expect(rt.knowledge.merges.undo(merge.id, { actor: 'dr.li' })).rejects.toMatchObject({ code: 'STATE_CONFLICT' });
      await rt.knowledge.projector.catchUp();
      expect((await rt.knowledge.graph.getRelation(relId))?.subjectId).toBe(dupId);
      expect(await rt.knowledge.graph.getEntity(dupId)).not.toBeNull();
    });

    it('maps a free-text surface onto an entity, resolving waiting candidates, and undoes it', async () => {
      const [c] = await propose(rt, srcA, [{ s: LUAD, p: 'has_sign', o: { id: null, text: '磨玻璃密度灶' } }]);
      const suggestions = await rt.knowledge.resolver.suggest('磨玻璃密度灶');
      expect(suggestions[0]).toMatchObject({ entityId: GGO.id, method: 'fuzzy' });
      expect(suggestions[0].score).toBeLessThan(1);
      const merge = await rt.knowledge.merges.mergeSurface('磨玻璃密度灶', GGO.id as string, { actor: 'dr.li' });
      expect(merge.changes.candidates).toEqual([{ id: c.id, side: 'object' }]);
      expect((await rt.knowledge.candidates.get(c.id))?.object.entityId).toBe(GGO.id);
      await expect(rt.knowledge.merges.mergeSurface('GGO', TB.id as string, { actor: 'dr.li' })).rejects.toMatchObject({ code: 'STATE_CONFLICT', field: 'fromSurface' });
      await rt.knowledge.merges.undo(merge.id, { actor: 'dr.li' });
      expect((await rt.knowledge.candidates.get(c.id))?.object.entityId).toBeNull();
    });

    it('bulk-approves by filter, reporting the ones that fail', async () => {
      await propose(rt, srcB, [
        { s: TB, p: 'has_sign', o: LOBULATION, quote: '肺结核可见分叶征。', confidence: 0.99 },
        { s: TB, p: 'treated_by', o: GGN, quote: '错误类型示例。', confidence: 0.99 },
      ]);
      const r = await rt.knowledge.review.bulk('approve', { filter: { entityId: TB.id as string, minConfidence: 0.95 } }, { actor: 'dr.li' });
      expect(r.done).toHaveLength(1);
      expect(r.failed).toEqual([expect.objectContaining({ code: 'VALIDATION_FAILED' })]);
    });

    it('retires a relation and removes it from the graph', async () => {
      const { items } = await rt.knowledge.relations.list({ status: 'active', entityId: TB.id as string }, { limit: 10, offset: 0 });
      const rel = items[0];
      await rt.knowledge.review.retire(rel.id, { actor: 'dr.li', reason: '新版指南已更新' });
      await expect(rt.knowledge.review.retire(rel.id, { actor: 'dr.li', reason: 'again' })).rejects.toMatchObject({ code: 'STATE_CONFLICT' });
      await rt.knowledge.projector.catchUp();
      expect(await rt.knowledge.graph.getRelation(rel.id)).toBeNull();
      expect((await rt.knowledge.relations.get(rel.id))?.status).toBe('retired');
    });

    it('rebuild replays the outbox into an emptied store with the same result', async () => {
      await rt.knowledge.projector.catchUp();
      const before = await rt.knowledge.graph.stats();
      const r = await rt.knowledge.projector.rebuild();
      expect(r.applied).toBeGreaterThan(0);
      expect(await rt.knowledge.graph.stats()).toEqual(before);
      expect(before.relations).toBe((await rt.knowledge.relations.counts()).active);
    });
  });
}

knowledgeSuite('PGlite', async () => ({ env: {} }));
if (serverAvailable()) {
  knowledgeSuite('PostgreSQL server', async () => {
    const db = await createServerDatabase();
    return { env: { DATABASE_URL: db.url }, drop: db.drop };
  });
}
