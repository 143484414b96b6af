import { describe, expect, it } from 'vitest';
import type { GraphEntity, GraphRelation } from '../graph/types.ts';
import { overviewOf } from '../ui/src/graph/overview.ts';

const entity = (id: string): GraphEntity => ({ id, type: 'Disease', nameZh: id, nameEn: '', aliases: [], codes: {} });
let seq = 0;
const rel = (s: string, o: string): GraphRelation => ({
  id: `r${++seq}`, subjectId: s, predicate: 'has_sign', objectId: o, certainty: 'present', qualifiers: {}, confidence: 1, version: 1, sourceIds: [], evidence: [], demo: false,
} as GraphRelation);

describe('graph overview (the page opens on the most connected entities)', () => {
  // Two hubs with many leaves each, linked to each other, plus a long tail of isolated pairs.
  const edges = [
    rel('hubA', 'hubB'),
    ...Array.from({ length: 20 }, (_, i) => rel('hubA', `a${i}`)),
    ...Array.from({ length: 12 }, (_, i) => rel('hubB', `b${i}`)),
    rel('a0', 'b0'),
    ...Array.from({ length: 30 }, (_, i) => rel(`x${i}`, `y${i}`)),
  ];
  const nodes = [...new Set(edges.flatMap((e) => [e.subjectId, e.objectId]))].map(entity);

  it('keeps the hubs, every link between hubs, and each hub\'s best-connected links; not the long tail', () => {
    const o = overviewOf({ nodes, edges }, 2, 3);
    expect(o.hubs).toEqual(['hubA', 'hubB']);
    expect(o.edges.some((e) => e.subjectId === 'hubA' && e.objectId === 'hubB')).toBe(true);
    // a0 and b0 (degree 2) are preferred over other leaves (degree 1).
    expect(o.edges.filter((e) => e.subjectId === 'hubA').map((e) => e.objectId)).toEqual(expect.arrayContaining(['hubB', 'a0']));
    expect(o.edges.filter((e) => e.subjectId === 'hubB').map((e) => e.objectId)).toContain('b0');
    expect(o.edges.length).toBe(1 + 3 + 3);
    expect(o.nodes.some((n) => n.id.startsWith('x'))).toBe(false);
    // Every edge's ends are drawn.
    const ids = new Set(o.nodes.map((n) => n.id));
    for (const e of o.edges) expect(ids.has(e.subjectId) && ids.has(e.objectId)).toBe(true);
  });

  it('an empty graph gives an empty overview', () => {
    expect(overviewOf({ nodes: [], edges: [] })).toEqual({ nodes: [], edges: [], hubs: [] });
  });
});
