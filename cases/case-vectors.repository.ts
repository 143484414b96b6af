import type { Database, Queryable } from '../store/index.ts';

/** Rows read or written per statement: a 50,000-case library is a few round trips, never one 50k-parameter query. */
const BATCH = 5000;

/**
 * Persisted case vectors (store/migrations/089_case_vectors.sql): one Float32 vector per embedder model and
 * findings-text hash, so an index rebuild (a new process, an edited case) embeds only texts never embedded before.
 */
export class CaseVectorsRepository {
  constructor(private readonly db: Database) {}

  /** The stored vectors of these text hashes for a model (hashes without one are absent from the map). */
  async get(model: string, hashes: readonly string[]): Promise<Map<string, Float32Array>> {
    const out = new Map<string, Float32Array>();
    for (let i = 0; i < hashes.length; i += BATCH) {
      const { rows } = await this.db.query<{ text_hash: string; dim: number; vector: string }>(
        'SELECT text_hash, dim, vector FROM case_vectors WHERE model = $1 AND text_hash = ANY($2)', [model, hashes.slice(i, i + BATCH)],
      );
      for (const r of rows) {
        const bytes = Buffer.from(r.vector, 'base64');
        if (bytes.byteLength === r.dim * 4) out.set(r.text_hash, fromBytes(bytes, r.dim));
      }
    }
    return out;
  }

  /** Store vectors (a hash stored already keeps its row: the same model and text give the same vector). */
  async put(model: string, vectors: ReadonlyArray<readonly [string, Float32Array]>, q: Queryable = this.db): Promise<void> {
    for (let i = 0; i < vectors.length; i += BATCH) {
      const batch = vectors.slice(i, i + BATCH);
      await q.query(
        `INSERT INTO case_vectors (model, text_hash, dim, vector)
         SELECT $1, h, d, v FROM unnest($2::text[], $3::int[], $4::text[]) AS t(h, d, v) ON CONFLICT (model, text_hash) DO NOTHING`,
        [model, batch.map(([h]) => h), batch.map(([, v]) => v.length), batch.map(([, v]) => toBytes(v).toString('base64'))],
      );
    }
  }
}

/** A Float32Array's bytes (the platform's byte order, little-endian on every machine the product runs on); stored as base64. */
const toBytes = (v: Float32Array) => Buffer.from(v.buffer, v.byteOffset, v.byteLength);

function fromBytes(b: Uint8Array, dim: number): Float32Array {
  const v = new Float32Array(dim);
  new Uint8Array(v.buffer).set(b.subarray(0, dim * 4));
  return v;
}
