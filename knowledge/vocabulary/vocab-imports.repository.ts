import { z } from 'zod';
import { surfaceKey } from '../../core/index.ts';
import type { EntityType } from '../../core/index.ts';
import type { Database, Queryable } from '../../store/index.ts';
import type { ImportPlan, VocabSnapshot } from './import-plan.ts';

export const VocabImportSchema = z.object({
  id: z.string(),
  format: z.enum(['csv', 'skos', 'rf2', 'icd10']),
  fileName: z.string(),
  sha256: z.string(),
  codeSystem: z.string(),
  actor: z.string(),
  summary: z.object({ records: z.number(), create: z.number(), link: z.number(), skipped: z.number(), aliases: z.number(), codes: z.number(), conflicts: z.number(), warnings: z.number() }),
  status: z.enum(['applied', 'undone']),
  createdAt: z.string(),
  undoneAt: z.string().nullable(),
  undoneBy: z.string().nullable(),
});
export type VocabImport = z.infer<typeof VocabImportSchema>;

/** What an import changed on entities that existed before it, so undo can put them back. */
export interface ImportChanges {
  created: string[];
  linked: string[];
  codes: Array<{ entityId: string; system: string }>;
}

interface ImportRowDb {
  id: string;
  format: VocabImport['format'];
  file_name: string;
  sha256: string;
  code_system: string;
  actor: string;
  summary: VocabImport['summary'];
  changes: ImportChanges;
  status: VocabImport['status'];
  created_at: Date;
  undone_at: Date | null;
  undone_by: string | null;
}

function toImport(r: ImportRowDb): VocabImport {
  return {
    id: r.id, format: r.format, fileName: r.file_name, sha256: r.sha256, codeSystem: r.code_system, actor: r.actor, summary: r.summary, status: r.status,
    createdAt: new Date(r.created_at).toISOString(), undoneAt: r.undone_at ? new Date(r.undone_at).toISOString() : null, undoneBy: r.undone_by,
  };
}

/** SQL of terminology imports: the vocabulary snapshot a plan is made against, applying a plan, undoing it. */
export class VocabImportsRepository {
  constructor(private readonly db: Database) {}

  /** Active entities with their alias keys and codes. */
  async snapshot(q: Queryable = this.db): Promise<VocabSnapshot> {
    const [{ rows: ents }, { rows: aliases }] = await Promise.all([
      q.query<{ id: string; type: EntityType; name_zh: string; codes: Record<string, string> }>('SELECT id, type, name_zh, codes FROM kg_entities WHERE merged_into IS NULL'),
      q.query<{ key: string; entity_id: string }>('SELECT a.key, a.entity_id FROM kg_aliases a JOIN kg_entities e ON e.id = a.entity_id WHERE e.merged_into IS NULL'),
    ]);
    const byKey = new Map<string, string[]>();
    for (const a of aliases) byKey.set(a.key, [...(byKey.get(a.key) ?? []), a.entity_id]);
    return { byKey, entities: new Map(ents.map((e) => [e.id, { type: e.type, nameZh: e.name_zh, codes: e.codes ?? {} }])) };
  }

