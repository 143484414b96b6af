import type { Queryable } from '../store/index.ts';

/** A term of a section lookup: its surfaces (synonyms) and weight. */
export interface SectionTerm {
  surfaces: string[];
  weight: number;
}

/** A chunk of a section whose headings match a lookup, with how well (0–1: share of the terms' weight). */
export interface SectionChunk {
  chunkId: string;
  sourceId: string;
  headingPath: string[];
  page: number;
  text: string;
  match: number;
}

/** How much a term counts in the section's own (innermost) heading, in the headings above it, and in the document title. */
const OWN_HEADING = 1.5;
const TITLE = 0.5;

/**
 * Sections by their headings: within the given sources, the sections whose title, heading path and own
 * heading name the most of the terms ("5 平扫CT早期缺血征象" for 急性脑梗死 / CT / 早期 / 征象 in 《急性缺血性脑卒中…》).
 * The document's structure finds what a passage's words alone may not (a section's sentences rarely repeat
 * its heading). Bounded to a handful of sources, so it reads their heading paths, not the whole corpus.
 */
export class SectionsRepository {
  async lookup(q: Queryable, sourceIds: string[], terms: SectionTerm[], opts: { limit?: number; minMatch?: number } = {}): Promise<SectionChunk[]> {
    const total = terms.reduce((n, t) => n + t.weight, 0);
    if (!total) return [];
    // The sources given (those the search found) and, beside them, the documents whose title names a term: a
    // guideline titled 「急性缺血性脑卒中…」 is where 脑梗死's sections are, even when the search ranked a textbook first.
    const patterns = [...new Set(terms.flatMap((t) => t.surfaces).filter((x) => /[\u3400-\u9fff]{2}|[A-Za-z]{3}/.test(x)))].slice(0, 40).map((x) => `%${x.replace(/[\\%_]/g, '\\$&')}%`);
    const { rows: titled } = patterns.length
      ? await q.query<{ id: string }>(`SELECT id FROM sources WHERE status = 'ready' AND superseded_by IS NULL AND title ILIKE ANY($1::text[]) ORDER BY created_at LIMIT 10`, [patterns])
      : { rows: [] };
    const ids = [...new Set([...sourceIds, ...titled.map((r) => r.id)])];
    if (!ids.length) return [];
    const { rows } = await q.query<{ id: string; source_id: string; ordinal: number; heading_path: string[]; page_start: number; text: string; title: string }>(
      `SELECT c.id, c.source_id, c.ordinal, c.heading_path, c.page_start, c.text, s.title
       FROM chunks c JOIN sources s ON s.id = c.source_id
       WHERE c.source_id = ANY($1::text[]) AND s.status = 'ready' AND cardinality(c.heading_path) > 0
       ORDER BY c.source_id, c.ordinal`,
      [ids],
    );
    const has = (text: string, t: SectionTerm) => t.surfaces.some((s) => s && text.includes(s.toLowerCase()));
    const scored = rows.map((r) => {
      const own = (r.heading_path.at(-1) ?? '').toLowerCase();
      const above = r.heading_path.slice(0, -1).join(' ').toLowerCase();
      const title = r.title.toLowerCase();
      // A section matches by its headings; the title only adds to a heading match (every section of
      // 《肺结节…随访管理指南》 is "about" 肺结节 and 随访, only chapter 10 is the follow-up chapter).
      const inHeadings = terms.some((t) => has(own, t) || has(above, t));
      const raw = terms.reduce((n, t) => n + (has(own, t) ? t.weight * OWN_HEADING : has(above, t) ? t.weight : has(title, t) ? t.weight * TITLE : 0), 0);
      return { r, match: inHeadings ? Math.min(1, raw / total) : 0 };
    });
    const min = opts.minMatch ?? 0.6;
    return scored
      .filter((s) => s.match >= min)
      .sort((a, b) => b.match - a.match || a.r.source_id.localeCompare(b.r.source_id) || a.r.ordinal - b.r.ordinal)
      .slice(0, opts.limit ?? 8)
      .map(({ r, match }) => ({ chunkId: r.id, sourceId: r.source_id, headingPath: r.heading_path, page: r.page_start, text: r.text, match }));
  }
}
