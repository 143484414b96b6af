import { z } from 'zod';
import { surfaceKey } from '../core/index.ts';
import type { Embedder } from '../search/index.ts';
import type { EntitiesRepository } from './entities.repository.ts';

export const ResolutionSuggestionSchema = z.object({
  entityId: z.string(),
  type: z.string(),
  nameZh: z.string(),
  matched: z.string(),
  score: z.number(),
  method: z.enum(['exact', 'fuzzy', 'embedding']),
  /**
   * What the score measures: character-bigram similarity of the names or embedding similarity — how alike
   * two names look, not whether they mean the same thing (原位腺癌 and 肺腺癌 look alike and are not).
   */
  basis: z.enum(['exact_name', 'string_similarity', 'embedding_similarity']),
});
export type ResolutionSuggestion = z.infer<typeof ResolutionSuggestionSchema>;

const BASIS = { exact: 'exact_name', fuzzy: 'string_similarity', embedding: 'embedding_similarity' } as const;

/** Only an exact (normalised) name or alias links automatically; anything fuzzier is a suggestion for a reviewer. */
export const AUTO_LINK_SCORE = 1;

interface SurfaceRow {
  entityId: string;
  type: string;
  surface: string;
  key: string;
  grams: Set<string>;
}

/**
 * Entity resolution candidates for a surface: exact alias matches, character-bigram similarity
 * (catches 磨玻璃影 ~ 磨玻璃密度影, width/case variants, small typos) and, when a neural embedder is
 * configured, embedding similarity. Written here rather than with pg_trgm because bigrams over CJK
 * text need no extension and the vocabulary (a few thousand surfaces) fits in memory.
 */
export class EntityResolver {
  private surfaces: SurfaceRow[] | null = null;
  private vectors: Float32Array[] | null = null;

  constructor(
    private readonly entities: EntitiesRepository,
    private readonly embedder?: Embedder,
  ) {}

  /** Drop the cached vocabulary (after merges, new entities or a lexicon reload). */
  invalidate(): void {
    this.surfaces = null;
    this.vectors = null;
  }

  async suggest(text: string, opts: { type?: string; limit?: number; minScore?: number; excludeId?: string } = {}): Promise<ResolutionSuggestion[]> {
    const key = surfaceKey(text);
    if (!key) return [];
    const rows = await this.load();
    const q = bigrams(key);
    const best = new Map<string, ResolutionSuggestion>();
    const consider = (row: SurfaceRow, score: number, method: ResolutionSuggestion['method']) => {
      if (opts.excludeId === row.entityId || (opts.type && row.type !== opts.type)) return;
      const prev = best.get(row.entityId);
      if (!prev || score > prev.score) best.set(row.entityId, { entityId: row.entityId, type: row.type, nameZh: '', matched: row.surface, score, method, basis: BASIS[method] });
    };
    for (const row of rows) {
      if (row.key === key) consider(row, 1, 'exact');
      else consider(row, Math.min(0.99, dice(q, row.grams) + prefixBonus(key, row.key)), 'fuzzy');
    }
    if (this.embedder && !this.embedder.lexical) {
      const vecs = await this.vectorsFor(rows);
      const [qv] = await this.embedder.embed([text], 'query');
      rows.forEach((row, i) => {
        const sim = dot(qv, vecs[i]);
        if (row.key !== key) consider(row, Math.min(0.99, sim), 'embedding');
      });
    }
    const minScore = opts.minScore ?? 0.45;
    const ranked = [...best.values()].filter((s) => s.score >= minScore).sort((a, b) => b.score - a.score || a.entityId.localeCompare(b.entityId)).slice(0, opts.limit ?? 8);
    const ents = await this.entities.getMany(ranked.map((r) => r.entityId));
    const names = new Map(ents.map((e) => [e.id, e.nameZh]));
    return ranked.map((r) => ({ ...r, nameZh: names.get(r.entityId) ?? r.entityId }));
  }

  /**
   * Entities that may be duplicates of `entityId`: merge proposals. Never one of another type, never one
   * the graph or a pending candidate relates to it as subtype, differential or complication (related
   * concepts are distinct by definition), and never two entries of the curated lexicon, which lists
   * distinct concepts (an alias the lexicon gets wrong is fixed in the lexicon, not merged away).
   */
  async duplicatesOf(entityId: string, limit = 8): Promise<ResolutionSuggestion[]> {
    const e = await this.entities.get(entityId);
    if (!e) return [];
    const out = new Map<string, ResolutionSuggestion>();
    for (const name of [e.nameZh, e.nameEn, ...e.aliases].filter(Boolean)) {
      for (const s of await this.suggest(name, { type: e.type, excludeId: e.id, minScore: 0.6, limit: limit * 2 })) {
        const prev = out.get(s.entityId);
        if (!prev || s.score > prev.score) out.set(s.entityId, s);
      }
    }
    const candidates = [...out.values()].filter((s) => s.type === e.type);
    const related = new Set(await this.entities.relatedAsDistinct(e.id, candidates.map((s) => s.entityId)));
    const origins = new Map((await this.entities.getMany(candidates.map((s) => s.entityId))).map((x) => [x.id, x.origin]));
    return candidates
      .filter((s) => !related.has(s.entityId) && !(e.origin === 'lexicon' && origins.get(s.entityId) === 'lexicon'))
      .sort((a, b) => b.score - a.score)
      .slice(0, limit);
  }

  private async load(): Promise<SurfaceRow[]> {
    if (!this.surfaces) {
      const all = await this.entities.allSurfaces();
      this.surfaces = all.map((s) => ({ ...s, grams: bigrams(s.key) }));
    }
    return this.surfaces;
  }

  private async vectorsFor(rows: SurfaceRow[]): Promise<Float32Array[]> {
    if (!this.vectors && this.embedder) {
      const out: Float32Array[] = [];
      for (let i = 0; i < rows.length; i += 256) out.push(...(await this.embedder.embed(rows.slice(i, i + 256).map((r) => r.surface), 'document')));
      this.vectors = out;
    }
    return this.vectors ?? [];
  }
}

function bigrams(key: string): Set<string> {
  const s = key.replace(/\s+/g, '');
  const out = new Set<string>();
  if (s.length < 2) {
    if (s) out.add(s);
    return out;
  }
  for (let i = 0; i < s.length - 1; i++) out.add(s.slice(i, i + 2));
  return out;
}

/**
 * Chinese terms put the distinguishing modifier first (磨玻璃密度灶 is a kind of 磨玻璃影, not of 高密度灶),
 * so a shared beginning breaks ties between equally similar bigram sets.
 */
function prefixBonus(a: string, b: string): number {
  let n = 0;
  while (n < a.length && n < b.length && a[n] === b[n]) n++;
  return n < 2 ? 0 : (0.1 * n) / Math.min(a.length, b.length);
}

/** Sørensen–Dice coefficient of two bigram sets. */
function dice(a: Set<string>, b: Set<string>): number {
  if (!a.size || !b.size) return 0;
  let shared = 0;
  for (const g of a) if (b.has(g)) shared++;
  return (2 * shared) / (a.size + b.size);
}

function dot(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length && i < b.length; i++) s += a[i] * b[i];
  return s;
}
