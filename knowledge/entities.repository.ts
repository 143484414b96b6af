import { z } from 'zod';
import { AppError, type Lexicon, sha256Hex, surfaceKey } from '../core/index.ts';
import type { GraphEntity } from '../graph/index.ts';
import { type Database, type Queryable, analyzeTables } from '../store/index.ts';

export const ENTITY_TYPES = ['Disease', 'Sign', 'Finding', 'Anatomy', 'Modality', 'Exam', 'Treatment', 'Drug', 'Procedure', 'Stage'] as const;
export const EntityTypeEnum = z.enum(ENTITY_TYPES);

export const EntitySchema = z.object({
  id: z.string(),
  type: EntityTypeEnum,
  nameZh: z.string(),
  nameEn: z.string(),
  aliases: z.array(z.string()),
  codes: z.record(z.string(), z.string()),
  definition: z.string().nullable(),
  origin: z.enum(['lexicon', 'review', 'import']),
  mergedInto: z.string().nullable(),
});
export type Entity = z.infer<typeof EntitySchema>;

interface EntityRowDb {
  id: string;
  type: Entity['type'];
  name_zh: string;
  name_en: string;
  codes: Record<string, string>;
  definition: string | null;
  origin: Entity['origin'];
  merged_into: string | null;
  aliases: string[] | null;
}

const SELECT_ENTITY = `
  SELECT e.id, e.type, e.name_zh, e.name_en, e.codes, e.definition, e.origin, e.merged_into,
         coalesce((SELECT array_agg(a.surface ORDER BY a.surface) FROM kg_aliases a
                   WHERE a.entity_id = e.id AND a.kind <> 'name'), '{}') AS aliases
  FROM kg_entities e`;

function toEntity(r: EntityRowDb): Entity {
  return {
    id: r.id,
    type: r.type,
    nameZh: r.name_zh,
    nameEn: r.name_en,
    aliases: r.aliases ?? [],
    codes: r.codes ?? {},
    definition: r.definition,
    origin: r.origin,
    mergedInto: r.merged_into,
  };
}

export function toGraphEntity(e: Entity): GraphEntity {
  return { id: e.id, type: e.type, nameZh: e.nameZh, nameEn: e.nameEn, aliases: e.aliases, codes: e.codes };
}

/** Entities and their alias keys: the canonical vocabulary every triple is resolved against. */
export class EntitiesRepository {
  constructor(private readonly db: Database) {}

  /**
   * Load the authored lexicon as canonical entities (idempotent; skipped when the lexicon is unchanged).
   * Entities created by review or import are never touched.
   */
  async seedFromLexicon(lexicon: Lexicon): Promise<{ seeded: boolean; entities: number }> {
    const hash = sha256Hex(JSON.stringify(lexicon.entries));
    const { rows } = await this.db.query<{ value: string }>("SELECT value FROM kg_meta WHERE key = 'lexicon_hash'");
    if (rows[0]?.value === hash) return { seeded: false, entities: lexicon.entries.length };
    const entities = lexicon.entries.map((e) => ({
      id: e.id, type: e.type, name_zh: e.zh, name_en: e.en, codes: e.icd10 ? { icd10: e.icd10 } : {},
    }));
    const aliases: { entity_id: string; key: string; surface: string; kind: string }[] = [];
    for (const e of lexicon.entries) {
      const seen = new Set<string>();
      for (const [surface, kind] of [[e.zh, 'name'], [e.en, 'name'], ...e.aliases.map((a) => [a, 'alias'])] as const) {
        const key = surfaceKey(surface);
        if (!key || seen.has(key)) continue;
        seen.add(key);
        aliases.push({ entity_id: e.id, key, surface, kind });
      }
    }
    await this.db.transaction(async (tx) => {
      await tx.query(
        `INSERT INTO kg_entities (id, type, name_zh, name_en, codes, origin)
         SELECT id, type, name_zh, name_en, codes, 'lexicon'
         FROM jsonb_to_recordset($1::jsonb) AS x(id text, type text, name_zh text, name_en text, codes jsonb)
         ON CONFLICT (id) DO UPDATE SET type = EXCLUDED.type, name_zh = EXCLUDED.name_zh, name_en = EXCLUDED.name_en,
           codes = kg_entities.codes || EXCLUDED.codes, updated_at = now()
         WHERE kg_entities.origin = 'lexicon'`,
        [JSON.stringify(entities)],
      );
      await tx.query(
        `INSERT INTO kg_aliases (entity_id, key, surface, kind)
         SELECT entity_id, key, surface, kind FROM jsonb_to_recordset($1::jsonb) AS x(entity_id text, key text, surface text, kind text)
         ON CONFLICT (entity_id, key) DO NOTHING`,
        [JSON.stringify(aliases)],
      );
      await tx.query(
        "INSERT INTO kg_meta (key, value) VALUES ('lexicon_hash', $1) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
        [hash],
      );
    });
    // Extraction resolves mentions against these tables once per chunk: without statistics each lookup scanned every entity.
    await analyzeTables(this.db, ['kg_entities', 'kg_aliases']);
    return { seeded: true, entities: entities.length };
  }

