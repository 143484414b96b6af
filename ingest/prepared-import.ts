import { newId } from '../core/index.ts';
import { type ChunkIndexer, enqueueEmbeddings } from '../search/index.ts';
import type { JobQueue, Queryable } from '../store/index.ts';
import { chunkDocument } from './chunker.ts';
import type { ParsedDocument } from './document.ts';
import type { NewSource, Source, SourcesRepository } from './sources.repository.ts';
import { normalizeBlock } from './tables.ts';
import type { TablesRepository } from './tables.repository.ts';

/** A document another capability already parsed (a PubMed record), with everything a source row needs. */
export interface PreparedSource
  extends Pick<NewSource, 'lineageKey' | 'contentHash' | 'fileName' | 'mime' | 'kind' | 'title' | 'publisher' | 'version' | 'year' | 'language' | 'evidenceLevel' | 'demo' | 'uploadedBy'> {
  doc: ParsedDocument;
  bytes: Uint8Array;
  /**
   * Let the demo reviewer pre-approve a starter set from this (demo) source. Off for literature: new
   * literature is what experts are meant to review.
   */
  demoApprovals?: boolean;
}

export interface PreparedImportDeps {
  sources: SourcesRepository;
  indexer: ChunkIndexer;
  tables: TablesRepository;
  jobs: JobQueue;
  chunkChars: number;
  /** Work queued with the sources (triple extraction), for the whole batch at once. */
  onReady?: (tx: Queryable, sources: Array<{ id: string; demo: boolean; tags?: string[] }>) => Promise<void>;
}

/**
 * Store and index small prepared documents inside the caller's transaction: sources, pages,
 * chunks, ready, embedding and extraction queued — all or nothing, in a handful of statements per
 * batch. Used for short records (abstracts) arriving by the thousand, where one ingest job per
 * record would cost more than the indexing itself. Large files still go through
 * IngestService.register and the ingest job.
 */
export async function storePrepared(tx: Queryable, deps: PreparedImportDeps, items: Array<PreparedSource & { tags?: string[] }>): Promise<Source[]> {
  if (!items.length) return [];
  const latest = await deps.sources.latestVersions(tx, [...new Set(items.map((p) => p.lineageKey))]);
  const drafts = items.map((p) => {
    const { pages, chunks, tables } = chunkDocument(p.doc.blocks.map(normalizeBlock), deps.chunkChars);
    const versionNo = (latest.get(p.lineageKey) ?? 0) + 1;
    latest.set(p.lineageKey, versionNo);
    const source: NewSource = {
      id: newId('src'), lineageKey: p.lineageKey, versionNo, contentHash: p.contentHash, kind: p.kind, title: p.title,
      publisher: p.publisher, version: p.version, year: p.year, language: p.language, fileName: p.fileName, mime: p.mime,
      byteSize: p.bytes.length, demo: p.demo, paging: p.doc.paging, pageCount: p.doc.pageCount, evidenceLevel: p.evidenceLevel, uploadedBy: p.uploadedBy,
    };
    return { source, bytes: p.bytes, pages, chunks, tables, tags: p.tags ?? [], demoApprovals: p.demoApprovals ?? p.demo };
  });
  const stored = await deps.sources.insertMany(tx, drafts);
  const prepared = drafts.map((d) => deps.indexer.prepare(d.source.id, d.chunks, d.source.title));
  await deps.indexer.insert(tx, prepared.flat());
  for (const [i, d] of drafts.entries()) {
    await deps.tables.insertTables(tx, d.source.id, d.tables);
    await deps.tables.insertChunkRows(tx, d.source.id, d.chunks.flatMap((c, k) => (c.table ? [{ chunkId: prepared[i][k].id, ref: c.table }] : [])));
  }
  await deps.sources.markManyReady(tx, drafts.map((d) => ({ id: d.source.id, chunkCount: d.chunks.length })));
  await enqueueEmbeddings(tx, deps.jobs, deps.indexer, drafts.map((d) => d.source.id));
  await deps.onReady?.(tx, drafts.map((d) => ({ id: d.source.id, demo: d.demoApprovals, tags: d.tags })));
  return stored.map((s, i) => ({ ...s, status: 'ready', chunkCount: drafts[i].chunks.length }));
}
