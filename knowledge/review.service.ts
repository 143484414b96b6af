import { z } from 'zod';
import { AuditLog } from '../audit/index.ts';
import { AppError, isAppError, newId, nextBatchSize, yieldToEventLoop } from '../core/index.ts';
import { type Database, type Queryable, withSavepoint } from '../store/index.ts';
import type { BulkPreview, Candidate, CandidateFilter, CandidateRow, CandidatesRepository } from './candidates.repository.ts';
import { type EntitiesRepository, type Entity, EntityTypeEnum, toGraphEntity } from './entities.repository.ts';
import { CertaintySchema, PredicateSchema, QualifiersSchema } from './model.ts';
import { assertTypesFit, orient } from './predicates.ts';
import { appendOutbox, type RelationsRepository, recordHistory } from './relations.repository.ts';

const NewEntitySchema = z.object({
  type: EntityTypeEnum,
  nameZh: z.string().trim().min(1).max(80),
  nameEn: z.string().trim().max(120).optional(),
  aliases: z.array(z.string().trim().min(1).max(80)).max(20).optional(),
});

/** Edit-then-approve: every field the reviewer may change before approving. */
export const ApprovalEditSchema = z
  .object({
    subjectId: z.string().max(100).optional(),
    objectId: z.string().max(100).optional(),
    /** Create the entity when the text names something the vocabulary does not know yet. */
    subjectNew: NewEntitySchema.optional(),
    objectNew: NewEntitySchema.optional(),
    predicate: PredicateSchema.optional(),
    certainty: CertaintySchema.optional(),
    qualifiers: QualifiersSchema.optional(),
  })
  .strict();
export type ApprovalEdit = z.infer<typeof ApprovalEditSchema>;

export interface ReviewOptions {
  actor: string;
  comment?: string;
  /** The candidate's rowVersion the reviewer saw; a different one means someone acted first. */
  expectedVersion?: number;
  /** Approve although an active relation states the opposite certainty (the relation takes the new one). */
  overrideConflict?: boolean;
  demo?: boolean;
}

export interface BulkResult {
  done: string[];
  failed: { id: string; code: string; message: string }[];
}

const BULK_CAP = 5000;

/**
 * Bulk decisions commit in batches sized to take about `targetMs` each, yielding to the event loop between
 * them: one transaction per candidate made approving a few hundred take seconds, and PGlite never yields
 * inside a run of statements, so the API (and anything else on the event loop) froze until the last one.
 */
const BULK_BATCH = { targetMs: 150, min: 10, max: 500 };

/** How big each bulk batch is: the first size, then the next from the last size and the time it took. */
export interface BatchSizing {
  first: number;
  next(size: number, tookMs: number): number;
}

/** The default: sized to take about BULK_BATCH.targetMs each (tests inject their own sequence). */
export const ADAPTIVE_BATCHES: BatchSizing = { first: BULK_BATCH.min, next: (size, tookMs) => nextBatchSize(size, tookMs, BULK_BATCH) };

/**
 * Approving by filter touches what the reviewer has not read: above this many, the reviewer must type
 * the number the preview showed, so a stray filter cannot approve thousands of triples with one click.
 */
export const BULK_UNCONFIRMED_LIMIT = 50;

/**
 * Expert review: the only path by which knowledge enters the graph. Every decision writes the
 * relation, its evidence, its history, an audit record and the outbox event in one transaction.
 */
export class ReviewService {
  private readonly audit = new AuditLog();

  constructor(
    private readonly db: Database,
    private readonly candidates: CandidatesRepository,
    private readonly entities: EntitiesRepository,
    private readonly relations: RelationsRepository,
    private readonly onChange: () => void = () => {},
    private readonly batching: BatchSizing = ADAPTIVE_BATCHES,
  ) {}

  async approve(candidateId: string, opts: ReviewOptions & { edit?: ApprovalEdit }): Promise<Candidate> {
    const relationId = await this.db.transaction((tx) => this.approveIn(tx, candidateId, opts));
    this.onChange();
    const out = await this.candidates.get(candidateId);
    if (!out || out.relationId !== relationId) throw new AppError('INTERNAL', `approval of ${candidateId} not visible after commit`);
    return out;
  }

