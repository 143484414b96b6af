import { z } from 'zod';
import { newId, sha256Hex, surfaceKey } from '../core/index.ts';
import type { Database, Queryable } from '../store/index.ts';

export const TermProposalKindSchema = z.enum(['term', 'synonym']);
export const TermProposalStatusSchema = z.enum(['pending', 'approved', 'rejected']);

/** A vocabulary proposal left by extraction, with how often and where its surface was seen. */
export const TermProposalSchema = z.object({
  id: z.string(),
  kind: TermProposalKindSchema,
  surface: z.string(),
  /** Entity type guessed from the head word (a guess, shown as one). */
  guessedType: z.string().nullable(),
  /** For a synonym: the name the alias stands for, and its entity when the vocabulary knows it. */
  target: z.object({ surface: z.string(), entityId: z.string().nullable(), nameZh: z.string().nullable() }).nullable(),
  cue: z.string().nullable(),
  status: TermProposalStatusSchema,
  count: z.number(),
  sources: z.number(),
  examples: z.array(z.object({ quote: z.string(), sourceId: z.string(), sourceTitle: z.string(), page: z.number().nullable() })),
  decidedBy: z.string().nullable(),
  decidedAt: z.string().nullable(),
  decision: z.record(z.string(), z.unknown()).nullable(),
  createdAt: z.string(),
});
export type TermProposal = z.infer<typeof TermProposalSchema>;

export const TermProposalFilterSchema = z.object({
  status: TermProposalStatusSchema.default('pending'),
  kind: TermProposalKindSchema.optional(),
  q: z.string().trim().max(100).optional(),
  /** Only proposals seen at least this often. */
  minCount: z.coerce.number().int().min(1).max(100_000).optional(),
});
export type TermProposalFilter = z.infer<typeof TermProposalFilterSchema>;

/** One sighting of a surface, from one extraction. */
export interface TermSighting {
  kind: 'term' | 'synonym';
  surface: string;
  guessedType: string | null;
  target?: { surface: string; entityId: string | null };
  cue?: string;
  sourceId: string;
  chunkId: string | null;
  page: number | null;
  quote: string;
  quoteStart: number | null;
}

interface ProposalRowDb {
  id: string;
  kind: 'term' | 'synonym';
  surface: string;
  guessed_type: string | null;
  target_surface: string | null;
  target_entity_id: string | null;
  target_name: string | null;
  cue: string | null;
  status: TermProposal['status'];
  n: number;
  sources: number;
  examples: TermProposal['examples'] | null;
  decided_by: string | null;
  decided_at: Date | null;
  decision: Record<string, unknown> | null;
  created_at: Date;
}

const SELECT = `
  SELECT p.*, te.name_zh AS target_name,
         (SELECT count(*)::int FROM kg_term_evidence e WHERE e.proposal_id = p.id) AS n,
         (SELECT count(DISTINCT e.source_id)::int FROM kg_term_evidence e WHERE e.proposal_id = p.id) AS sources,
         (SELECT jsonb_agg(x) FROM (
            SELECT e.quote, e.source_id AS "sourceId", s.title AS "sourceTitle", e.page
            FROM kg_term_evidence e JOIN sources s ON s.id = e.source_id
            WHERE e.proposal_id = p.id ORDER BY e.added_at, e.fingerprint LIMIT 3) x) AS examples
  FROM kg_term_proposals p LEFT JOIN kg_entities te ON te.id = p.target_entity_id`;

function toProposal(r: ProposalRowDb): TermProposal {
  return {
    id: r.id,
    kind: r.kind,
    surface: r.surface,
    guessedType: r.guessed_type,
    target: r.kind === 'synonym' ? { surface: r.target_surface ?? '', entityId: r.target_entity_id, nameZh: r.target_name } : null,
    cue: r.cue,
    status: r.status,
    count: r.n ?? 0,
    sources: r.sources ?? 0,
    examples: r.examples ?? [],
    decidedBy: r.decided_by,
    decidedAt: r.decided_at ? new Date(r.decided_at).toISOString() : null,
    decision: r.decision,
    createdAt: new Date(r.created_at).toISOString(),
  };
}

/** Vocabulary proposals from extraction: one row per surface (or synonym pair), sightings as evidence. */
export class TermProposalsRepository {
  constructor(private readonly db: Database) {}

