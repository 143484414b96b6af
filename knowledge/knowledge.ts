import { AuditLog } from '../audit/index.ts';
import type { Lexicon, Logger } from '../core/index.ts';
import type { GraphStore } from '../graph/index.ts';
import type { Embedder } from '../search/index.ts';
import type { Database, Job, JobQueue, Queryable } from '../store/index.ts';
import { CandidatesRepository } from './candidates.repository.ts';
import { approveDemoStarterSet } from './demo-approvals.ts';
import { EntitiesRepository } from './entities.repository.ts';
import { type ExtractionSources, type ExtractJobDeps, enqueueExtraction, enqueueExtractions } from './extract/extract.job.ts';
import { MergeService } from './merge.service.ts';
import type { Extractor } from './model.ts';
import { GraphProjector } from './projector.ts';
import { RelationsRepository } from './relations.repository.ts';
import { EntityResolver } from './resolution.ts';
import { ReviewService } from './review.service.ts';
import { TermProposalsRepository } from './term-proposals.repository.ts';
import { TermProposalsService } from './term-proposals.service.ts';
import { VocabImportsRepository } from './vocabulary/vocab-imports.repository.ts';
import { VocabImportsService } from './vocabulary/vocab-imports.service.ts';

export interface KnowledgeDeps {
  db: Database;
  jobs: JobQueue;
  lexicon: Lexicon;
  embedder?: Embedder;
  log: Logger;
  graph: GraphStore;
  extractors: Partial<Record<'rules' | 'llm', Extractor>>;
  /** Engine run automatically when a source finishes indexing (`off` to extract only on request). */
  autoExtract: 'rules' | 'llm' | 'off';
}

/** The knowledge capability wired together: vocabulary, candidates, review, merges and graph projection. */
export class Knowledge {
  readonly entities: EntitiesRepository;
  readonly candidates: CandidatesRepository;
  readonly relations: RelationsRepository;
  readonly resolver: EntityResolver;
  readonly review: ReviewService;
  readonly merges: MergeService;
  readonly projector: GraphProjector;
  readonly extractors: KnowledgeDeps['extractors'];
  private readonly audit = new AuditLog();
  readonly termProposals: TermProposalsRepository;
  readonly terms: TermProposalsService;
  readonly vocabulary: VocabImportsService;

  constructor(private readonly deps: KnowledgeDeps) {
    const { db } = deps;
    this.extractors = deps.extractors;
    this.entities = new EntitiesRepository(db);
    this.candidates = new CandidatesRepository(db);
    this.relations = new RelationsRepository(db);
    this.resolver = new EntityResolver(this.entities, deps.embedder);
    this.projector = new GraphProjector(db, deps.graph, deps.log);
    const changed = () => this.projector.wake();
    this.review = new ReviewService(db, this.candidates, this.entities, this.relations, changed);
    this.merges = new MergeService(db, this.entities, this.candidates, this.relations, (tx, id) => this.review.emitRelation(tx, id), () => {
      this.resolver.invalidate();
      changed();
    });
    this.termProposals = new TermProposalsRepository(db);
    this.terms = new TermProposalsService(db, this.termProposals, this.entities, this.candidates, this.merges);
    this.vocabulary = new VocabImportsService(db, new VocabImportsRepository(db), this.entities, () => {
      this.resolver.invalidate();
      changed();
    });
  }

  get graph(): GraphStore {
    return this.deps.graph;
  }

  /** Empty the graph store and replay every outbox event; audited with who asked and what was applied. */
  async rebuildGraph(actor: string): Promise<{ applied: number; lastSeq: number }> {
    const r = await this.projector.rebuild();
    await this.audit.append(this.deps.db, { actor, action: 'graph.rebuild', target: null, details: { applied: r.applied, lastSeq: r.lastSeq } });
    return r;
  }

  /** Queue triple extraction of sources (one job each) on request; the jobs and their audit row commit together. */
  async queueExtraction(sourceIds: string[], engine: 'rules' | 'llm', actor: string): Promise<Job[]> {
    return this.deps.db.transaction(async (tx) => {
      const jobs = await Promise.all(sourceIds.map((id) => enqueueExtraction(tx, this.deps.jobs, id, engine)));
      await this.audit.append(tx, { actor, action: 'extract.queue', target: sourceIds.length === 1 ? sourceIds[0] : null, details: { engine, sources: sourceIds.length } });
      return jobs;
    });
  }

  /** Seed the vocabulary. The graph store is initialised by the projector on first use, so a Neo4j that is down does not stop start-up. */
  async init(): Promise<void> {
    await this.entities.seedFromLexicon(this.deps.lexicon);
  }

  /** Job dependencies for the extraction job; demo sources get a starter set approved by the demo reviewer. */
  /** The extraction job's dependencies; `sources` is how it reads sources and passages (ingest's SourcesService). */
  extractJobDeps(sources: ExtractionSources): ExtractJobDeps {
    return {
      db: this.deps.db, sources, jobs: this.deps.jobs, candidates: this.candidates, entities: this.entities, terms: this.termProposals, extractors: this.deps.extractors, log: this.deps.log,
      afterExtract: async (sourceId, demo) => {
        if (demo) await approveDemoStarterSet(this, sourceId);
      },
    };
  }

  /** Hook for the ingest job: queue extraction in the transaction that marks a source ready. */
  onSourceReady(tx: Queryable, source: { id: string; demo: boolean; tags?: string[] }): Promise<void> {
    return this.onSourcesReady(tx, [source]);
  }

  /** onSourceReady for many sources at once (bulk literature imports). */
  async onSourcesReady(tx: Queryable, sources: ReadonlyArray<{ id: string; demo: boolean; tags?: string[] }>): Promise<void> {
    const engine = this.deps.autoExtract;
    if (engine === 'off' || !this.deps.extractors[engine] || !sources.length) return;
    await enqueueExtractions(tx, this.deps.jobs, sources, engine);
  }

  async close(): Promise<void> {
    await this.projector.stop();
    await this.deps.graph.close();
  }
}