  async reject(candidateId: string, opts: ReviewOptions): Promise<Candidate> {
    await this.db.transaction((tx) => this.rejectIn(tx, candidateId, opts));
    return (await this.candidates.get(candidateId)) as Candidate;
  }

  /** Approve in the caller's transaction: relation, evidence, history, audit and outbox event; returns the relation id. */
  private async approveIn(tx: Queryable, candidateId: string, opts: ReviewOptions & { edit?: ApprovalEdit }): Promise<string> {
    const c = await this.lockPending(tx, candidateId, opts.expectedVersion);
    const edit = opts.edit ?? {};
    const subject = await this.resolveSide(tx, 'subject', edit.subjectId ?? c.subject_id, edit.subjectNew, opts.actor);
    const object = await this.resolveSide(tx, 'object', edit.objectId ?? c.object_id, edit.objectNew, opts.actor);
    const predicate = edit.predicate ?? c.predicate;
    assertTypesFit(predicate, subject, object);
    const [subjectId, objectId] = orient(predicate, subject.id, object.id);
    if (subjectId === objectId) throw new AppError('VALIDATION_FAILED', '主语和宾语是同一实体 / subject and object are the same entity', { field: 'objectId' });
    const certainty = edit.certainty ?? c.certainty;
    const qualifiers = { ...c.qualifiers, ...(edit.qualifiers ?? {}) };
    const existing = await this.relations.findActive(tx, subjectId, predicate, objectId);
    let relationId: string;
    if (existing) {
      const contradicts = (existing.certainty === 'absent') !== (certainty === 'absent');
      if (contradicts && !opts.overrideConflict) {
        throw new AppError(
          'STATE_CONFLICT',
          `已批准的关系 ${existing.id} 的确定性为 ${existing.certainty}，与本条 (${certainty}) 矛盾；请确认后以 overrideConflict 覆盖 / contradicts approved relation ${existing.id}`,
          { field: 'certainty', details: { relationId: existing.id, certainty: existing.certainty } },
        );
      }
      relationId = existing.id;
      const changesCertainty = edit.certainty !== undefined || contradicts;
      await this.relations.reinforce(tx, relationId, { confidence: c.confidence, certainty: changesCertainty ? certainty : null, qualifiers });
      await recordHistory(tx, {
        relationId, candidateId, action: changesCertainty && existing.certainty !== certainty ? 'certainty_changed' : 'evidence_added', actor: opts.actor,
        comment: opts.comment, before: { certainty: existing.certainty, version: existing.version }, after: { certainty: changesCertainty ? certainty : existing.certainty },
      });
    } else {
      relationId = newId('rel');
      await this.relations.insert(tx, { id: relationId, subjectId, predicate, objectId, certainty, qualifiers, confidence: c.confidence, demo: opts.demo ?? false });
      await recordHistory(tx, { relationId, candidateId, action: 'created', actor: opts.actor, comment: opts.comment, after: { subjectId, predicate, objectId, certainty, qualifiers } });
    }
    await this.relations.addEvidence(tx, { relationId, candidateId, sourceId: c.source_id, chunkId: c.chunk_id, page: c.page, quote: c.quote });
    const edited = Object.keys(edit).length > 0;
    await this.candidates.markApproved(tx, candidateId, { relationId, actor: opts.actor, comment: opts.comment ?? null, subjectId: subject.id, objectId: object.id, predicate, certainty, qualifiers });
    await recordHistory(tx, {
      candidateId, relationId, action: edited ? 'edit_approved' : 'approved', actor: opts.actor, comment: opts.comment,
      before: edited ? { subjectId: c.subject_id, objectId: c.object_id, predicate: c.predicate, certainty: c.certainty } : undefined,
      after: edited ? { subjectId: subject.id, objectId: object.id, predicate, certainty } : undefined,
    });
    await this.audit.append(tx, {
      actor: opts.actor, action: 'review.approve', target: candidateId,
      details: { relationId, subjectId, predicate, objectId, certainty, edited, ...(opts.demo ? { demo: true } : {}) },
    });
    await this.emitRelation(tx, relationId);
    return relationId;
  }

