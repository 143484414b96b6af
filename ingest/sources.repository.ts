import { yieldToEventLoop } from '../core/index.ts';
import type { Database, Queryable } from '../store/index.ts';
import type { Paging, SourceKind } from './document.ts';
import type { BlockLayout, StoredPage } from './page-layout.ts';
import type { PassageRow } from './source-admin.repository.ts';
import type { Source } from './source.schema.ts';

export type { Source };

export type NewSource = Omit<Source, 'status' | 'supersededBy' | 'chunkCount' | 'error' | 'createdAt' | 'updatedAt' | 'retractedAt' | 'retractionNote'> & {
  /** Normalised file name for same-name matching; defaults to the lineage key. */
  nameKey?: string;
};

/** A stored page; `layout` is null for pages stored before block layouts were kept (migration 011). */
export type StoredPageRow = Omit<StoredPage, 'layout'> & { layout: BlockLayout[] | null };

/** Original files are written in parts of this size (512 KB): one statement each (see migration 011). */
const FILE_PART_BYTES = 1 << 19;
/** Pages are written in batches of about this many characters per statement (and read in batches of pages). */
const PAGE_BATCH_CHARS = 1 << 17;
const PAGE_READ_BATCH = 200;

interface SourceRowDb {
  id: string;
  lineage_key: string;
  version_no: number;
  content_hash: string;
  kind: SourceKind;
  title: string;
  publisher: string | null;
  version: string | null;
  year: number | null;
  language: 'zh' | 'en';
  file_name: string;
  mime: string;
  byte_size: number | string;
  demo: boolean;
  paging: Paging;
  status: Source['status'];
  superseded_by: string | null;
  evidence_level: Source['evidenceLevel'];
  retracted_at: Date | null;
  retraction_note: string | null;
  uploaded_by: string | null;
  page_count: number | null;
  chunk_count: number | null;
  error: Source['error'];
  created_at: Date;
  updated_at: Date;
}

function toSource(r: SourceRowDb): Source {
  return {
    id: r.id,
    lineageKey: r.lineage_key,
    versionNo: r.version_no,
    contentHash: r.content_hash,
    kind: r.kind,
    title: r.title,
    publisher: r.publisher,
    version: r.version,
    year: r.year,
    language: r.language,
    fileName: r.file_name,
    mime: r.mime,
    byteSize: Number(r.byte_size),
    demo: r.demo,
    paging: r.paging,
    status: r.status,
    supersededBy: r.superseded_by,
    evidenceLevel: r.evidence_level,
    retractedAt: r.retracted_at ? new Date(r.retracted_at).toISOString() : null,
    retractionNote: r.retraction_note,
    uploadedBy: r.uploaded_by,
    pageCount: r.page_count,
    chunkCount: r.chunk_count,
    error: r.error,
    createdAt: new Date(r.created_at).toISOString(),
    updatedAt: new Date(r.updated_at).toISOString(),
  };
}

export const SOURCE_SORTS = ['created', 'title', 'year', 'updated'] as const;

/** Filters of the sources list (all optional; `q` searches title, publisher, file name and version). */
export interface SourceListQuery {
  kind?: SourceKind;
  status?: Source['status'];
  shelf?: 'literature' | 'documents';
  q?: string;
  /** true: only current versions; false: only superseded ones. */
  current?: boolean;
  sort?: (typeof SOURCE_SORTS)[number];
  order?: 'asc' | 'desc';
  limit?: number;
  offset?: number;
  /** Only sources in one of these collections (the caller's scope, narrowed to a chosen collection); null: all. */
  collectionIds?: string[] | null;
}

const SORT_SQL: Record<(typeof SOURCE_SORTS)[number], Record<'asc' | 'desc', string>> = {
  created: { asc: 'created_at ASC', desc: 'created_at DESC' },
  updated: { asc: 'updated_at ASC', desc: 'updated_at DESC' },
  title: { asc: 'title ASC', desc: 'title DESC' },
  year: { asc: 'year ASC NULLS LAST', desc: 'year DESC NULLS LAST' },
};

/** SQL for sources, their original bytes and their pages. */
/** A stored passage as the passage view shows it: the passage list's row with its source and who disabled it. */
export type StoredPassage = Omit<PassageRow, 'disabledAt' | 'disabledBy' | 'disabledReason'> & {
  sourceId: string;
  disabled: { at: string; by: string; reason: string } | null;
};

/** A passage as extraction reads it: text, section and pages. */
export interface SourceChunk {
  id: string;
  ordinal: number;
  text: string;
  headingPath: string[];
  pageStart: number;
  pageEnd: number;
}

