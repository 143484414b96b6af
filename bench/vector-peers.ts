
/** pgvector's HNSW defaults (m = 16, ef_construction = 64), so both graphs are built alike. */
const M = 16;
const EF_CONSTRUCTION = 64;

/** An in-process vector index over the same vectors as ours: top-k labels (indexes into the input), nearest first. */
export interface VectorPeer {
  name: string;
  buildMs: number;
  search(q: Float32Array, k: number): number[];
}

/**
 * hnswlib-node (the C++ hnswlib, the reference HNSW implementation) over the same unit vectors, cosine
 * space, pgvector's build parameters, and `ef` as our query sets `hnsw.ef_search`.
 */
export async function hnswPeer(vectors: Float32Array[], dims: number, ef: number): Promise<VectorPeer | null> {
  // An optional dependency compiled by node-gyp at install: a machine without a C++ toolchain has none.
  const hnswlib = await import('hnswlib-node').then((m) => m.default, () => null);
  if (!hnswlib) return null;
  const t0 = performance.now();
  const index = new hnswlib.HierarchicalNSW('cosine', dims);
  index.initIndex({ maxElements: vectors.length, m: M, efConstruction: EF_CONSTRUCTION, randomSeed: 42 });
  for (const [i, v] of vectors.entries()) index.addPoint(Array.from(v), i);
  index.setEf(ef);
  const buildMs = performance.now() - t0;
  return { name: `hnswlib-node 3.0 (HNSW m=${M}, ef_construction=${EF_CONSTRUCTION}, ef=${ef})`, buildMs, search: (q, k) => index.searchKnn(Array.from(q), k).neighbors };
}

/** Exact cosine top-k by a full scan: the ground truth both HNSW indexes are scored against. */
export function exactTopK(vectors: Float32Array[], q: Float32Array, k: number): number[] {
  const qn = Math.hypot(...q) || 1;
  const best: Array<{ i: number; s: number }> = [];
  for (const [i, v] of vectors.entries()) {
    let dot = 0;
    let vv = 0;
    for (let d = 0; d < v.length; d++) {
      dot += v[d] * q[d];
      vv += v[d] * v[d];
    }
    const s = dot / (qn * (Math.sqrt(vv) || 1));
    if (best.length < k || s > best[best.length - 1].s) {
      best.push({ i, s });
      best.sort((a, b) => b.s - a.s);
      if (best.length > k) best.pop();
    }
  }
  return best.map((b) => b.i);
}
