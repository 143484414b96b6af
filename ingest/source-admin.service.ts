import { AuditLog } from '../audit/index.ts';
import { AppError } from '../core/index.ts';
import type { Database, Job, JobQueue, Queryable } from '../store/index.ts';
import { INGEST_JOB } from './ingest.service.ts';
import type { IngestLimits } from './ingest.service.ts';
import { detectFileType } from './readers/index.ts';
import type { ParsePool } from './parse-pool.ts';
import { type PassageRow, SourceAdminRepository, type SourceMetaPatch } from './source-admin.repository.ts';
import type { Source, SourcesRepository } from './sources.repository.ts';

export type { PassageRow, SourceMetaPatch };

/** The knowledge built from a source, as deletion sees it (implemented by the knowledge capability). */
export interface SourceKnowledgePort {
  impact(q: Queryable, sourceId: string): Promise<{
    candidates: { pending: number; approved: number; rejected: number };
    relationsRetired: Array<{ id: string; subject: string; predicate: string; object: string }>;
    relationsKept: number;
  }>;
  retireBackedOnlyBy(tx: Queryable, sourceId: string, actor: string, reason: string): Promise<string[]>;
}

/** Search-index upkeep when a source's passages go (implemented by search's ChunkIndexer). */
export interface PassageIndexPort {
  deleteBySource(tx: Queryable, sourceId: string): Promise<number>;
}

export interface DeletionPlan {
  source: Source;
  pages: number;
  passages: number;
  disabledPassages: number;
  embeddings: number;
  termEvidence: number;
  candidates: { pending: number; approved: number; rejected: number };
  relationsRetired: Array<{ id: string; subject: string; predicate: string; object: string }>;
  relationsKept: number;
  /** The older version that becomes current again when this (its superseding version) is deleted. */
  restores: { id: string; title: string; versionNo: number } | null;
  /** Queued or running jobs of this source that deletion cancels. */
  jobsCancelled: number;
}

/** Smallest and largest passage size a re-parse accepts (characters). */
export const CHUNK_CHARS_RANGE = { min: 200, max: 4000 } as const;

/**
 * Managing sources after upload (issue 14): see what a deletion would remove and delete, edit metadata,
 * re-parse with new settings, and take single passages out of search. Every change is one transaction
 * with its audit row; relations backed only by a deleted source are retired with history, never dropped.
 */
export class SourceAdminService {
  private readonly repo = new SourceAdminRepository();
  private readonly audit = new AuditLog();

  constructor(
    private readonly deps: {
      db: Database;
      sources: SourcesRepository;
      jobs: JobQueue;
      parser: ParsePool;
      limits: IngestLimits;
      knowledge: SourceKnowledgePort;
      index: PassageIndexPort;
    },
  ) {}

  /** What deleting `id` removes, retires and restores; NOT_FOUND when absent. */
  async deletionPlan(id: string, q: Queryable = this.deps.db): Promise<DeletionPlan> {
    const source = await this.require(id, q);
    const [holdings, knowledge, jobs, older] = await Promise.all([
      this.repo.holdings(q, id),
      this.deps.knowledge.impact(q, id),
      this.repo.activeIngestJobs(q, id, INGEST_JOB),
      this.repo.newestSupersededBy(q, id),
    ]);
    return {
      source,
      ...holdings,
      ...knowledge,
      restores: older && !source.supersededBy ? older : null,
      jobsCancelled: jobs.length,
    };
  }

  /**
   * Delete a source with its file, pages, passages (and their vectors), candidates and term evidence.
   * Relations whose only evidence it was are retired with history and a graph event; relations with
   * other evidence keep it. An older version it superseded becomes current again. Audited as `source.delete`.
   */
  async delete(id: string, opts: { actor: string; reason?: string }): Promise<DeletionPlan> {
    return this.deps.db.transaction(async (tx) => {
      const plan = await this.deletionPlan(id, tx);
      const reason = `来源已删除：《${plan.source.title.slice(0, 120)}》${opts.reason ? `（${opts.reason}）` : ''}`;
      await this.deps.knowledge.retireBackedOnlyBy(tx, id, opts.actor, reason);
      const jobsCancelled = await this.repo.cancelJobsOf(tx, id);
      await this.deps.index.deleteBySource(tx, id);
      await this.deps.sources.delete(tx, id);
      await this.audit.append(tx, {
        actor: opts.actor,
        action: 'source.delete',
        target: id,
        details: {
          title: plan.source.title.slice(0, 200), fileName: plan.source.fileName, sha256: plan.source.contentHash, reason: opts.reason ?? null,
          pages: plan.pages, passages: plan.passages, candidates: plan.candidates, relationsRetired: plan.relationsRetired.map((r) => r.id),
          relationsKept: plan.relationsKept, restored: plan.restores?.id ?? null, jobsCancelled,
        },
      });
      return { ...plan, jobsCancelled };
    });
  }