export class SourcesRepository {
  constructor(private readonly db: Database) {}

  async findByHash(hash: string, q: Queryable = this.db): Promise<Source | null> {
    const { rows } = await q.query<SourceRowDb>('SELECT * FROM sources WHERE content_hash = $1', [hash]);
    return rows[0] ? toSource(rows[0]) : null;
  }

  async get(id: string, q: Queryable = this.db): Promise<Source | null> {
    const { rows } = await q.query<SourceRowDb>('SELECT * FROM sources WHERE id = $1', [id]);
    return rows[0] ? toSource(rows[0]) : null;
  }

  /**
   * A page of sources, filtered, searched and sorted in SQL. `shelf` splits the library: `literature`
   * (PubMed and other articles) apart from `documents` (guidelines, textbooks, cases, other). `byKind`
   * counts every kind under the same filters except kind itself (for the group chips).
   */
  async list(opts: SourceListQuery = {}): Promise<{ items: Source[]; total: number; byKind: Record<string, number> }> {
    const shelfKinds = opts.shelf === 'literature' ? ['literature'] : opts.shelf === 'documents' ? ['guideline', 'textbook', 'case', 'other'] : null;
    const q = opts.q?.trim() ? `%${opts.q.trim().replace(/[\\%_]/g, (c) => `\\${c}`)}%` : null;
    const params = [opts.status ?? null, shelfKinds, q, opts.current ?? null, opts.collectionIds ?? null];
    const base = `($1::text IS NULL OR status = $1) AND ($2::text[] IS NULL OR kind = ANY($2::text[]))
      AND ($3::text IS NULL OR title ILIKE $3 OR coalesce(publisher, '') ILIKE $3 OR file_name ILIKE $3 OR coalesce(version, '') ILIKE $3)
      AND ($4::boolean IS NULL OR (superseded_by IS NULL) = $4)
      AND ($5::text[] IS NULL OR EXISTS (SELECT 1 FROM collection_sources cs WHERE cs.source_id = sources.id AND cs.collection_id = ANY($5::text[])))`;
    const where = `WHERE ${base} AND ($6::text IS NULL OR kind = $6)`;
    const order = SORT_SQL[opts.sort ?? 'created'][opts.order ?? (opts.sort === 'title' ? 'asc' : 'desc')];
    const [{ rows }, count, kinds] = await Promise.all([
      this.db.query<SourceRowDb>(`SELECT * FROM sources ${where} ORDER BY ${order}, id DESC LIMIT $7 OFFSET $8`, [...params, opts.kind ?? null, opts.limit ?? 100, opts.offset ?? 0]),
      this.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM sources ${where}`, [...params, opts.kind ?? null]),
      this.db.query<{ kind: string; n: number }>(`SELECT kind, count(*)::int AS n FROM sources WHERE ${base} GROUP BY kind`, params),
    ]);
    return { items: rows.map(toSource), total: count.rows[0]?.n ?? 0, byKind: Object.fromEntries(kinds.rows.map((r) => [r.kind, r.n])) };
  }

  async count(): Promise<number> {
    const { rows } = await this.db.query<{ n: number }>('SELECT count(*)::int AS n FROM sources');
    return rows[0]?.n ?? 0;
  }

  /** Current (not superseded, not failed) sources whose file name matches `nameKey`, newest first. */
  async currentByName(nameKey: string, q: Queryable = this.db): Promise<Source[]> {
    const { rows } = await q.query<SourceRowDb>(
      `SELECT * FROM sources WHERE coalesce(name_key, lineage_key) = $1 AND superseded_by IS NULL AND status <> 'failed' ORDER BY created_at DESC, id DESC`,
      [nameKey],
    );
    return rows.map(toSource);
  }

  async lineageExists(lineageKey: string, q: Queryable = this.db): Promise<boolean> {
    const { rows } = await q.query('SELECT 1 FROM sources WHERE lineage_key = $1 LIMIT 1', [lineageKey]);
    return rows.length > 0;
  }

  /**
   * Make `id` current again: the source that superseded it leaves the version chain (its own lineage,
   * version 1) and `id` loses its superseded mark. The caller checks that the newer source is current.
   */
  async unsupersede(tx: Queryable, id: string): Promise<{ restored: Source; detached: Source }> {
    const { rows: detached } = await tx.query<SourceRowDb>(
      `UPDATE sources n SET name_key = coalesce(n.name_key, n.lineage_key), lineage_key = coalesce(n.name_key, n.lineage_key) || '~' || n.id,
                            version_no = 1, updated_at = now()
       FROM sources o WHERE o.id = $1 AND n.id = o.superseded_by RETURNING n.*`,
      [id],
    );
    const { rows: restored } = await tx.query<SourceRowDb>('UPDATE sources SET superseded_by = NULL, updated_at = now() WHERE id = $1 RETURNING *', [id]);
    return { restored: toSource(restored[0]), detached: toSource(detached[0]) };
  }

  /** Next version number in a lineage (1 for a new document). */
  async nextVersionNo(tx: Queryable, lineageKey: string): Promise<number> {
    const { rows } = await tx.query<{ v: number }>('SELECT coalesce(max(version_no), 0)::int + 1 AS v FROM sources WHERE lineage_key = $1', [
      lineageKey,
    ]);
    return rows[0]?.v ?? 1;
  }

  /** The source row alone; its file and pages follow with insertFile and insertPages in the same transaction. */
  async insert(tx: Queryable, s: NewSource): Promise<Source> {
    const { rows } = await tx.query<SourceRowDb>(
      `INSERT INTO sources (id, lineage_key, version_no, content_hash, kind, title, publisher, version, year, language,
                            file_name, mime, byte_size, demo, paging, page_count, evidence_level, name_key, uploaded_by)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19) RETURNING *`,
      [
        s.id, s.lineageKey, s.versionNo, s.contentHash, s.kind, s.title, s.publisher, s.version, s.year, s.language,
        s.fileName, s.mime, s.byteSize, s.demo, s.paging, s.pageCount, s.evidenceLevel, s.nameKey ?? s.lineageKey, s.uploadedBy,
      ],
    );
    return toSource(rows[0]);
  }

  /**
   * The original bytes, in 512 KB parts, yielding to the event loop between parts. Sent as base64 text:
   * PGlite encodes a bytea parameter in JavaScript at about 2 MB/s, base64 decodes in the database at
   * tens of MB/s.
   */
  async insertFile(tx: Queryable, sourceId: string, bytes: Uint8Array): Promise<void> {
    const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (let part = 0, at = 0; at < buf.length || part === 0; part++, at += FILE_PART_BYTES) {
      if (part > 0) await yieldToEventLoop();
      await tx.query(`INSERT INTO source_files (source_id, part_no, bytes) VALUES ($1, $2, decode($3, 'base64'))`, [
        sourceId,
        part,
        buf.subarray(at, at + FILE_PART_BYTES).toString('base64'),
      ]);
    }
  }

  /** Pages with their block layouts, in batches of about 128 K characters, yielding between batches. */
  async insertPages(tx: Queryable, sourceId: string, pages: StoredPage[]): Promise<void> {
    for (let i = 0; i < pages.length; ) {
      let chars = 0;
      let j = i;
      while (j < pages.length && (j === i || chars + pages[j].text.length <= PAGE_BATCH_CHARS)) chars += pages[j++].text.length;
      const batch = pages.slice(i, j);
      if (i > 0) await yieldToEventLoop();
      await tx.query(
        'INSERT INTO pages (source_id, page_no, text, layout) SELECT $1, * FROM unnest($2::int[], $3::text[], $4::jsonb[])',
        [sourceId, batch.map((p) => p.page), batch.map((p) => p.text), batch.map((p) => JSON.stringify(p.layout))],
      );
      i = j;
    }
  }

  /** Every page of a source with its layout, in page order, read in batches that yield between them. */
  async storedPages(sourceId: string): Promise<StoredPageRow[]> {
    const out: StoredPageRow[] = [];
    for (let after = 0; ; ) {
      const { rows } = await this.db.query<{ page_no: number; text: string; layout: BlockLayout[] | null }>(
        'SELECT page_no, text, layout FROM pages WHERE source_id = $1 AND page_no > $2 ORDER BY page_no LIMIT $3',
        [sourceId, after, PAGE_READ_BATCH],
      );
      for (const r of rows) out.push({ page: r.page_no, text: r.text, layout: r.layout });
      if (rows.length < PAGE_READ_BATCH) return out;
      after = rows[rows.length - 1].page_no;
      await yieldToEventLoop();
    }
  }

  /** Many new sources with their files and pages in three statements (bulk imports of short records). */
  async insertMany(tx: Queryable, items: Array<{ source: NewSource; bytes: Uint8Array; pages: Array<{ page: number; text: string }> }>): Promise<Source[]> {
    if (!items.length) return [];
    const col = <K extends keyof NewSource>(k: K) => items.map((i) => i.source[k]);
    const { rows } = await tx.query<SourceRowDb>(
      `INSERT INTO sources (id, lineage_key, version_no, content_hash, kind, title, publisher, version, year, language,
                            file_name, mime, byte_size, demo, paging, page_count, evidence_level, name_key, uploaded_by)
       SELECT * FROM unnest($1::text[], $2::text[], $3::int[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::int[], $10::text[],
                            $11::text[], $12::text[], $13::bigint[], $14::boolean[], $15::text[], $16::int[], $17::text[], $18::text[], $19::text[])
       RETURNING *`,
      [
        col('id'), col('lineageKey'), col('versionNo'), col('contentHash'), col('kind'), col('title'), col('publisher'), col('version'), col('year'),
        col('language'), col('fileName'), col('mime'), col('byteSize'), col('demo'), col('paging'), col('pageCount'), col('evidenceLevel'),
        items.map((i) => i.source.nameKey ?? i.source.lineageKey),
        col('uploadedBy'),
      ],
    );
    await tx.query(`INSERT INTO source_files (source_id, bytes) SELECT r.id, decode(r.b, 'base64') FROM unnest($1::text[], $2::text[]) AS r(id, b)`, [
      col('id'),
      items.map((i) => Buffer.from(i.bytes.buffer, i.bytes.byteOffset, i.bytes.byteLength).toString('base64')),
    ]);
    const pages = items.flatMap((i) => i.pages.map((p) => ({ id: i.source.id, page: p.page, text: p.text })));
    await tx.query('INSERT INTO pages (source_id, page_no, text) SELECT * FROM unnest($1::text[], $2::int[], $3::text[])', [
      pages.map((p) => p.id), pages.map((p) => p.page), pages.map((p) => p.text),
    ]);
    const byId = new Map(rows.map((r) => [r.id, toSource(r)]));
    return items.map((i) => byId.get(i.source.id) as Source);
  }

  /** Latest version number per lineage, for many lineages at once. */
  async latestVersions(tx: Queryable, lineageKeys: string[]): Promise<Map<string, number>> {
    const { rows } = await tx.query<{ lineage_key: string; v: number }>(
      'SELECT lineage_key, max(version_no)::int AS v FROM sources WHERE lineage_key = ANY($1::text[]) GROUP BY lineage_key',
      [lineageKeys],
    );
    return new Map(rows.map((r) => [r.lineage_key, r.v]));
  }

  /** markReady for many sources: ready with their chunk counts, older versions of each lineage superseded. */
  async markManyReady(tx: Queryable, items: Array<{ id: string; chunkCount: number }>): Promise<void> {
    if (!items.length) return;
    await tx.query(
      `WITH ready AS (
         UPDATE sources s SET status = 'ready', chunk_count = r.n, error = NULL, updated_at = now()
         FROM unnest($1::text[], $2::int[]) AS r(id, n) WHERE s.id = r.id RETURNING s.id, s.lineage_key, s.version_no)
       UPDATE sources o SET superseded_by = ready.id, updated_at = now()
       FROM ready WHERE o.lineage_key = ready.lineage_key AND o.version_no < ready.version_no AND o.superseded_by IS NULL`,
      [items.map((i) => i.id), items.map((i) => i.chunkCount)],
    );
  }

  /** The original file, reassembled from its parts; null when it is missing. */
  async fileBytes(sourceId: string): Promise<Uint8Array | null> {
    const parts: Buffer[] = [];
    for (let part = 0; ; part++) {
      const { rows } = await this.db.query<{ b: string }>(`SELECT encode(bytes, 'base64') AS b FROM source_files WHERE source_id = $1 AND part_no = $2`, [
        sourceId,
        part,
      ]);
      if (!rows[0]) break;
      parts.push(Buffer.from(rows[0].b, 'base64'));
      await yieldToEventLoop();
    }
    return parts.length ? new Uint8Array(Buffer.concat(parts)) : null;
  }

  /** Mark ready and supersede older versions of the same document, in the caller's transaction. */
  async markReady(tx: Queryable, id: string, chunkCount: number): Promise<void> {
    const { rows } = await tx.query<{ lineage_key: string; version_no: number }>(
      `UPDATE sources SET status = 'ready', chunk_count = $2, error = NULL, updated_at = now() WHERE id = $1
       RETURNING lineage_key, version_no`,
      [id, chunkCount],
    );
    if (!rows[0]) return;
    await tx.query(
      `UPDATE sources SET superseded_by = $1, updated_at = now()
       WHERE lineage_key = $2 AND version_no < $3 AND superseded_by IS NULL`,
      [id, rows[0].lineage_key, rows[0].version_no],
    );
  }

  async markFailed(id: string, error: { code: string; message: string }): Promise<void> {
    await this.db.query(`UPDATE sources SET status = 'failed', error = $2::jsonb, updated_at = now() WHERE id = $1`, [
      id,
      JSON.stringify(error),
    ]);
  }

  /** Sources and indexed passages in the corpus (readiness). */
  async corpusCounts(): Promise<{ sources: number; chunks: number }> {
    const { rows } = await this.db.query<{ sources: number; chunks: number | null }>(
      'SELECT (SELECT count(*)::int FROM sources) AS sources, (SELECT n_chunks::int FROM corpus_stats WHERE id = 1) AS chunks',
    );
    return { sources: rows[0]?.sources ?? 0, chunks: rows[0]?.chunks ?? 0 };
  }

  /** One stored passage (chunk) by id, searchable or not; null when absent. */
  async passage(chunkId: string): Promise<StoredPassage | null> {
    const { rows } = await this.db.query<{
      id: string; source_id: string; ordinal: number; heading_path: string[]; page_start: number; page_end: number; char_start: number; text: string;
      disabled_at: Date | null; disabled_by: string | null; disabled_reason: string | null;
    }>('SELECT id, source_id, ordinal, heading_path, page_start, page_end, char_start, text, disabled_at, disabled_by, disabled_reason FROM chunks WHERE id = $1', [chunkId]);
    const c = rows[0];
    if (!c) return null;
    return {
      id: c.id, sourceId: c.source_id, ordinal: c.ordinal, headingPath: c.heading_path, pageStart: c.page_start, pageEnd: c.page_end, charStart: c.char_start, text: c.text,
      disabled: c.disabled_at ? { at: new Date(c.disabled_at).toISOString(), by: c.disabled_by ?? '', reason: c.disabled_reason ?? '' } : null,
    };
  }

  async page(sourceId: string, pageNo: number): Promise<string | null> {
    const { rows } = await this.db.query<{ text: string }>('SELECT text FROM pages WHERE source_id = $1 AND page_no = $2', [sourceId, pageNo]);
    return rows[0]?.text ?? null;
  }

  async pages(sourceId: string, from: number, to: number): Promise<Array<{ page: number; text: string }>> {
    const { rows } = await this.db.query<{ page_no: number; text: string }>(
      'SELECT page_no, text FROM pages WHERE source_id = $1 AND page_no BETWEEN $2 AND $3 ORDER BY page_no',
      [sourceId, from, to],
    );
    return rows.map((r) => ({ page: r.page_no, text: r.text }));
  }

  /** How many passages (chunks) a source has, searchable or not. */
  async chunkCount(sourceId: string, q: Queryable = this.db): Promise<number> {
    const { rows } = await q.query<{ n: number }>('SELECT count(*)::int AS n FROM chunks WHERE source_id = $1', [sourceId]);
    return rows[0]?.n ?? 0;
  }

  /** The ordinal after a source's last stored passage (0 when none): where an interrupted ingest resumes. */
  async nextChunkOrdinal(sourceId: string): Promise<number> {
    const { rows } = await this.db.query<{ next: number }>('SELECT coalesce(max(ordinal) + 1, 0)::int AS next FROM chunks WHERE source_id = $1', [sourceId]);
    return rows[0]?.next ?? 0;
  }

  /** Up to `limit` passages of a source from ordinal `from` on, in reading order (what extraction walks). */
  async chunksFrom(sourceId: string, from: number, limit: number): Promise<SourceChunk[]> {
    const { rows } = await this.db.query<{ id: string; ordinal: number; text: string; heading_path: string[]; page_start: number; page_end: number }>(
      'SELECT id, ordinal, text, heading_path, page_start, page_end FROM chunks WHERE source_id = $1 AND ordinal >= $2 ORDER BY ordinal LIMIT $3',
      [sourceId, from, limit],
    );
    return rows.map((r) => ({ id: r.id, ordinal: r.ordinal, text: r.text, headingPath: r.heading_path, pageStart: r.page_start, pageEnd: r.page_end }));
  }

  /** The first page between `from` and `to` whose text contains `text`, or null. */
  async pageContaining(sourceId: string, from: number, to: number, text: string): Promise<number | null> {
    const { rows } = await this.db.query<{ page_no: number }>(
      'SELECT page_no FROM pages WHERE source_id = $1 AND page_no BETWEEN $2 AND $3 AND strpos(text, $4) > 0 ORDER BY page_no LIMIT 1',
      [sourceId, from, to, text],
    );
    return rows[0]?.page_no ?? null;
  }

  /** Delete a source with its pages, file and chunks (chunk statistics are the caller's job). */
  async delete(tx: Queryable, id: string): Promise<boolean> {
    const { rowCount } = await tx.query('DELETE FROM sources WHERE id = $1', [id]);
    return rowCount > 0;
  }
}
