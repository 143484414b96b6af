import path from 'node:path';
import { AuditLog } from '../audit/index.ts';
import { AppError, newId, sha256Hex } from '../core/index.ts';
import type { Database, Job, JobQueue, Queryable } from '../store/index.ts';
import { MIME, type SourceMetaInput, SourceMetaInputSchema } from './document.ts';
import { evidenceLevelOfKind } from './evidence-level.ts';
import { tablesFromPages } from './page-layout.ts';
import type { ParsePool } from './parse-pool.ts';
import type { ReadLimits } from './readers/read-limits.ts';
import { detectFileType } from './readers/index.ts';
import { fileNameKey, safeFileName } from './file-name.ts';
import type { Source, SourcesRepository } from './sources.repository.ts';
import type { TablesRepository } from './tables.repository.ts';

export const INGEST_JOB = 'ingest';

export interface RegisterResult {
  status: 'queued' | 'duplicate';
  source: Source;
  job: Job | null;
}

/**
 * What the uploader chose when current sources share the file's name (see register). Without a choice,
 * such an upload is refused with SAME_NAME_EXISTS listing the matches, and nothing is written.
 */
export interface VersionChoice {
  /** The upload is a new version of this current source, which it supersedes once indexed. */
  supersedes?: string;
  /** The upload is a separate source that happens to share the name. */
  separate?: boolean;
  /** Supersede the one current source of the same name, if there is one (several: SAME_NAME_EXISTS). The CLI's --new-version. */
  newVersion?: boolean;
}

export interface IngestLimits extends ReadLimits {
  maxUploadBytes: number;
  chunkChars: number;
}

/**
 * Registering a file validates it completely (type, encoding, text layer, page and size bounds) before
 * anything is written, then stores source, original bytes, pages (with their block layout) and the
 * ingest job in one transaction: bad input leaves the database unchanged, good input is durable before
 * the caller hears "queued". Parsing runs in the parser threads; the writes go in bounded statements
 * that yield to the event loop, so a large document never stalls the API.
 */
export class IngestService {
  constructor(
    private readonly db: Database,
    private readonly sources: SourcesRepository,
    private readonly jobs: JobQueue,
    private readonly parser: ParsePool,
    private readonly limits: IngestLimits,
    private readonly tables: TablesRepository,
  ) {}

  /**
   * Register an upload. `actor` (a username, `cli:<os user>`, `system`) is stored as the source's
   * uploader and audited as `source.upload` in the same transaction; a duplicate changes nothing.
   */
  async register(bytes: Uint8Array, fileName: string, metaInput: SourceMetaInput = {}, choice: VersionChoice = {}, opts: { actor?: string } = {}): Promise<RegisterResult> {
    const actor = opts.actor ?? 'system';
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
    const id = newId('src');
    const nameKey = fileNameKey(name);
    // Decided before parsing (a refusal costs no parse) and again in the transaction, where it counts:
    // a same-name upload that was registered meanwhile must not become a silent new version.
    await this.lineageFor(this.db, id, nameKey, choice);

    const doc = await this.parser.parse({ bytes, fileName: name, type, limits: this.limits });
    const meta = { ...doc.meta, ...stripUndefined(explicit.data) };
    return this.db.transaction(async (tx): Promise<RegisterResult> => {
      const twin = await this.sources.findByHash(hash, tx); // the same file, uploaded meanwhile
      if (twin) return { status: 'duplicate', source: twin, job: null };
      const lineageKey = await this.lineageFor(tx, id, nameKey, choice);
      const source = await this.sources.insert(tx, {
        id,
        lineageKey,
        nameKey,
        versionNo: await this.sources.nextVersionNo(tx, lineageKey),
        contentHash: hash,
        kind: meta.kind ?? 'other',
        title: meta.title ?? path.basename(name, path.extname(name)),
        publisher: meta.publisher ?? null,
        version: meta.version ?? null,
        year: meta.year ?? null,
        language: meta.language ?? doc.language,
        fileName: name,
        mime: MIME[type],
        byteSize: bytes.length,
        demo: meta.demo ?? false,
        paging: doc.paging,
        pageCount: doc.pageCount,
        evidenceLevel: evidenceLevelOfKind(meta.kind ?? 'other'),
        uploadedBy: actor,
      });
      await this.sources.insertFile(tx, id, bytes);
      await this.sources.insertPages(tx, id, doc.pages);
      await this.tables.insertTables(tx, id, tablesFromPages(doc.pages));
      const job = await this.jobs.enqueue(tx, INGEST_JOB, { sourceId: id, chunkChars: this.limits.chunkChars }, { dedupeKey: `ingest:${id}` });
      await new AuditLog().append(tx, {
        actor,
        action: 'source.upload',
        target: source.id,
        details: { fileName: name, bytes: bytes.length, sha256: hash, kind: source.kind, title: source.title.slice(0, 200), versionNo: source.versionNo },
      });
      return { status: 'queued' as const, source, job };
    });
  }