  /** Edit metadata; audited as `source.edit` with the values before and after. */
  async edit(id: string, patch: SourceMetaPatch, actor: string): Promise<Source> {
    return this.deps.db.transaction(async (tx) => {
      await this.require(id, tx);
      const before = await this.repo.patch(tx, id, patch);
      await this.audit.append(tx, { actor, action: 'source.edit', target: id, details: { before, after: patch } });
      return this.require(id, tx);
    });
  }

  /**
   * Re-parse: read the stored original file again (current parser), replace the pages, drop the old
   * passages and the pending candidates found in them, and queue the ingest job with the new passage
   * size. Reviewed candidates and relations stay. Refused while the source is still being ingested.
   */
  async reparse(id: string, settings: { chunkChars?: number }, actor: string): Promise<{ source: Source; job: Job }> {
    const source = await this.require(id);
    if ((await this.repo.activeIngestJobs(this.deps.db, id, INGEST_JOB)).length) {
      throw new AppError('STATE_CONFLICT', `《${source.title}》正在处理中，完成后再重新解析`, { field: 'id' });
    }
    const chunkChars = settings.chunkChars ?? this.deps.limits.chunkChars;
    if (!Number.isInteger(chunkChars) || chunkChars < CHUNK_CHARS_RANGE.min || chunkChars > CHUNK_CHARS_RANGE.max) {
      throw new AppError('VALIDATION_FAILED', `段落长度应在 ${CHUNK_CHARS_RANGE.min}–${CHUNK_CHARS_RANGE.max} 字之间`, { field: 'chunkChars' });
    }
    const bytes = await this.deps.sources.fileBytes(id);
    if (!bytes) throw new AppError('NOT_FOUND', `《${source.title}》的原始文件缺失，无法重新解析，请重新上传`, { field: 'id' });
    const doc = await this.deps.parser.parse({ bytes, fileName: source.fileName, type: detectFileType(bytes, source.fileName), limits: this.deps.limits });
    return this.deps.db.transaction(async (tx) => {
      const locked = await this.require(id, tx);
      const removed = await this.deps.index.deleteBySource(tx, id);
      const { pendingCandidates } = await this.repo.resetForReparse(tx, id, doc);
      await this.deps.sources.insertPages(tx, id, doc.pages);
      const job = await this.deps.jobs.enqueue(tx, INGEST_JOB, { sourceId: id, chunkChars }, { dedupeKey: `ingest:${id}`, rerunFinished: true });
      await this.audit.append(tx, {
        actor,
        action: 'source.reparse',
        target: id,
        details: { chunkChars, passagesRemoved: removed, pendingCandidatesRemoved: pendingCandidates, pages: doc.pageCount, previousStatus: locked.status },
      });
      return { source: await this.require(id, tx), job };
    });
  }

  /** The source's passages, in order. */
  async passages(id: string, opts: { limit: number; offset: number; disabled?: boolean }): Promise<{ items: PassageRow[]; total: number }> {
    await this.require(id);
    return this.repo.passages(this.deps.db, id, opts);
  }

  /**
   * Take a passage out of search and chat (with a reason) or put it back; audited as `passage.disable`
   * / `passage.enable`. Disabling a disabled passage (or enabling an enabled one) is a 409.
   */
  async setPassageDisabled(chunkId: string, disable: { reason: string } | null, actor: string): Promise<void> {
    await this.deps.db.transaction(async (tx) => {
      const p = await this.repo.lockPassage(tx, chunkId);
      if (!p) throw new AppError('NOT_FOUND', `段落不存在：${chunkId}`, { field: 'id' });
      if (p.disabled === (disable !== null)) {
        throw new AppError('STATE_CONFLICT', disable ? '该段落已停用' : '该段落未停用', { field: 'id' });
      }
      await this.repo.setPassageDisabled(tx, chunkId, disable ? { actor, reason: disable.reason } : null);
      await this.audit.append(tx, {
        actor,
        action: disable ? 'passage.disable' : 'passage.enable',
        target: chunkId,
        details: { sourceId: p.sourceId, reason: disable?.reason ?? null },
      });
    });
  }

  private async require(id: string, q: Queryable = this.deps.db): Promise<Source> {
    const s = await this.deps.sources.get(id, q);
    if (!s) throw new AppError('NOT_FOUND', `来源不存在：${id}`, { field: 'id' });
    return s;
  }
}
