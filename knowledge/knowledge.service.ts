import { AppError } from '../core/index.ts';
import type { Job } from '../store/index.ts';
import type { BulkPreview, Candidate, CandidateFilter } from './candidates.repository.ts';
import type { Entity } from './entities.repository.ts';
import { requireExtractor } from './extract/extract.job.ts';
import type { Knowledge } from './knowledge.ts';
import type { Merge } from './merge.service.ts';
import type { HistoryEntry, Relation, RelationFilter } from './relations.repository.ts';
import type { ResolutionSuggestion } from './resolution.ts';
import type { ApprovalEdit, BulkResult } from './review.service.ts';
import type { TermProposal, TermProposalFilter } from './term-proposals.repository.ts';
import type { TermDecision } from './term-proposals.service.ts';
import type { VocabImport } from './vocabulary/vocab-imports.repository.ts';
import type { ImportReport, ImportRequest } from './vocabulary/vocab-imports.service.ts';

/** What knowledge needs to know about sources (the sources capability's read API, not its tables). */
export interface SourceReader {
  get(id: string): Promise<{ id: string; status: string } | null>;
  /** Ready and not superseded. */
  currentIndexed(): Promise<Array<{ id: string }>>;
}

export interface KnowledgeServiceDeps {
  knowledge: Knowledge;
  sources: SourceReader;
  /** Wake the job workers after queueing. */
  wake: () => void;
  /**
   * After a change that reaches the graph: the server wakes its projector; a one-shot command waits until
   * the graph shows the change (its process ends right after).
   */
  graphChanged: () => Promise<void>;
}

type Page = { limit: number; offset: number };
type Review = { actor: string; comment?: string; expectedVersion?: number; overrideConflict?: boolean };

/**
 * The review capability's use cases: the candidate queue, approve / reject / bulk / retire, entities and
 * resolution, merges, term proposals, terminology imports, and queueing extraction. Every caller gets the
 * same checks and side effects (workers woken, graph projected).
 */
export class KnowledgeService {
  constructor(private readonly deps: KnowledgeServiceDeps) {}

  private get k(): Knowledge {
    return this.deps.knowledge;
  }

  private async changed<T>(value: T): Promise<T> {
    await this.deps.graphChanged();
    return value;
  }

  // Candidates and review
  async candidates(filter: CandidateFilter, page: Page): Promise<{ total: number; items: Candidate[]; counts: Record<string, number> }> {
    const [list, counts] = await Promise.all([this.k.candidates.list(filter, page), this.k.candidates.counts()]);
    return { ...list, counts };
  }

  candidateCounts(): Promise<Record<string, number>> {
    return this.k.candidates.counts();
  }

  /** A candidate with its review history; NOT_FOUND when absent. */
  async candidate(id: string): Promise<Candidate & { history: HistoryEntry[] }> {
    const c = await this.k.candidates.get(id);
    if (!c) throw new AppError('NOT_FOUND', `候选三元组不存在 / unknown candidate ${id}`, { field: 'id' });
    return { ...c, history: await this.k.relations.history({ candidateId: c.id }) };
  }

  async approve(id: string, opts: Review & { edit?: ApprovalEdit }): Promise<Candidate> {
    return this.changed(await this.k.review.approve(id, opts));
  }

  async reject(id: string, opts: Review): Promise<Candidate> {
    return this.changed(await this.k.review.reject(id, opts));
  }

  bulkPreview(filter: CandidateFilter, sample: number): Promise<BulkPreview & { limit: number; confirmationRequired: boolean }> {
    return this.k.review.bulkPreview(filter, sample);
  }

  async bulk(action: 'approve' | 'reject', target: { ids?: string[]; filter?: CandidateFilter; confirmCount?: number }, opts: Review): Promise<BulkResult> {
    return this.changed(await this.k.review.bulk(action, target, opts));
  }

  // Relations
  relations(filter: RelationFilter, page: Page): Promise<{ total: number; items: Relation[] }> {
    return this.k.relations.list(filter, page);
  }

  /** A relation with evidence and history; NOT_FOUND when absent. */
  async relation(id: string): Promise<Relation & { history: HistoryEntry[] }> {
    const r = await this.k.relations.get(id);
    if (!r) throw new AppError('NOT_FOUND', `关系不存在 / unknown relation ${id}`, { field: 'id' });
    return { ...r, history: await this.k.relations.history({ relationId: r.id }) };
  }