  async get(id: string, q: Queryable = this.db): Promise<Entity | null> {
    const { rows } = await q.query<EntityRowDb>(`${SELECT_ENTITY} WHERE e.id = $1`, [id]);
    return rows[0] ? toEntity(rows[0]) : null;
  }

  async require(id: string, field: string, q: Queryable = this.db): Promise<Entity> {
    const e = await this.get(id, q);
    if (!e) throw new AppError('NOT_FOUND', `实体不存在 / unknown entity ${id}`, { field });
    return e;
  }

  async getMany(ids: string[], q: Queryable = this.db): Promise<Entity[]> {
    if (!ids.length) return [];
    const { rows } = await q.query<EntityRowDb>(`${SELECT_ENTITY} WHERE e.id = ANY($1::text[])`, [ids]);
    return rows.map(toEntity);
  }

  /** Follow merges to the entity that stands for `id` now. */
  async canonicalId(id: string, q: Queryable = this.db): Promise<string> {
    const canonical = (await this.canonicalIds([id], q)).get(id);
    if (canonical === undefined) throw new AppError('STATE_CONFLICT', `实体合并链过长或成环 / merge chain too long at ${id}`, { field: 'id' });
    return canonical;
  }

  /**
   * Follow merges for many ids at once, one statement per merge hop. An id with no row stands for itself; one on a
   * chain longer than 16 hops or in a cycle is left out of the map (`canonicalId` refuses it).
   */
  async canonicalIds(ids: readonly string[], q: Queryable = this.db): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    let pending = new Map([...new Set(ids)].map((id) => [id, id])); // original → current
    for (let hops = 0; hops < 16 && pending.size; hops++) {
      const { rows } = await q.query<{ id: string; merged_into: string | null }>('SELECT id, merged_into FROM kg_entities WHERE id = ANY($1::text[])', [
        [...new Set(pending.values())],
      ]);
      const next = new Map(rows.map((r) => [r.id, r.merged_into]));
      const moved = new Map<string, string>();
      for (const [original, current] of pending) {
        const to = next.get(current);
        if (to) moved.set(original, to);
        else out.set(original, current);
      }
      pending = moved;
    }
    return out;
  }

  /**
   * The active entities (id and type, ordered by id) behind each surface's key, for many surfaces in one statement:
   * what `byExactSurface` answers one surface at a time. Every surface given is in the map (no match: an empty list).
   */
  async activeBySurfaces(surfaces: readonly string[], q: Queryable = this.db): Promise<Map<string, { id: string; type: string }[]>> {
    const keyOf = new Map(surfaces.map((s) => [s, surfaceKey(s)]));
    const keys = [...new Set([...keyOf.values()].filter(Boolean))];
    const byKey = new Map<string, { id: string; type: string }[]>();
    if (keys.length) {
      const { rows } = await q.query<{ key: string; id: string; type: string }>(
        `SELECT DISTINCT a.key, e.id, e.type FROM kg_aliases a JOIN kg_entities e ON e.id = a.entity_id
         WHERE a.key = ANY($1::text[]) AND e.merged_into IS NULL ORDER BY a.key, e.id`,
        [keys],
      );
      for (const r of rows) byKey.set(r.key, [...(byKey.get(r.key) ?? []), { id: r.id, type: r.type }]);
    }
    return new Map(surfaces.map((s) => [s, byKey.get(keyOf.get(s) ?? '') ?? []]));
  }

  /** Active entities whose key (normalised surface) is exactly `surface`. */
  async byExactSurface(surface: string, q: Queryable = this.db): Promise<Entity[]> {
    const key = surfaceKey(surface);
    if (!key) return [];
    const { rows } = await q.query<EntityRowDb>(
      `${SELECT_ENTITY} WHERE e.merged_into IS NULL AND e.id IN (SELECT entity_id FROM kg_aliases WHERE key = $1) ORDER BY e.id`,
      [key],
    );
    return rows.map(toEntity);
  }

  /** Autocomplete over names and aliases: prefix matches first, then substring matches. */
  async search(text: string, opts: { types?: string[]; limit?: number } = {}): Promise<Entity[]> {
    const key = surfaceKey(text);
    if (!key) return [];
    const like = `%${key.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    const prefix = `${key.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    const { rows } = await this.db.query<EntityRowDb & { rank: number }>(
      `WITH hits AS (
         SELECT a.entity_id, min(CASE WHEN a.key = $1 THEN 0 WHEN a.key LIKE $3 THEN 1 ELSE 2 END) AS rank, min(length(a.key)) AS len
         FROM kg_aliases a WHERE a.key LIKE $2 GROUP BY a.entity_id)
       ${SELECT_ENTITY} JOIN hits h ON h.entity_id = e.id
       WHERE e.merged_into IS NULL AND ($4::text[] IS NULL OR e.type = ANY($4::text[]))
       ORDER BY h.rank, h.len, e.id LIMIT $5`,
      [key, like, prefix, opts.types?.length ? opts.types : null, opts.limit ?? 20],
    );
    return rows.map(toEntity);
  }

  /** Every alias surface with its entity (for fuzzy matching in memory; a few thousand rows). */
  /** The vocabulary's version: moves (at commit, by trigger; migration 049) whenever any entity or alias changes, in any process. */
  async vocabularyVersion(): Promise<number> {
    const { rows } = await this.db.query<{ version: number }>(`SELECT version FROM cache_versions WHERE name = 'vocabulary'`);
    return Number(rows[0]?.version ?? 0);
  }

  async allSurfaces(): Promise<{ entityId: string; type: string; surface: string; key: string }[]> {
    const { rows } = await this.db.query<{ entity_id: string; type: string; surface: string; key: string }>(
      `SELECT a.entity_id, e.type, a.surface, a.key FROM kg_aliases a JOIN kg_entities e ON e.id = a.entity_id
       WHERE e.merged_into IS NULL`,
    );
    return rows.map((r) => ({ entityId: r.entity_id, type: r.type, surface: r.surface, key: r.key }));
  }

  /** Create an entity proposed by a reviewer (a surface the lexicon did not know). */
  async create(
    q: Queryable,
    e: { id: string; type: Entity['type']; nameZh: string; nameEn?: string; aliases?: string[]; codes?: Record<string, string>; origin: Entity['origin'] },
  ): Promise<void> {
    const { rowCount } = await q.query(
      `INSERT INTO kg_entities (id, type, name_zh, name_en, codes, origin) VALUES ($1, $2, $3, $4, $5::jsonb, $6)
       ON CONFLICT (id) DO NOTHING`,
      [e.id, e.type, e.nameZh, e.nameEn ?? '', JSON.stringify(e.codes ?? {}), e.origin],
    );
    if (!rowCount) throw new AppError('STATE_CONFLICT', `实体已存在 / entity ${e.id} already exists`, { field: 'id' });
    await this.addAliases(q, e.id, [e.nameZh, ...(e.nameEn ? [e.nameEn] : [])], 'name');
    await this.addAliases(q, e.id, e.aliases ?? [], 'alias');
  }

  async addAliases(q: Queryable, entityId: string, surfaces: string[], kind: 'name' | 'alias' | 'merged', mergeId?: string): Promise<string[]> {
    const added: string[] = [];
    for (const surface of surfaces) {
      const key = surfaceKey(surface);
      if (!key) continue;
      const { rowCount } = await q.query(
        `INSERT INTO kg_aliases (entity_id, key, surface, kind, merge_id) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (entity_id, key) DO NOTHING`,
        [entityId, key, surface, kind, mergeId ?? null],
      );
      if (rowCount) added.push(key);
    }
    return added;
  }

  /**
   * Of `others`, the entities related to `id` in a way that makes them distinct concepts: an active
   * relation or a pending/approved candidate of subtype_of, differential_of or complication_of, either way.
   */
  async relatedAsDistinct(id: string, others: readonly string[]): Promise<string[]> {
    if (!others.length) return [];
    const { rows } = await this.db.query<{ other: string }>(
      `SELECT CASE WHEN subject_id = $1 THEN object_id ELSE subject_id END AS other FROM kg_relations
         WHERE status = 'active' AND predicate IN ('subtype_of', 'differential_of', 'complication_of')
           AND ((subject_id = $1 AND object_id = ANY($2::text[])) OR (object_id = $1 AND subject_id = ANY($2::text[])))
       UNION
       SELECT CASE WHEN subject_id = $1 THEN object_id ELSE subject_id END FROM kg_candidates
         WHERE status <> 'rejected' AND predicate IN ('subtype_of', 'differential_of', 'complication_of')
           AND ((subject_id = $1 AND object_id = ANY($2::text[])) OR (object_id = $1 AND subject_id = ANY($2::text[])))`,
      [id, others],
    );
    return rows.map((r) => r.other);
  }

  async count(): Promise<number> {
    const { rows } = await this.db.query<{ n: number }>('SELECT count(*)::int AS n FROM kg_entities WHERE merged_into IS NULL');
    return rows[0]?.n ?? 0;
  }
}
