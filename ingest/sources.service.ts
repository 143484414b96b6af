import { AppError, type KnowledgeScope, type Viewer } from '../core/index.ts';
import { formatCitation } from '../search/index.ts';
import type { Database, Job } from '../store/index.ts';
import type { IngestService, RegisterResult, VersionChoice } from './ingest.service.ts';
import type { DeletionPlan, PassageRow, SourceAdminService, SourceMetaPatch } from './source-admin.service.ts';
import type { Source } from './source.schema.ts';
import type { SourceChunk, SourceListQuery, SourcesRepository, StoredPassage } from './sources.repository.ts';
import type { ChunkTable, PageTableView, TablesRepository } from './tables.repository.ts';
import type { SourceMetaInput } from './document.ts';

export interface SourcesServiceDeps {
  db: Database;
  ingest: IngestService;
  admin: SourceAdminService;
  sources: SourcesRepository;
  tables: TablesRepository;
  /** Wake the job workers: called after every use case that queues a job. */
  wake: () => void;
  /** Wake the graph projector: deleting a source retires the relations backed only by it. */
  graphChanged: () => Promise<void>;
  /** Collections with per-role visibility (collections/): what a reader may open; absent, everything. */
  collections?: SourceCollectionsPort;
}

/** What the sources use cases need of the collections capability (implemented by CollectionsService). */
export interface SourceCollectionsPort {
  resolve(viewer: Viewer | null, requested?: readonly string[]): Promise<KnowledgeScope>;
  membership(sourceIds: string[], viewer: Viewer | null): Promise<Map<string, Array<{ id: string; name: string }>>>;
}

/** A source in the list, with the collections (visible to the reader) it belongs to. */
export type ListedSource = Source & { collections?: Array<{ id: string; name: string }> };

/** A passage with its source, the pages it spans (with their tables) and its citation. */
export interface PassageView {
  chunk: StoredPassage & { citation: string; table: ChunkTable | null };
  source: Source;
  pages: Array<{ page: number; text: string; tables: PageTableView[] }>;
}

/**
 * The sources capability's use cases (issue 20): register documents, read sources, pages and passages, edit,
 * re-parse, delete, take passages out of search. Queueing a job wakes the workers here, not in each caller.
 * Other capabilities read sources only through this service.
 */
export class SourcesService {
  constructor(private readonly deps: SourcesServiceDeps) {}

  /** Register an uploaded document (parse, store, queue its ingest job); a duplicate returns the existing source. */
  async register(bytes: Uint8Array, fileName: string, meta: SourceMetaInput = {}, choice: VersionChoice = {}, opts: { actor?: string } = {}): Promise<RegisterResult> {
    const r = await this.deps.ingest.register(bytes, fileName, meta, choice, opts);
    if (r.status !== 'duplicate') this.deps.wake();
    return r;
  }

  sameName(fileName: string, sha256?: string): ReturnType<IngestService['sameName']> {
    return this.deps.ingest.sameName(fileName, sha256);
  }

  unsupersede(id: string, actor: string): Promise<{ restored: Source; detached: Source }> {
    return this.deps.ingest.unsupersede(id, actor);
  }

  /**
   * A page of sources `viewer` may see (null: everything), optionally only those of one `collection` (name or id;
   * COLLECTION_NOT_FOUND when unknown or hidden), each with the visible collections it belongs to.
   */
  async list(query: SourceListQuery & { collection?: string } = {}, viewer: Viewer | null = null): Promise<{ items: ListedSource[]; total: number; byKind: Record<string, number> }> {
    const { collection, ...rest } = query;
    const port = this.deps.collections;
    if (!port) return this.deps.sources.list(rest);
    const scope = await port.resolve(viewer, collection ? [collection] : []);
    const page = await this.deps.sources.list({ ...rest, collectionIds: scope.collectionIds });
    const members = await port.membership(page.items.map((s) => s.id), viewer);
    return { ...page, items: page.items.map((s) => ({ ...s, collections: members.get(s.id) ?? [] })) };
  }

  /** The current indexed sources (ready, not superseded): what extraction and evaluation work on. */
  async currentIndexed(): Promise<Source[]> {
    return (await this.deps.sources.list({ status: 'ready', limit: 10_000 })).items.filter((s) => !s.supersededBy);
  }

  corpusCounts(): Promise<{ sources: number; chunks: number }> {
    return this.deps.sources.corpusCounts();
  }

  count(): Promise<number> {
    return this.deps.sources.count();
  }

  /** A source, or null when absent. */
  get(id: string): Promise<Source | null> {
    return this.deps.sources.get(id);
  }

  /**
   * A source, or NOT_FOUND naming `field`. Given a `viewer`, a source in none of the collections their role can see
   * is NOT_FOUND too (the same answer: a hidden source's existence is not confirmed).
   */
  async require(id: string, field = 'id', viewer?: Viewer | null): Promise<Source> {
    const s = await this.deps.sources.get(id);
    if (!s || (viewer !== undefined && !(await this.visibleTo(viewer, s.id)))) throw new AppError('NOT_FOUND', `来源不存在 / unknown source ${id}`, { field });
    return s;
  }