  /** Retire a relation (audited) and return it as it now stands. */
  async retire(id: string, opts: { actor: string; reason: string }): Promise<Relation> {
    await this.k.review.retire(id, opts);
    await this.deps.graphChanged();
    return (await this.relation(id)) as Relation;
  }

  // Entities
  searchEntities(q: string, opts: { types?: string[]; limit?: number }): Promise<Entity[]> {
    return this.k.entities.search(q, opts);
  }

  /** An entity with merge proposals (similar entities of its type); NOT_FOUND when absent. */
  async entity(id: string): Promise<Entity & { similar: ResolutionSuggestion[] }> {
    const e = await this.k.entities.get(id);
    if (!e) throw new AppError('NOT_FOUND', `实体不存在 / unknown entity ${id}`, { field: 'id' });
    return { ...e, similar: await this.k.resolver.duplicatesOf(e.id) };
  }

  resolve(text: string, opts: { type?: string }): Promise<ResolutionSuggestion[]> {
    return this.k.resolver.suggest(text, opts);
  }

  // Merges
  merges(): Promise<Merge[]> {
    return this.k.merges.list();
  }

  /** Merge an entity (`fromId`) or a surface text (`fromSurface`) into an entity; reversible. */
  async merge(from: { fromId?: string; fromSurface?: string }, intoId: string, opts: { actor: string; comment?: string }): Promise<Merge> {
    const m = from.fromId ? await this.k.merges.mergeEntity(from.fromId, intoId, opts) : await this.k.merges.mergeSurface(from.fromSurface ?? '', intoId, opts);
    return this.changed(m);
  }

  async undoMerge(id: string, opts: { actor: string }): Promise<Merge> {
    return this.changed(await this.k.merges.undo(id, opts));
  }

  // Term proposals and terminology imports
  async termProposals(filter: TermProposalFilter, page: Page): Promise<{ total: number; items: TermProposal[]; counts: Record<string, number> }> {
    const [list, counts] = await Promise.all([this.k.termProposals.list(filter, page), this.k.termProposals.counts()]);
    return { ...list, counts };
  }

  async approveTerm(id: string, decision: TermDecision, opts: { actor: string; comment?: string }): ReturnType<Knowledge['terms']['approve']> {
    return this.changed(await this.k.terms.approve(id, decision, opts));
  }

  rejectTerm(id: string, opts: { actor: string; comment?: string }): ReturnType<Knowledge['terms']['reject']> {
    return this.k.terms.reject(id, opts);
  }

  previewVocabulary(req: ImportRequest): Promise<ImportReport> {
    return this.k.vocabulary.preview(req);
  }

  async importVocabulary(req: ImportRequest, actor: string): Promise<ImportReport> {
    return this.changed(await this.k.vocabulary.apply(req, actor));
  }

  vocabularyImports(): Promise<VocabImport[]> {
    return this.k.vocabulary.list();
  }

  async undoVocabularyImport(id: string, actor: string): ReturnType<Knowledge['vocabulary']['undo']> {
    return this.changed(await this.k.vocabulary.undo(id, actor));
  }

  // Extraction
  /**
   * Queue triple extraction for one source (it must exist and be indexed) or for every current indexed source;
   * one job per source, audited, and the workers woken.
   */
  async queueExtraction(opts: { sourceId?: string; engine: 'rules' | 'llm'; actor: string }): Promise<Job[]> {
    requireExtractor(this.k.extractors, opts.engine);
    let ids: string[];
    if (opts.sourceId) {
      const s = await this.deps.sources.get(opts.sourceId);
      if (!s) throw new AppError('NOT_FOUND', `文献不存在 / unknown source ${opts.sourceId}`, { field: 'sourceId' });
      if (s.status !== 'ready') throw new AppError('STATE_CONFLICT', `文献尚未完成索引 (${s.status}) / source not indexed yet`, { field: 'sourceId' });
      ids = [s.id];
    } else ids = (await this.deps.sources.currentIndexed()).map((s) => s.id);
    const jobs = await this.k.queueExtraction(ids, opts.engine, opts.actor);
    this.deps.wake();
    return jobs;
  }
}
