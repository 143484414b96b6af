import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { GraphEntity, GraphEvent, GraphRelation, GraphStore, Subgraph } from '../graph/index.ts';

/** Data builders: complete entities and relations with overridable fields. */
export const builders = {
  entity(id: string, type: GraphEntity['type'], over: Partial<GraphEntity> = {}): GraphEntity {
    return { id, type, nameZh: `实体${id}`, nameEn: `entity ${id}`, aliases: [], codes: {}, ...over };
  },
  relation(id: string, subjectId: string, predicate: GraphRelation['predicate'], objectId: string, over: Partial<GraphRelation> = {}): GraphRelation {
    return {
      id, subjectId, predicate, objectId, certainty: 'present', qualifiers: {}, confidence: 0.9, version: 1,
      sourceIds: ['src-A'], evidence: [], demo: false, ...over,
    };
  },
};
const { entity, relation } = builders;

/**
 *       m1 ─examined_by─ d1 ─treated_by─ t1            x1 (isolated)
 *                      ╱ │ ╲
 *             has_sign╱  │  ╲has_sign(possible)
 *                   s1   a1   s2
 *    has_sign(absent)╲   │located_at
 *                     d2 ─has_sign─ s3
 *                     │
 *                 f1 suggests d2
 */
const ENTITIES = [
  entity('d1', 'Disease', { nameZh: '肺腺癌', nameEn: 'lung adenocarcinoma' }), entity('d2', 'Disease', { nameZh: '肺结核' }),
  entity('x1', 'Disease'), entity('s1', 'Sign', { nameZh: '磨玻璃结节' }), entity('s2', 'Sign', { nameZh: '分叶征' }),
  entity('s3', 'Sign', { nameZh: '空洞' }), entity('a1', 'Anatomy', { nameZh: '右肺上叶' }), entity('m1', 'Modality', { nameZh: 'CT' }),
  entity('t1', 'Treatment', { nameZh: '手术切除' }), entity('f1', 'Finding', { nameZh: '胸腔积液' }),
];
const RELATIONS = [
  relation('r01', 'd1', 'has_sign', 's1'),
  relation('r02', 'd1', 'has_sign', 's2', { certainty: 'possible' }),
  relation('r03', 'd1', 'located_at', 'a1', { sourceIds: ['src-B'] }),
  relation('r04', 'd2', 'has_sign', 's3', { sourceIds: ['src-B'] }),
  relation('r05', 'd2', 'located_at', 'a1', { sourceIds: ['src-A', 'src-B'] }),
  relation('r06', 'd1', 'examined_by', 'm1', { sourceIds: ['src-C'] }),
  relation('r07', 'd1', 'treated_by', 't1', { sourceIds: ['src-C'] }),
  relation('r08', 'd2', 'has_sign', 's1', { certainty: 'absent', sourceIds: ['src-B'] }),
  relation('r09', 'f1', 'suggests', 'd2', { sourceIds: ['src-B'] }),
];
const SEED: GraphEvent[] = [
  ...ENTITIES.map((e) => ({ type: 'entity.upsert' as const, entity: e })),
  ...RELATIONS.map((r) => ({ type: 'relation.upsert' as const, relation: r })),
];

const nodeIds = (g: Subgraph | null) => g?.nodes.map((n) => n.id);
const edgeIds = (g: Subgraph | null) => g?.edges.map((e) => e.id);

/** A path is a chain: edge i joins node i and node i+1, in either direction. */
function expectChain(g: Subgraph | null, from: string, to: string, hops: number): void {
  expect(g).not.toBeNull();
  const nodes = nodeIds(g) as string[];
  expect(nodes[0]).toBe(from);
  expect(nodes[nodes.length - 1]).toBe(to);
  expect(g?.edges).toHaveLength(hops);
  for (const [i, e] of (g?.edges ?? []).entries()) expect([e.subjectId, e.objectId].sort()).toEqual([nodes[i], nodes[i + 1]].sort());
}

/**
 * The contract every GraphStore honours (PgGraphStore on PGlite and on PostgreSQL, Neo4jGraphStore):
 * round trips, idempotent and versioned writes, traversal with filters and limits, paths, merges,
 * retirement, removal and batches. `open` returns an initialised-or-not store on an empty graph.
 */
