import path from 'node:path';
import { AppError, detectLanguage, newId, sha256Hex } from '../core/index.ts';
import type { Database, Job, JobQueue } from '../store/index.ts';
import { MIME, type ParsedDocument, type SourceMetaInput, SourceMetaInputSchema } from './document.ts';
import { detectFileType, readDocument } from './readers/index.ts';
import type { Source, SourcesRepository } from './sources.repository.ts';
import { chunkDocument } from './chunker.ts';
import { evidenceLevelOfKind } from './evidence-level.ts';
import type { TablesRepository } from './tables.repository.ts';

export const INGEST_JOB = 'ingest';

export interface RegisterResult {
  status: 'queued' | 'duplicate';
  source: Source;
  job: Job | null;
}

export interface IngestLimits {
  maxUploadBytes: number;
  chunkChars: number;
}

/**
 * Registering a file validates it completely (type, encoding, text layer) before anything is
 * written, then stores source, original bytes, pages and the ingest job in one transaction: bad input
 * leaves the database unchanged, good input is durable before the caller hears "queued".
 */
export class IngestService {
  /** Parsed documents awaiting their job in this process; a cache only — the job re-reads bytes when absent. */
  private readonly parsed = new Map<string, ParsedDocument>();

  constructor(
    private readonly db: Database,
    private readonly sources: SourcesRepository,
    private readonly jobs: JobQueue,
    private readonly limits: IngestLimits,
    private readonly tables: TablesRepository,
  ) {}

  async register(bytes: Uint8Array, fileName: string, metaInput: SourceMetaInput = {}): Promise<RegisterResult> {
    const name = safeFileName(fileName);
    if (bytes.length === 0) throw new AppError('EMPTY_FILE', `${name} 是空文件（0 字节）/ empty file`, { field: 'file' });
    if (bytes.length > this.limits.maxUploadBytes) {
      throw new AppError(
        'FILE_TOO_LARGE',
        `${name} 大小 ${(bytes.length / 1048576).toFixed(1)} MB，超过上限 ${(this.limits.maxUploadBytes / 1048576).toFixed(0)} MB（YZ_MAX_UPLOAD_MB）/ file too large`,
        { field: 'file', details: { bytes: bytes.length, limit: this.limits.maxUploadBytes } },
      );
    }
    const explicit = SourceMetaInputSchema.safeParse(metaInput);
    if (!explicit.success) {
      const issue = explicit.error.issues[0];
      throw new AppError('VALIDATION_FAILED', `元数据 ${issue?.path.join('.')} 无效 / invalid metadata: ${issue?.message}`, {
        field: String(issue?.path[0] ?? 'meta'),
      });
    }
    const type = detectFileType(bytes, name);
    const hash = sha256Hex(bytes);
    const existing = await this.sources.findByHash(hash);
    if (existing) return { status: 'duplicate', source: existing, job: null };

    const doc = await readDocument(bytes, name, type);
    const meta = { ...doc.meta, ...stripUndefined(explicit.data) };
    const { pages, tables } = chunkDocument(doc.blocks, this.limits.chunkChars);
    const lineageKey = path.basename(name, path.extname(name)).normalize('NFKC').toLowerCase();
    const sampleText = doc.blocks.slice(0, 200).map((b) => b.text).join('\n');

    const result = await this.db.transaction(async (tx) => {
      const versionNo = await this.sources.nextVersionNo(tx, lineageKey);
      const source = await this.sources.insert(
        tx,
        {
          id: newId('src'),
          lineageKey,
          versionNo,
          contentHash: hash,
          kind: meta.kind ?? 'other',
          title: meta.title ?? path.basename(name, path.extname(name)),
          publisher: meta.publisher ?? null,
          version: meta.version ?? null,
          year: meta.year ?? null,
          language: meta.language ?? detectLanguage(sampleText),
          fileName: name,
          mime: MIME[type],
          byteSize: bytes.length,
          demo: meta.demo ?? false,
          paging: doc.paging,
          pageCount: doc.pageCount,
          evidenceLevel: evidenceLevelOfKind(meta.kind ?? 'other'),
        },
        bytes,
        pages,
      );
      await this.tables.insertTables(tx, source.id, tables);
      const job = await this.jobs.enqueue(tx, INGEST_JOB, { sourceId: source.id, chunkChars: this.limits.chunkChars }, {
        dedupeKey: `ingest:${source.id}`,
      });
      return { status: 'queued' as const, source, job };
    });
    this.parsed.set(result.source.id, doc);
    return result;
  }

  /** The parsed document for a source: from this process's cache, else re-read from stored bytes. */
  async parsedDocument(source: Source): Promise<ParsedDocument> {
    const cached = this.parsed.get(source.id);
    if (cached) return cached;
    const bytes = await this.sources.fileBytes(source.id);
    if (!bytes) throw new AppError('NOT_FOUND', `原始文件缺失 / original file missing for ${source.id}`);
    return readDocument(bytes, source.fileName);
  }

  forget(sourceId: string): void {
    this.parsed.delete(sourceId);
  }
}

/** Keep only the base name: upload names like "../../etc/passwd" must not become paths. */
export function safeFileName(name: string): string {
  const base = path.basename(String(name).replace(/\\/g, '/')).replace(/[\u0000-\u001f]/g, '').trim();
  if (!base || base === '.' || base === '..') throw new AppError('VALIDATION_FAILED', '文件名无效 / invalid file name', { field: 'file' });
  return base.slice(0, 255);
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