  /**
   * Current sources an upload named `fileName` would meet (what the upload form shows before confirming),
   * and — given the file's SHA-256 — the source it duplicates, if any (then no choice is needed).
   */
  async sameName(fileName: string, sha256?: string): Promise<{ nameKey: string; matches: Source[]; duplicate: Source | null }> {
    const nameKey = fileNameKey(safeFileName(fileName));
    const [matches, duplicate] = await Promise.all([this.sources.currentByName(nameKey), sha256 ? this.sources.findByHash(sha256) : null]);
    return { nameKey, matches, duplicate };
  }

  /**
   * Undo a supersede: `id` (a superseded source) becomes current again, and the source that superseded
   * it leaves the version chain as a separate source. Relations backed by `id` stop being stale.
   */
  async unsupersede(id: string, actor = 'system'): Promise<{ restored: Source; detached: Source }> {
    return this.db.transaction(async (tx) => {
      const old = await this.sources.get(id, tx);
      if (!old) throw new AppError('NOT_FOUND', `来源不存在 / unknown source ${id}`, { field: 'id' });
      if (!old.supersededBy) throw new AppError('STATE_CONFLICT', `《${old.title}》未被取代 / source is not superseded`, { field: 'id' });
      const newer = await this.sources.get(old.supersededBy, tx);
      if (newer?.supersededBy) {
        throw new AppError('STATE_CONFLICT', `取代它的版本《${newer.title}》本身已被取代：请先恢复最新的版本 / the newer version is itself superseded: restore the newest first`, {
          field: 'id',
          details: { supersededBy: newer.id },
        });
      }
      const result = await this.sources.unsupersede(tx, id);
      await new AuditLog().append(tx, { actor, action: 'source.unsupersede', target: id, details: { title: old.title.slice(0, 200), detached: newer?.id ?? null } });
      return result;
    });
  }

  private async lineageFor(q: Queryable, id: string, nameKey: string, choice: VersionChoice): Promise<string> {
    if ([choice.supersedes, choice.separate, choice.newVersion].filter(Boolean).length > 1) {
      throw new AppError('VALIDATION_FAILED', 'supersedes、separate 与 newVersion 只能选一个 / choose one of supersedes, separate, newVersion', { field: 'supersedes' });
    }
    if (choice.supersedes) {
      const target = await this.sources.get(choice.supersedes, q);
      if (!target) throw new AppError('NOT_FOUND', `要取代的来源不存在 / unknown source ${choice.supersedes}`, { field: 'supersedes' });
      if (target.supersededBy || target.status === 'failed') {
        throw new AppError('STATE_CONFLICT', `《${target.title}》不是当前版本，不能被取代 / only a current source can be superseded`, {
          field: 'supersedes',
          details: { supersededBy: target.supersededBy, status: target.status },
        });
      }
      return target.lineageKey;
    }
    const matches = await this.sources.currentByName(nameKey, q);
    if (choice.newVersion && matches.length === 1) return matches[0].lineageKey;
    if (matches.length && !choice.separate) {
      const list = matches.map((m) => `《${m.title}》${m.version ?? ''}`).join('、');
      throw new AppError(
        'SAME_NAME_EXISTS',
        `已有同名来源 ${list}：请选择作为新版本取代它（supersedes），或作为独立来源导入（separate）/ a current source has the same name: choose a new version (supersedes=<id>) or a separate source (separate=true)`,
        { field: 'file', details: { matches: matches.map((m) => ({ id: m.id, title: m.title, version: m.version, year: m.year, fileName: m.fileName })) } },
      );
    }
    return (await this.sources.lineageExists(nameKey, q)) && choice.separate ? `${nameKey}~${id}` : nameKey;
  }
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