  /** Write a plan as import `id` (the import row first: entities and aliases reference it). */
  async apply(
    tx: Queryable,
    row: { id: string; format: string; fileName: string; sha256: string; codeSystem: string; actor: string; summary: VocabImport['summary'] },
    plan: ImportPlan,
  ): Promise<ImportChanges> {
    const changes: ImportChanges = { created: [], linked: [], codes: [] };
    await tx.query(
      `INSERT INTO kg_vocab_imports (id, format, file_name, sha256, code_system, actor, summary, changes) VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, '{}'::jsonb)`,
      [row.id, row.format, row.fileName, row.sha256, row.codeSystem, row.actor, JSON.stringify(row.summary)],
    );
    const created = plan.steps.filter((s) => s.action === 'create');
    const linked = plan.steps.filter((s) => s.action === 'link');
    if (created.length) {
      await tx.query(
        `INSERT INTO kg_entities (id, type, name_zh, name_en, codes, origin, import_id)
         SELECT x.id, x.type, x.name_zh, x.name_en, x.codes, 'import', $2
         FROM jsonb_to_recordset($1::jsonb) AS x(id text, type text, name_zh text, name_en text, codes jsonb)`,
        [JSON.stringify(created.map((s) => ({ id: s.entityId, type: s.type, name_zh: s.nameZh, name_en: s.nameEn, codes: s.code ? { [s.code.system]: s.code.code } : {} }))), row.id],
      );
      changes.created = created.map((s) => s.entityId);
    }
    for (const s of linked) {
      if (!s.code) continue;
      await tx.query('UPDATE kg_entities SET codes = codes || $2::jsonb, updated_at = now() WHERE id = $1', [s.entityId, JSON.stringify({ [s.code.system]: s.code.code })]);
      changes.codes.push({ entityId: s.entityId, system: s.code.system });
    }
    changes.linked = [...new Set(linked.map((s) => s.entityId))];
    const aliases = plan.steps.flatMap((s) =>
      s.surfaces.map((surface) => ({ entity_id: s.entityId, key: surfaceKey(surface), surface, kind: s.action === 'create' && (surface === s.nameZh || surface === s.nameEn) ? 'name' : 'alias' })),
    );
    for (let i = 0; i < aliases.length; i += 5000) {
      await tx.query(
        `INSERT INTO kg_aliases (entity_id, key, surface, kind, import_id)
         SELECT x.entity_id, x.key, x.surface, x.kind, $2 FROM jsonb_to_recordset($1::jsonb) AS x(entity_id text, key text, surface text, kind text)
         ON CONFLICT (entity_id, key) DO NOTHING`,
        [JSON.stringify(aliases.slice(i, i + 5000)), row.id],
      );
    }
    await tx.query('UPDATE kg_vocab_imports SET changes = $2::jsonb WHERE id = $1', [row.id, JSON.stringify(changes)]);
    return changes;
  }

  async list(limit = 100): Promise<VocabImport[]> {
    const { rows } = await this.db.query<ImportRowDb>('SELECT * FROM kg_vocab_imports ORDER BY created_at DESC, id DESC LIMIT $1', [limit]);
    return rows.map(toImport);
  }

  async get(id: string, q: Queryable = this.db): Promise<VocabImport | null> {
    const { rows } = await q.query<ImportRowDb>('SELECT * FROM kg_vocab_imports WHERE id = $1', [id]);
    return rows[0] ? toImport(rows[0]) : null;
  }

  async lock(tx: Queryable, id: string): Promise<(VocabImport & { changes: ImportChanges }) | null> {
    const { rows } = await tx.query<ImportRowDb>('SELECT * FROM kg_vocab_imports WHERE id = $1 FOR UPDATE', [id]);
    return rows[0] ? { ...toImport(rows[0]), changes: rows[0].changes } : null;
  }

  /** Created entities that the graph or a merge depends on: undo must not delete them. */
  async dependents(tx: Queryable, created: readonly string[]): Promise<{ relations: number; merges: number }> {
    if (!created.length) return { relations: 0, merges: 0 };
    const { rows } = await tx.query<{ relations: number; merges: number }>(
      `SELECT (SELECT count(*)::int FROM kg_relations WHERE subject_id = ANY($1::text[]) OR object_id = ANY($1::text[])) AS relations,
              (SELECT count(*)::int FROM kg_merges WHERE undone_at IS NULL AND (from_id = ANY($1::text[]) OR into_id = ANY($1::text[]))) AS merges`,
      [created],
    );
    return rows[0] ?? { relations: 0, merges: 0 };
  }

  /** Remove what import `id` wrote: its aliases, the codes it set, its entities (candidates pointing at them become unresolved again). */
  async undo(tx: Queryable, id: string, changes: ImportChanges, actor: string): Promise<{ candidatesUnlinked: number }> {
    let unlinked = 0;
    if (changes.created.length) {
      for (const side of ['subject', 'object'] as const) {
        const { rowCount } = await tx.query(`UPDATE kg_candidates SET ${side}_id = NULL, row_version = row_version + 1 WHERE ${side}_id = ANY($1::text[])`, [changes.created]);
        unlinked += rowCount;
      }
      await tx.query('UPDATE kg_term_proposals SET target_entity_id = NULL WHERE target_entity_id = ANY($1::text[])', [changes.created]);
    }
    await tx.query('DELETE FROM kg_aliases WHERE import_id = $1', [id]);
    for (const c of changes.codes) await tx.query('UPDATE kg_entities SET codes = codes - $2, updated_at = now() WHERE id = $1', [c.entityId, c.system]);
    await tx.query('DELETE FROM kg_entities WHERE import_id = $1', [id]);
    await tx.query(`UPDATE kg_vocab_imports SET status = 'undone', undone_at = now(), undone_by = $2 WHERE id = $1`, [id, actor]);
    return { candidatesUnlinked: unlinked };
  }
}