export function graphStoreContract(name: string, open: () => Promise<GraphStore>, teardown?: () => Promise<void>): void {
  describe(`graph store contract: ${name}`, () => {
    let store: GraphStore;
    beforeAll(async () => {
      store = await open();
      await store.init();
      await store.init(); // idempotent
    });
    afterAll(async () => {
      await store?.close();
      await teardown?.();
    });
    beforeEach(async () => {
      await store.clear();
      await store.apply(SEED);
    });

    it('round-trips entities and relations with aliases, codes, qualifiers and evidence', async () => {
      const e = entity('e-rt', 'Finding', { nameZh: '磨玻璃影', nameEn: 'ground-glass opacity', aliases: ['GGO', "o'k \"quoted\""], codes: { radlex: 'RID28530', icd10: 'R91.8' } });
      const r = relation('r-rt', 'e-rt', 'suggests', 'd1', {
        certainty: 'possible', qualifiers: { size: '<3 cm', 部位: '右肺上叶' }, confidence: 0.87, version: 3, sourceIds: ['src-A', 'src-Z'], demo: true,
        evidence: [
          { sourceId: 'src-A', sourceTitle: '肺结节诊治指南', version: '2024', year: 2024, page: 12, chunkId: 'chk_1', quote: '磨玻璃结节提示…' },
          { sourceId: 'src-Z', sourceTitle: 'Textbook', version: null, year: null, page: null, chunkId: null, quote: 'GGO suggests' },
        ],
      });
      await store.upsertEntities([e]);
      await store.upsertRelations([r]);
      expect(await store.getEntity('e-rt')).toEqual(e);
      expect(await store.getRelation('r-rt')).toEqual(r);
      expect(await store.getEntity('missing')).toBeNull();
      expect(await store.getRelation('missing')).toBeNull();
      await store.upsertEntities([{ ...e, type: 'Sign', aliases: [], codes: {} }]);
      expect(await store.getEntity('e-rt')).toEqual({ ...e, type: 'Sign', aliases: [], codes: {} });
      expect((await store.stats()).byType).toMatchObject({ Sign: 4, Finding: 1 });
    });

    it('re-applying the same events, or a merge, changes nothing', async () => {
      const snapshot = async () => ({
        stats: await store.stats(), n: await store.neighbours('d1', { depth: 2 }), r: await store.getRelation('r02'), e: await store.getEntity('s1'),
      });
      const before = await snapshot();
      await store.apply(SEED);
      await store.apply(SEED);
      expect(await snapshot()).toEqual(before);
      const merge: GraphEvent = { type: 'entity.merge', fromId: 's2', intoId: 's1' };
      await store.apply([merge]);
      const merged = await snapshot();
      expect([merged.stats.entities, merged.r?.objectId]).toEqual([9, 's1']);
      await store.apply([merge, merge]);
      expect(await snapshot()).toEqual(merged);
    });

    it('ignores an upsert older than the stored version, in one batch or across batches', async () => {
      const v3 = relation('r01', 'd1', 'has_sign', 's1', { version: 3, certainty: 'possible', confidence: 0.5 });
      await store.apply([{ type: 'relation.upsert', relation: v3 }]);
      await store.apply([{ type: 'relation.upsert', relation: { ...v3, version: 2, certainty: 'absent' } }]);
      expect(await store.getRelation('r01')).toEqual(v3);
      await store.upsertRelations([{ ...v3, version: 5, confidence: 0.7 }, { ...v3, version: 4, confidence: 0.1 }]);
      expect((await store.getRelation('r01'))?.confidence).toBe(0.7);
    });

    it('moves a relation whose predicate or endpoints change in a newer version', async () => {
      await store.upsertRelations([relation('r03', 'd2', 'located_at', 'a1', { version: 2 }), relation('r07', 'd1', 'complication_of', 't1', { version: 2 })]);
      expect(await store.getRelation('r03')).toMatchObject({ subjectId: 'd2', objectId: 'a1', version: 2 });
      expect(await store.getRelation('r07')).toMatchObject({ predicate: 'complication_of', version: 2 });
      const stats = await store.stats();
      expect(stats.relations).toBe(9);
      expect(stats.byPredicate).toEqual({ has_sign: 4, located_at: 2, examined_by: 1, complication_of: 1, suggests: 1 });
      expect(nodeIds(await store.neighbours('d1'))).toEqual(['d1', 'm1', 's1', 's2', 't1']);
    });

    it('skips a relation whose endpoint is not in the graph', async () => {
      await store.upsertRelations([relation('r-ghost', 'd1', 'has_sign', 'ghost')]);
      expect(await store.getRelation('r-ghost')).toBeNull();
      expect((await store.stats()).relations).toBe(9);
    });

    it('returns the 1- and 2-hop neighbourhood with the edges among its nodes', async () => {
      const one = await store.neighbours('d1');
      expect(nodeIds(one)).toEqual(['d1', 'a1', 'm1', 's1', 's2', 't1']);
      expect(edgeIds(one)).toEqual(['r01', 'r02', 'r03', 'r06', 'r07']);
      expect(one.truncated).toBe(false);
      expect(one.nodes[0]).toEqual(ENTITIES[0]);
      const two = await store.neighbours('d1', { depth: 2 });
      expect(nodeIds(two)).toEqual(['d1', 'a1', 'm1', 's1', 's2', 't1', 'd2']);
      expect(edgeIds(two)).toEqual(['r01', 'r02', 'r03', 'r05', 'r06', 'r07', 'r08']);
      expect(nodeIds(await store.neighbours('d1', { depth: 3 }))).toEqual(['d1', 'a1', 'm1', 's1', 's2', 't1', 'd2', 'f1', 's3']);
      expect(nodeIds(await store.neighbours('s3'))).toEqual(['s3', 'd2']); // against the edge direction
      expect(await store.neighbours('x1')).toEqual({ nodes: [ENTITIES[2]], edges: [], truncated: false });
      expect(await store.neighbours('missing')).toEqual({ nodes: [], edges: [], truncated: false });
      await expect(store.neighbours('d1', { depth: 4 })).rejects.toMatchObject({ code: 'VALIDATION_FAILED', field: 'depth' });
    });

    it('filters the neighbourhood by predicate, entity type, source and certainty', async () => {
      const bySign = await store.neighbours('d1', { depth: 2, filter: { predicates: ['has_sign'] } });
      expect([nodeIds(bySign), edgeIds(bySign)]).toEqual([['d1', 's1', 's2', 'd2'], ['r01', 'r02', 'r08']]);
      const byType = await store.neighbours('d1', { depth: 2, filter: { types: ['Sign', 'Anatomy'] } });
      expect([nodeIds(byType), edgeIds(byType)]).toEqual([['d1', 'a1', 's1', 's2'], ['r01', 'r02', 'r03']]);
      const bySource = await store.neighbours('d1', { depth: 2, filter: { sourceIds: ['src-A'] } });
      expect([nodeIds(bySource), edgeIds(bySource)]).toEqual([['d1', 's1', 's2'], ['r01', 'r02']]);
      const byCertainty = await store.neighbours('d1', { filter: { certainty: ['present'] } });
      expect(nodeIds(byCertainty)).toEqual(['d1', 'a1', 'm1', 's1', 't1']);
      const empty = await store.neighbours('d1', { filter: { predicates: [], types: [] } });
      expect(nodeIds(empty)).toEqual(nodeIds(await store.neighbours('d1')));
    });

    it('stops at the node limit, nearest first, and says so', async () => {
      const cut = await store.neighbours('d1', { depth: 2, limit: 3 });
      expect([nodeIds(cut), edgeIds(cut), cut.truncated]).toEqual([['d1', 'a1', 'm1'], ['r03', 'r06'], true]);
      expect((await store.neighbours('d1', { limit: 6 })).truncated).toBe(false);
      expect((await store.neighbours('d1', { limit: 5 })).truncated).toBe(true);
      expect((await store.neighbours('d1', { depth: 2, limit: 6 })).truncated).toBe(true);
      expect(await store.neighbours('d1', { limit: 1 })).toEqual({ nodes: [ENTITIES[0]], edges: [], truncated: true });
    });

    it('finds a shortest path, undirected, within maxHops and the filter', async () => {
      const p = await store.shortestPath('d1', 'f1', { filter: { predicates: ['located_at', 'suggests'] } });
      expect([nodeIds(p), edgeIds(p)]).toEqual([['d1', 'a1', 'd2', 'f1'], ['r03', 'r05', 'r09']]);
      expectChain(await store.shortestPath('s2', 's3'), 's2', 's3', 4);
      expectChain(await store.shortestPath('s3', 'm1'), 's3', 'm1', 4);
      const viaSigns = await store.shortestPath('d1', 'd2', { filter: { types: ['Sign'] } });
      expect([nodeIds(viaSigns), edgeIds(viaSigns)]).toEqual([['d1', 's1', 'd2'], ['r01', 'r08']]);
      expect(edgeIds(await store.shortestPath('d1', 'd2', { filter: { certainty: ['present'] } }))).toEqual(['r03', 'r05']);
      expect(await store.shortestPath('d1', 'f1', { maxHops: 2 })).toBeNull();
      expectChain(await store.shortestPath('d1', 'f1', { maxHops: 3 }), 'd1', 'f1', 3);
      expect(await store.shortestPath('d1', 'x1')).toBeNull();
      expect(await store.shortestPath('d1', 'missing')).toBeNull();
      expect(await store.shortestPath('d1', 'd2', { filter: { predicates: ['treated_by'] } })).toBeNull();
      expect(await store.shortestPath('d1', 'd1')).toEqual({ nodes: [ENTITIES[0]], edges: [], truncated: false });
    });

    it('returns the subgraph matching a filter, capped by edges', async () => {
      const signs = await store.subgraph({ predicates: ['has_sign'] });
      expect([nodeIds(signs), edgeIds(signs), signs.truncated]).toEqual([['d1', 'd2', 's1', 's2', 's3'], ['r01', 'r02', 'r04', 'r08'], false]);
      expect(edgeIds(await store.subgraph({ types: ['Disease', 'Sign'] }))).toEqual(['r01', 'r02', 'r04', 'r08']);
      expect(edgeIds(await store.subgraph({ sourceIds: ['src-C', 'src-X'] }))).toEqual(['r06', 'r07']);
      expect(edgeIds(await store.subgraph({ certainty: ['absent'] }))).toEqual(['r08']);
      const capped = await store.subgraph({}, { limit: 2 });
      expect([nodeIds(capped), edgeIds(capped), capped.truncated]).toEqual([['d1', 's1', 's2'], ['r01', 'r02'], true]);
      expect((await store.subgraph({})).edges).toHaveLength(9);
    });

    it('counts entities by type and relations by predicate', async () => {
      expect(await store.stats()).toEqual({
        entities: 10, relations: 9,
        byType: { Disease: 3, Sign: 3, Anatomy: 1, Modality: 1, Treatment: 1, Finding: 1 },
        byPredicate: { has_sign: 4, located_at: 2, examined_by: 1, treated_by: 1, suggests: 1 },
      });
    });

    it('merges an entity: its edges on either side move to the target and it disappears', async () => {
      await store.apply([{ type: 'entity.merge', fromId: 'd2', intoId: 'd1' }]);
      expect(await store.getEntity('d2')).toBeNull();
      expect(await store.getRelation('r04')).toEqual({ ...RELATIONS[3], subjectId: 'd1' });
      expect(await store.getRelation('r09')).toEqual({ ...RELATIONS[8], objectId: 'd1' });
      expect(await store.getRelation('r08')).toMatchObject({ subjectId: 'd1', objectId: 's1', version: 1 });
      const n = await store.neighbours('d1');
      expect(nodeIds(n)).toEqual(['d1', 'a1', 'f1', 'm1', 's1', 's2', 's3', 't1']);
      expect(edgeIds(n)).toEqual(RELATIONS.map((r) => r.id));
      expect(await store.stats()).toMatchObject({ entities: 9, relations: 9, byType: { Disease: 2 } });
      // Into an entity the graph does not have: the merged one goes, with its edges.
      await store.apply([{ type: 'entity.merge', fromId: 's3', intoId: 'nowhere' }]);
      expect([await store.getEntity('s3'), await store.getRelation('r04')]).toEqual([null, null]);
    });

    it('an edge between the merged pair becomes a loop on the target', async () => {
      await store.apply([{ type: 'entity.merge', fromId: 's2', intoId: 'd1' }]);
      expect(await store.getRelation('r02')).toMatchObject({ subjectId: 'd1', objectId: 'd1' });
      expect(edgeIds(await store.neighbours('d1'))).toEqual(['r01', 'r02', 'r03', 'r06', 'r07']);
    });

    it('retires a relation and removes an entity with its edges', async () => {
      await store.apply([{ type: 'relation.retire', relationId: 'r01' }, { type: 'relation.retire', relationId: 'never-was' }]);
      expect(await store.getRelation('r01')).toBeNull();
      expect(nodeIds(await store.neighbours('d1', { filter: { predicates: ['has_sign'] } }))).toEqual(['d1', 's2']);
      await store.apply([{ type: 'entity.remove', entityId: 'd2' }]);
      expect(await store.getEntity('d2')).toBeNull();
      expect(await store.getEntity('s3')).not.toBeNull();
      expect(await store.stats()).toMatchObject({ entities: 9, relations: 4 });
      expect(edgeIds(await store.subgraph({}))).toEqual(['r02', 'r03', 'r06', 'r07']);
    });

    it('applies events in order: a retire between two upserts leaves the later one', async () => {
      const r = relation('r-seq', 'd1', 'suggests', 'f1');
      await store.apply([
        { type: 'relation.upsert', relation: r }, { type: 'relation.retire', relationId: 'r-seq' },
        { type: 'relation.upsert', relation: { ...r, version: 2 } }, { type: 'entity.remove', entityId: 'x1' },
        { type: 'entity.upsert', entity: ENTITIES[2] },
      ]);
      expect(await store.getRelation('r-seq')).toMatchObject({ version: 2 });
      expect(await store.getEntity('x1')).toEqual(ENTITIES[2]);
    });

    it('applies a batch in one transaction: a failure leaves nothing behind', async () => {
      await store.clear();
      const poison = entity('p', 'Sign', { codes: { bad: 10n as unknown as string } }); // JSON.stringify throws on a bigint
      await expect(store.apply([...SEED, { type: 'entity.upsert', entity: poison }])).rejects.toThrow();
      expect(await store.stats()).toEqual({ entities: 0, relations: 0, byType: {}, byPredicate: {} });
    });

    it('clears everything', async () => {
      await store.clear();
      expect(await store.stats()).toEqual({ entities: 0, relations: 0, byType: {}, byPredicate: {} });
      expect(await store.getEntity('d1')).toBeNull();
      expect(await store.neighbours('d1')).toEqual({ nodes: [], edges: [], truncated: false });
    });

    it('applies 5,000 relations in one call', async () => {
      await store.clear();
      const types = ['Disease', 'Sign', 'Anatomy'] as const;
      const entities = Array.from({ length: 500 }, (_, i) => entity(`b${String(i).padStart(3, '0')}`, types[i % 3]));
      const predicates = ['has_sign', 'located_at', 'suggests'] as const;
      const relations = Array.from({ length: 5000 }, (_, i) =>
        relation(`br${String(i).padStart(4, '0')}`, entities[i % 500].id, predicates[i % 3], entities[(i + 1 + 17 * Math.floor(i / 500)) % 500].id, { version: 1 + (i % 4) }),
      );
      const t0 = performance.now();
      await store.apply([...entities.map((e) => ({ type: 'entity.upsert' as const, entity: e })), ...relations.map((r) => ({ type: 'relation.upsert' as const, relation: r }))]);
      const ms = performance.now() - t0;
      const stats = await store.stats();
      expect(stats).toMatchObject({ entities: 500, relations: 5000, byPredicate: { has_sign: 1667, located_at: 1667, suggests: 1666 } });
      expect(await store.getRelation('br4321')).toEqual(relations[4321]);
      const hub = await store.neighbours('b000', { depth: 2, limit: 50 });
      expect([hub.nodes.length, hub.truncated]).toEqual([50, true]);
      expect(ms).toBeLessThan(20_000);
    });
  });
}