  private async rejectIn(tx: Queryable, candidateId: string, opts: ReviewOptions): Promise<void> {
    await this.lockPending(tx, candidateId, opts.expectedVersion);
    await this.candidates.markRejected(tx, candidateId, { actor: opts.actor, comment: opts.comment ?? null });
    await recordHistory(tx, { candidateId, action: 'rejected', actor: opts.actor, comment: opts.comment });
    await this.audit.append(tx, { actor: opts.actor, action: 'review.reject', target: candidateId, details: opts.comment ? { comment: opts.comment } : {} });
  }

  /** What approving everything `filter` matches would do (see CandidatesRepository.bulkPreview). */
  async bulkPreview(filter: CandidateFilter, sampleSize = 10): Promise<BulkPreview & { limit: number; confirmationRequired: boolean }> {
    const p = await this.candidates.bulkPreview(filter, sampleSize);
    return { ...p, limit: BULK_UNCONFIRMED_LIMIT, confirmationRequired: p.approvable > BULK_UNCONFIRMED_LIMIT };
  }

  /**
   * Approve or reject many candidates (by ids or by filter), in batched transactions where each candidate
   * has its own savepoint, so one failure stops nothing else (see BULK_BATCH, decideEach). Bulk approval
   * never approves a candidate whose certainty contradicts a relation or another candidate (those are reported as failed, to be decided one by one), and approval by filter
   * of more than BULK_UNCONFIRMED_LIMIT needs `confirmCount` equal to what the preview counts now.
   */
  async bulk(action: 'approve' | 'reject', target: { ids?: string[]; filter?: CandidateFilter; confirmCount?: number }, opts: ReviewOptions): Promise<BulkResult> {
    let ids: string[];
    if (target.ids?.length) ids = target.ids.slice(0, BULK_CAP);
    else if (action === 'approve') {
      const filter = target.filter ?? {};
      const { approvable } = await this.candidates.bulkPreview(filter, 0);
      if (approvable > BULK_UNCONFIRMED_LIMIT && target.confirmCount !== approvable) {
        throw new AppError(
          'BULK_CONFIRMATION_REQUIRED',
          `将批准 ${approvable} 条，超过 ${BULK_UNCONFIRMED_LIMIT} 条需输入确认数量 ${approvable} / approving ${approvable} needs confirmCount=${approvable}`,
          { field: 'confirmCount', details: { approvable, limit: BULK_UNCONFIRMED_LIMIT } },
        );
      }
      ids = await this.candidates.ids({ ...filter, status: 'pending', conflict: false, unresolved: false }, BULK_CAP);
    } else ids = await this.candidates.ids({ ...target.filter, status: 'pending' }, BULK_CAP);
    const result: BulkResult = { done: [], failed: [] };
    const conflicted = action === 'approve' ? new Set(await this.candidates.conflicted(ids)) : new Set<string>();
    const todo: string[] = [];
    for (const id of ids) {
      if (conflicted.has(id)) result.failed.push({ id, code: 'STATE_CONFLICT', message: '确定性与已有关系或候选矛盾，不能批量批准，请逐条审核 / contradicts another relation or candidate: decide it on its own' });
      else todo.push(id);
    }
    const decide = action === 'approve' ? (tx: Queryable, id: string) => this.approveIn(tx, id, { ...opts, expectedVersion: undefined }) : (tx: Queryable, id: string) => this.rejectIn(tx, id, { ...opts, expectedVersion: undefined });
    let size = this.batching.first;
    // `at` advances by the batch just decided, never by the next batch's size (which adapts to the time taken:
    // advancing by it skipped candidates silently whenever a batch was quick and the size grew).
    for (let at = 0; at < todo.length; ) {
      const started = performance.now();
      const slice = todo.slice(at, at + size);
      const batch = await this.db.transaction((tx) => decideEach(tx, slice, decide));
      result.done.push(...batch.done);
      result.failed.push(...batch.failed);
      at += slice.length;
      size = this.batching.next(size, performance.now() - started);
      await yieldToEventLoop();
    }
    if (action === 'approve' && result.done.length) this.onChange();
    return result;
  }