  /**
   * Record sightings in the caller's transaction: a proposal is created the first time its surface is
   * seen, a sighting is added once (same chunk, same offset: nothing new). Decided proposals keep their
   * decision and still count new sightings.
   */
  async record(q: Queryable, sightings: readonly TermSighting[]): Promise<number> {
    const rows = sightings
      .map((s) => ({ ...s, key: surfaceKey(s.surface), targetKey: s.target ? surfaceKey(s.target.surface) : '' }))
      .filter((s) => s.key && s.surface.length <= 80 && (s.kind === 'term' || s.targetKey));
    if (!rows.length) return 0;
    const proposals = new Map<string, (typeof rows)[number]>();
    for (const r of rows) if (!proposals.has(`${r.kind}|${r.key}|${r.targetKey}`)) proposals.set(`${r.kind}|${r.key}|${r.targetKey}`, r);
    await q.query(
      `INSERT INTO kg_term_proposals (id, kind, key, surface, guessed_type, target_key, target_surface, target_entity_id, cue)
       SELECT x.id, x.kind, x.key, x.surface, x.guessed_type, x.target_key, x.target_surface, x.target_entity_id, x.cue
       FROM jsonb_to_recordset($1::jsonb) AS x(id text, kind text, key text, surface text, guessed_type text, target_key text,
         target_surface text, target_entity_id text, cue text)
       ON CONFLICT (kind, key, target_key) DO NOTHING`,
      [JSON.stringify([...proposals.values()].map((r) => ({
        id: newId('term'), kind: r.kind, key: r.key, surface: r.surface.slice(0, 80), guessed_type: r.guessedType, target_key: r.targetKey,
        target_surface: r.target?.surface.slice(0, 80) ?? null, target_entity_id: r.target?.entityId ?? null, cue: r.cue ?? null,
      })))],
    );
    const { rowCount } = await q.query(
      `INSERT INTO kg_term_evidence (fingerprint, proposal_id, source_id, chunk_id, page, quote)
       SELECT x.fingerprint, p.id, x.source_id, x.chunk_id, x.page, x.quote
       FROM jsonb_to_recordset($1::jsonb) AS x(fingerprint text, kind text, key text, target_key text, source_id text, chunk_id text, page int, quote text)
       JOIN kg_term_proposals p ON p.kind = x.kind AND p.key = x.key AND p.target_key = x.target_key
       ON CONFLICT (fingerprint) DO NOTHING`,
      [JSON.stringify(rows.map((r) => ({
        fingerprint: sha256Hex([r.kind, r.key, r.targetKey, r.chunkId ?? r.sourceId, r.quoteStart ?? r.quote].join('\u0001')),
        kind: r.kind, key: r.key, target_key: r.targetKey, source_id: r.sourceId, chunk_id: r.chunkId, page: r.page, quote: r.quote.slice(0, 500),
      })))],
    );
    return rowCount;
  }

  async list(f: TermProposalFilter, page: { limit: number; offset: number }): Promise<{ total: number; items: TermProposal[] }> {
    const conds = ['p.status = $1'];
    const params: unknown[] = [f.status];
    if (f.kind) {
      params.push(f.kind);
      conds.push(`p.kind = $${params.length}`);
    }
    if (f.q) {
      params.push(`%${f.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
      conds.push(`(p.surface ILIKE $${params.length} OR p.target_surface ILIKE $${params.length})`);
    }
    if (f.minCount) {
      params.push(f.minCount);
      conds.push(`(SELECT count(*) FROM kg_term_evidence e WHERE e.proposal_id = p.id) >= $${params.length}`);
    }
    const where = `WHERE ${conds.join(' AND ')}`;
    const [{ rows: count }, { rows }] = await Promise.all([
      this.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM kg_term_proposals p ${where}`, params),
      this.db.query<ProposalRowDb>(`${SELECT} ${where} ORDER BY n DESC, p.surface, p.id LIMIT ${page.limit} OFFSET ${page.offset}`, params),
    ]);
    return { total: count[0]?.n ?? 0, items: rows.map(toProposal) };
  }

  async get(id: string, q: Queryable = this.db): Promise<TermProposal | null> {
    const { rows } = await q.query<ProposalRowDb>(`${SELECT} WHERE p.id = $1`, [id]);
    return rows[0] ? toProposal(rows[0]) : null;
  }

  /** Lock a pending proposal for a decision; null when it does not exist. */
  async lockForDecision(q: Queryable, id: string): Promise<{ id: string; kind: 'term' | 'synonym'; surface: string; guessed_type: string | null; target_surface: string | null; target_entity_id: string | null; status: string } | null> {
    const { rows } = await q.query<{ id: string; kind: 'term' | 'synonym'; surface: string; guessed_type: string | null; target_surface: string | null; target_entity_id: string | null; status: string }>(
      'SELECT id, kind, surface, guessed_type, target_surface, target_entity_id, status FROM kg_term_proposals WHERE id = $1 FOR UPDATE',
      [id],
    );
    return rows[0] ?? null;
  }

  async decide(q: Queryable, id: string, status: 'approved' | 'rejected', actor: string, decision: Record<string, unknown>): Promise<void> {
    await q.query('UPDATE kg_term_proposals SET status = $2, decided_by = $3, decided_at = now(), decision = $4::jsonb WHERE id = $1', [id, status, actor, JSON.stringify(decision)]);
  }

  async counts(): Promise<Record<'pending' | 'approved' | 'rejected', number>> {
    const { rows } = await this.db.query<{ status: 'pending' | 'approved' | 'rejected'; n: number }>('SELECT status, count(*)::int AS n FROM kg_term_proposals GROUP BY status');
    const out = { pending: 0, approved: 0, rejected: 0 };
    for (const r of rows) out[r.status] = r.n;
    return out;
  }
}
