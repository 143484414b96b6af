import type { Queryable } from '../store/index.ts';
import type { Collection, CollectionPatch } from './collection.schema.ts';

interface CollectionRow {
  id: string;
  name: string;
  description: string;
  roles: string[];
  is_default: boolean;
  demo: boolean;
  source_count: number;
  created_by: string;
  created_at: Date;
  updated_at: Date;
}

const SELECT = `SELECT c.*, (SELECT count(*)::int FROM collection_sources cs WHERE cs.collection_id = c.id) AS source_count FROM collections c`;

function toCollection(r: CollectionRow): Collection {
  return {
    id: r.id,
    name: r.name,
    description: r.description,
    roles: r.roles as Collection['roles'],
    isDefault: r.is_default,
    demo: r.demo,
    sourceCount: r.source_count,
    createdBy: r.created_by,
    createdAt: new Date(r.created_at).toISOString(),
    updatedAt: new Date(r.updated_at).toISOString(),
  };
}

/** Collections, their roles and their sources (migration 078). */
export class CollectionsRepository {
  /** Every collection, the default first, then by name. */
  async list(q: Queryable): Promise<Collection[]> {
    const { rows } = await q.query<CollectionRow>(`${SELECT} ORDER BY c.is_default DESC, c.name`);
    return rows.map(toCollection);
  }

  /** One collection by id, or by name (case and surrounding spaces ignored); null when absent. */
  async find(q: Queryable, idOrName: string): Promise<Collection | null> {
    const { rows } = await q.query<CollectionRow>(`${SELECT} WHERE c.id = $1 OR lower(btrim(c.name)) = lower(btrim($1)) ORDER BY (c.id = $1) DESC LIMIT 1`, [idOrName]);
    return rows[0] ? toCollection(rows[0]) : null;
  }

  /** The collection holding `name` other than `exceptId`, or null (names are unique ignoring case). */
  async nameTaken(q: Queryable, name: string, exceptId?: string): Promise<boolean> {
    const { rows } = await q.query('SELECT 1 FROM collections WHERE lower(btrim(name)) = lower(btrim($1)) AND id <> coalesce($2, \'\')', [name, exceptId ?? null]);
    return rows.length > 0;
  }

  async insert(q: Queryable, c: { id: string; name: string; description: string; roles: string[]; demo?: boolean; createdBy: string }): Promise<void> {
    await q.query('INSERT INTO collections (id, name, description, roles, demo, created_by) VALUES ($1, $2, $3, $4::text[], $5, $6)', [
      c.id, c.name, c.description, c.roles, c.demo ?? false, c.createdBy,
    ]);
  }

  async update(q: Queryable, id: string, patch: CollectionPatch): Promise<void> {
    await q.query(
      `UPDATE collections SET name = coalesce($2, name), description = coalesce($3, description), roles = coalesce($4::text[], roles), updated_at = now() WHERE id = $1`,
      [id, patch.name ?? null, patch.description ?? null, patch.roles ?? null],
    );
  }

  async delete(q: Queryable, id: string): Promise<void> {
    await q.query('DELETE FROM collections WHERE id = $1', [id]);
  }

  /** Of `sourceIds`, those that exist. */
  async existingSources(q: Queryable, sourceIds: string[]): Promise<Set<string>> {
    const { rows } = await q.query<{ id: string }>('SELECT id FROM sources WHERE id = ANY($1::text[])', [sourceIds]);
    return new Set(rows.map((r) => r.id));
  }

  /** Add sources (already members are skipped); returns the ids added. */
  async addSources(q: Queryable, collectionId: string, sourceIds: string[], actor: string): Promise<string[]> {
    const { rows } = await q.query<{ source_id: string }>(
      `INSERT INTO collection_sources (collection_id, source_id, added_by) SELECT $1, s, $3 FROM unnest($2::text[]) AS s
       ON CONFLICT DO NOTHING RETURNING source_id`,
      [collectionId, sourceIds, actor],
    );
    await q.query('UPDATE collections SET updated_at = now() WHERE id = $1', [collectionId]);
    return rows.map((r) => r.source_id);
  }

  /** Remove sources; returns the ids removed. */
  async removeSources(q: Queryable, collectionId: string, sourceIds: string[]): Promise<string[]> {
    const { rows } = await q.query<{ source_id: string }>(
      'DELETE FROM collection_sources WHERE collection_id = $1 AND source_id = ANY($2::text[]) RETURNING source_id',
      [collectionId, sourceIds],
    );
    await q.query('UPDATE collections SET updated_at = now() WHERE id = $1', [collectionId]);
    return rows.map((r) => r.source_id);
  }

  /** Collection ids of each source (sources in none are absent). */
  async membership(q: Queryable, sourceIds: string[]): Promise<Map<string, string[]>> {
    if (!sourceIds.length) return new Map();
    const { rows } = await q.query<{ source_id: string; ids: string[] }>(
      'SELECT source_id, array_agg(collection_id ORDER BY collection_id) AS ids FROM collection_sources WHERE source_id = ANY($1::text[]) GROUP BY source_id',
      [sourceIds],
    );
    return new Map(rows.map((r) => [r.source_id, r.ids]));
  }

  /** Of `sourceIds`, those in at least one of `collectionIds`. */
  async sourcesIn(q: Queryable, sourceIds: string[], collectionIds: string[]): Promise<Set<string>> {
    if (!sourceIds.length || !collectionIds.length) return new Set();
    const { rows } = await q.query<{ source_id: string }>(
      'SELECT DISTINCT source_id FROM collection_sources WHERE source_id = ANY($1::text[]) AND collection_id = ANY($2::text[])',
      [sourceIds, collectionIds],
    );
    return new Set(rows.map((r) => r.source_id));
  }
}