  /** Take a relation out of the graph (e.g. a newer guideline supersedes the one it came from). */
  async retire(relationId: string, opts: { actor: string; reason: string }): Promise<void> {
    await this.db.transaction(async (tx) => {
      const status = await this.relations.lockStatus(tx, relationId);
      if (!status) throw new AppError('NOT_FOUND', `关系不存在 / unknown relation ${relationId}`, { field: 'id' });
      if (status !== 'active') throw new AppError('STATE_CONFLICT', `关系 ${relationId} 已退役 / relation already retired`, { field: 'id' });
      await this.relations.retire(tx, relationId, opts.reason);
      await recordHistory(tx, { relationId, action: 'retired', actor: opts.actor, comment: opts.reason });
      await this.audit.append(tx, { actor: opts.actor, action: 'review.retire', target: relationId, details: { reason: opts.reason } });
      await appendOutbox(tx, [{ type: 'relation.retire', relationId }]);
    });
    this.onChange();
  }

  /** Snapshot events for a relation and both its entities, in the caller's transaction. */
  async emitRelation(tx: Queryable, relationId: string): Promise<void> {
    const snap = await this.relations.snapshot(tx, relationId);
    if (!snap) return;
    const ents = await this.entities.getMany([snap.subjectId, snap.objectId], tx);
    await appendOutbox(tx, [
      ...ents.map((e) => ({ type: 'entity.upsert' as const, entity: toGraphEntity(e) })),
      { type: 'relation.upsert', relation: snap },
    ]);
  }

  private async lockPending(tx: Queryable, id: string, expectedVersion?: number): Promise<CandidateRow> {
    const c = await this.candidates.lockRow(tx, id);
    if (!c) throw new AppError('NOT_FOUND', `候选三元组不存在 / unknown candidate ${id}`, { field: 'id' });
    if (c.status !== 'pending') {
      throw new AppError('STATE_CONFLICT', `候选 ${id} 已被 ${c.reviewed_by ?? '他人'} ${c.status === 'approved' ? '批准' : '拒绝'} / already ${c.status}`, {
        field: 'id', details: { status: c.status, reviewedBy: c.reviewed_by },
      });
    }
    if (expectedVersion !== undefined && expectedVersion !== c.row_version) {
      throw new AppError('STATE_CONFLICT', `候选 ${id} 已被修改，请刷新 / candidate changed since you loaded it`, { field: 'expectedVersion', details: { rowVersion: c.row_version } });
    }
    return c;
  }

  private async resolveSide(tx: Queryable, side: 'subject' | 'object', id: string | null, create: z.infer<typeof NewEntitySchema> | undefined, actor: string): Promise<Entity> {
    const field = `${side}Id`;
    if (create && !id) {
      const newEntityId = newId('ent');
      await this.entities.create(tx, { id: newEntityId, ...create, origin: 'review' });
      await recordHistory(tx, { entityId: newEntityId, action: 'entity_created', actor, after: create });
      return this.entities.require(newEntityId, field, tx);
    }
    if (!id) {
      throw new AppError('VALIDATION_FAILED', `${side === 'subject' ? '主语' : '宾语'}未关联到实体：请选择已有实体或新建 / ${side} is not linked to an entity`, { field });
    }
    const canonical = await this.entities.canonicalId(id, tx);
    return this.entities.require(canonical, field, tx);
  }
}


/**
 * Decide each candidate in the caller's transaction, each under its own savepoint: a candidate that fails
 * (someone decided it first, an unlinked side, a type mismatch) is rolled back alone and reported, the rest stand.
 */
async function decideEach(tx: Queryable, ids: string[], decide: (tx: Queryable, id: string) => Promise<unknown>): Promise<BulkResult> {
  const out: BulkResult = { done: [], failed: [] };
  for (const id of ids) {
    try {
      await withSavepoint(tx, () => decide(tx, id));
      out.done.push(id);
    } catch (e) {
      if (!isAppError(e)) throw e;
      out.failed.push({ id, code: e.code, message: e.message });
    }
  }
  return out;
}