  private async visibleTo(viewer: Viewer | null, sourceId: string): Promise<boolean> {
    if (!this.deps.collections) return true;
    const scope = await this.deps.collections.resolve(viewer);
    return scope.collectionIds === null || (await scope.visible([sourceId])).has(sourceId);
  }

  /** The stored original file of a source (NOT_FOUND when the source or its file is absent, or hidden from `viewer`). */
  async file(id: string, viewer?: Viewer | null): Promise<{ source: Source; bytes: Uint8Array | null }> {
    const source = await this.require(id, 'id', viewer);
    return { source, bytes: await this.deps.sources.fileBytes(source.id) };
  }

  /** One page's text with its tables; NOT_FOUND for an unknown source or page. */
  async page(id: string, pageNo: number, viewer?: Viewer | null): Promise<{ page: number; text: string; tables: PageTableView[]; pageCount: number }> {
    const s = await this.require(id, 'id', viewer);
    const text = await this.deps.sources.page(s.id, pageNo);
    if (text === null) throw new AppError('NOT_FOUND', `第 ${pageNo} 页不存在 / no page ${pageNo}`, { field: 'page' });
    const tables = await this.deps.tables.forPages(this.deps.db, s.id, pageNo, pageNo);
    return { page: pageNo, text, tables, pageCount: s.pageCount ?? 0 };
  }

  /** A passage with its source and pages; the citation is the one search prints (retraction warning included). */
  async passage(chunkId: string, viewer?: Viewer | null): Promise<PassageView> {
    const c = await this.deps.sources.passage(chunkId);
    if (!c || (viewer !== undefined && !(await this.visibleTo(viewer, c.sourceId)))) throw new AppError('NOT_FOUND', `段落不存在 / unknown chunk ${chunkId}`, { field: 'id' });
    const source = await this.require(c.sourceId);
    const [pages, pageTables, chunkTables] = await Promise.all([
      this.deps.sources.pages(c.sourceId, c.pageStart, c.pageEnd),
      this.deps.tables.forPages(this.deps.db, c.sourceId, c.pageStart, c.pageEnd),
      this.deps.tables.forChunks(this.deps.db, [c.id]),
    ]);
    const citation = formatCitation({ title: source.title, version: source.version, year: source.year, pageStart: c.pageStart, pageEnd: c.pageEnd, retracted: source.retractedAt !== null });
    return {
      chunk: { ...c, citation, table: chunkTables.get(c.id) ?? null },
      source,
      pages: pages.map((p) => ({ ...p, tables: pageTables.filter((t) => t.page === p.page) })),
    };
  }

  /** How many passages a source has (what extraction walks, searchable or not). */
  chunkCount(sourceId: string): Promise<number> {
    return this.deps.sources.chunkCount(sourceId);
  }

  /** Up to `limit` passages of a source from ordinal `from` on, in reading order. */
  chunksFrom(sourceId: string, from: number, limit: number): Promise<SourceChunk[]> {
    return this.deps.sources.chunksFrom(sourceId, from, limit);
  }

  /** The first page between `from` and `to` whose text contains `text` (where a quote is), or null. */
  pageContaining(sourceId: string, from: number, to: number, text: string): Promise<number | null> {
    return this.deps.sources.pageContaining(sourceId, from, to, text);
  }

  deletionPlan(id: string): Promise<DeletionPlan> {
    return this.deps.admin.deletionPlan(id);
  }

  /** Delete a source (audited); relations backed only by it are retired, and the graph follows. */
  async delete(id: string, opts: { actor: string; reason?: string }): Promise<DeletionPlan> {
    const plan = await this.deps.admin.delete(id, opts);
    await this.deps.graphChanged();
    return plan;
  }

  edit(id: string, patch: SourceMetaPatch, actor: string): Promise<Source> {
    return this.deps.admin.edit(id, patch, actor);
  }

  /** Re-parse from the stored file with new settings: queues the ingest job and wakes the workers. */
  async reparse(id: string, settings: { chunkChars?: number }, actor: string): Promise<{ source: Source; job: Job }> {
    const r = await this.deps.admin.reparse(id, settings, actor);
    this.deps.wake();
    return r;
  }

  async passages(id: string, opts: { limit: number; offset: number; disabled?: boolean }, viewer?: Viewer | null): Promise<{ items: PassageRow[]; total: number }> {
    if (viewer !== undefined) await this.require(id, 'id', viewer);
    return this.deps.admin.passages(id, opts);
  }

  setPassageDisabled(chunkId: string, disable: { reason: string } | null, actor: string): Promise<void> {
    return this.deps.admin.setPassageDisabled(chunkId, disable, actor);
  }
}
