import { createChatService, encryptStoredQuestions } from '../agents/index.ts';
import { openAuditedDatabase } from '../audit/index.ts';
import { AuthService } from '../auth/index.ts';
import { Cases } from '../cases/index.ts';
import { CollectionsService } from '../collections/index.ts';
import { Connectors, type Lookup } from '../connectors/index.ts';
import { type Config, createLogger, type Keyring, type KeySource, type Lexicon, type Logger, loadLanguage, type Tokenizer } from '../core/index.ts';
import { openGraphStore } from '../graph/index.ts';
import { Imaging } from '../imaging/index.ts';
import { INGEST_JOB, IngestService, onIngestJobError, ParsePool, runIngestJob, SourceAdminService, SourcesRepository, SourcesService, TablesRepository } from '../ingest/index.ts';
import { EXTRACT_JOB, type Extractor, GraphService, Knowledge, KnowledgeService, LlmExtractor, onExtractJobError, RulesExtractor, runExtractJob, SourceRetirementRepository } from '../knowledge/index.ts';
import { Literature } from '../literature/index.ts';
import { ActiveModel, type LlmProvider, LlmResponseCache, LlmSettingsRepository, LlmSettingsService, LlmUsageRepository } from '../llm/index.ts';
import { Reporting } from '../reporting/index.ts';
import { ChunkIndexer, createEmbedder, EMBED_JOB, type Embedder, HttpReranker, onEmbedJobError, queueMissingEmbeddings, runEmbedJob, SearchService } from '../search/index.ts';
import { analyzeChangedTables, type Database, type JobHandler, JobQueue, JobRunner, type Queryable } from '../store/index.ts';
import { Teaching } from '../teaching/index.ts';
import { HealthService } from './health.service.ts';
import { JobsService } from './jobs.service.ts';
import type { Services } from './services.ts';

/**
 * Everything a process needs, wired once: the composition root shared by the server and the CLI. Faces (api/,
 * cli/) use only `services`; the parts below are for workers, the demo loader, benchmarks and tests.
 */
export interface Runtime extends Pick<Services, 'chat' | 'literature' | 'auth' | 'audit' | 'connectors' | 'imaging' | 'reporting' | 'teaching' | 'cases'> {
  /** The application services: the only door for routes and commands. */
  services: Services;
  /** Start the background work of a serving process: job worker and graph projector (when `worker`), audit checkpoints. */
  startBackground(opts: { worker: boolean }): void;
  config: Config;
  log: Logger;
  db: Database;
  lexicon: Lexicon;
  tokenizer: Tokenizer;
  embedder: Embedder;
  sources: SourcesRepository;
  /** Tables of sources and the table rows of chunks. */
  tables: TablesRepository;
  jobs: JobQueue;
  runner: JobRunner;
  /** Job handlers by kind (a benchmark or a dedicated worker may run a subset). */
  handlers: Record<string, JobHandler>;
  ingest: IngestService;
  /** Delete, edit, re-parse sources; take passages out of search (issue 14). */
  sourceAdmin: SourceAdminService;
  /** Parser threads: every document is read, chunked and tokenised there, off the event loop. */
  parser: ParsePool;
  search: SearchService;
  knowledge: Knowledge;
  /** The active model (environment, or the Settings choice), or null for none (deterministic engines). Read at each use: it can be switched. */
  readonly llm: LlmProvider | null;
  /** The active model and where it came from; switches from Settings (llm/active-model.ts). */
  activeModel: ActiveModel;
  /** Admin switch of the model (audited). */
  llmSettings: LlmSettingsService;
  /** Token and latency records of every model call (GET /api/llm/status). */
  llmUsage: LlmUsageRepository;
  /**
   * The installation keyring (SM4 fields, HMAC-SM3 audit chain): YZ_MASTER_KEY / YZ_MASTER_KEY_FILE
   * (+ YZ_MASTER_KEYS_OLD), else `<dataDir>/master.key` generated on first start; a per-process key
   * for an in-memory database.
   */
  keyring: Keyring;
  /** Where the keyring came from (env, file, generated, data-dir, ephemeral). */
  keySource: KeySource;
  close(): Promise<void>;
}

export { loadLanguage };

/**
 * `command`: a one-shot CLI command, whose process ends when it returns: use cases wait until the graph shows
 * their changes instead of leaving them to the background projector.
 * `lookup`: how connector target names resolve (the system resolver by default; tests script their own).
 */
export async function createRuntime(config: Config, opts: { inMemory?: boolean; log?: Logger; command?: boolean; lookup?: Lookup } = {}): Promise<Runtime> {
  const log = opts.log ?? createLogger(config.logLevel);
  // Configurations from before the backend registry still start; say which name to set.
  if (config.store.chosenBy === 'inferred') log.warn({ backend: 'postgres' }, 'YZ_STORE is not set: DATABASE_URL is, so the postgres store is used; set YZ_STORE=postgres');
  if (config.graph.chosenBy === 'inferred') log.warn({ backend: 'neo4j' }, 'YZ_GRAPH is not set: NEO4J_URL is, so the neo4j graph is used; set YZ_GRAPH=neo4j');
  const { lexicon, tokenizer } = loadLanguage();
  const embedder = await createEmbedder(config, tokenizer);
  // A malformed key fails fast here; without a configured key the data directory's key file is used (created on first start).
  const { db, keyring, keySource, audit } = await openAuditedDatabase(config, { inMemory: opts.inMemory, log });
  const parser = new ParsePool({ threads: config.parsing.threads, maxParseMs: config.parsing.maxParseMs, memoryMb: config.parsing.memoryMb }, log);
  try {
    const indexer = new ChunkIndexer(tokenizer, embedder);
    await indexer.init(db);
    const sources = new SourcesRepository(db);
    const tables = new TablesRepository();
    const jobs = new JobQueue(db, undefined, config.jobLeaseSeconds);
    const { maxPages, maxDecompressedBytes, maxDecompressionRatio } = config.parsing;
    const ingestLimits = { maxUploadBytes: config.maxUploadBytes, chunkChars: config.chunkChars, maxPages, maxDecompressedBytes, maxDecompressionRatio };
    const ingest = new IngestService(db, sources, jobs, parser, ingestLimits, tables);
    const sourceAdmin = new SourceAdminService({ db, sources, jobs, parser, limits: ingestLimits, knowledge: new SourceRetirementRepository(), index: indexer });
    const llmUsage = new LlmUsageRepository(db);
    const llmCache = new LlmResponseCache(db, llmUsage);
    const connectors = new Connectors({ db, jobs, keyring, log, checkSeconds: config.connectors.checkSeconds, timeoutMs: config.connectors.timeoutMs, lookup: opts.lookup });
    const llmSettingsRepo = new LlmSettingsRepository(db);
    const activeModel = new ActiveModel({
      env: config.llm, settings: llmSettingsRepo, usage: llmUsage, capabilities: llmSettingsRepo, resolveConnector: (id) => connectors.llmEndpoint(id), log,
    });
    await activeModel.init();
    activeModel.poll();
    const llmSettings = new LlmSettingsService({ db, repo: llmSettingsRepo, active: activeModel, usage: llmUsage, modelsDir: config.llm.modelsDir ?? 'models' });
    // One LLM extractor per active model (its version names the model), made when the model changes.
    const llmExtractors = new WeakMap<LlmProvider, LlmExtractor>();
    const extractors: Partial<Record<'rules' | 'llm', Extractor>> = {
      rules: new RulesExtractor(lexicon, tokenizer),
      get llm() {
        const llm = activeModel.current;
        if (!llm) return undefined;
        const known = llmExtractors.get(llm);
        if (known) return known;
        const x = new LlmExtractor(llm, lexicon, { cache: llmCache, log });
        llmExtractors.set(llm, x);
        return x;
      },
    };
    const graph = await openGraphStore(config, db);
    const knowledge = new Knowledge({ db, jobs, lexicon, embedder, log, graph, extractors, autoExtract: config.autoExtract });
    await knowledge.init();
    const onReady = (tx: Queryable, s: { id: string; demo: boolean; tags?: string[] }) => knowledge.onSourceReady(tx, s);
    const deps = { db, jobs, sources, parser, indexer, tables, log, fault: config.fault, onReady };
    // The runner is made below, once every handler is known; services that queue work wake it through this.
    let runnerRef: JobRunner | undefined;
    const wake = () => runnerRef?.wake();
    // A serving process wakes its projector after a change; a one-shot command waits for the graph to show it.
    // The change is committed either way: a graph store that is down leaves it pending for the projector.
    const graphChanged = opts.command
      ? () => knowledge.projector.catchUp().then(() => undefined, (e) => log.warn({ err: e }, 'graph projection failed; the change stays pending'))
      : async () => knowledge.projector.wake();
    // Who may read which sources: search, chat and the source pages ask it (collections/).
    const collections = new CollectionsService({ db });
    const sourcesService = new SourcesService({ db, ingest, admin: sourceAdmin, sources, tables, wake, graphChanged, collections });
    const literature = new Literature({ db, jobs, log, wake, config: config.pubmed, prepared: { sources, indexer, tables, jobs, chunkChars: config.chunkChars, onReady: (tx, many) => knowledge.onSourcesReady(tx, many) } });
    const extractDeps = knowledge.extractJobDeps(sourcesService);
    const imaging = new Imaging({ db, jobs, log, lexicon, config: config.imaging, connectors, timeZone: config.pubmed.timezone, wake });
    const reporting = new Reporting({
      db,
      lexicon,
      tokenizer,
      llm: () => activeModel.current,
      measurement: async (id) => (await imaging.measurements.get(id)).result,
      aiResult: (id) => imaging.ai.get(id),
      jobs,
      log,
      wake,
      pushTimeoutMs: config.connectors.timeoutMs,
      // Push targets are RIS connectors in REST mode (a webhook); endpointOf checks the allow-list at every use.
      pushTargets: {
        list: async () => (await connectors.list()).filter((c) => c.kind === 'ris' && c.enabled && (c.config as { mode?: string }).mode === 'rest').map((c) => ({ id: c.id, name: c.name })),
        resolve: async (id) => {
          const ep = await connectors.endpointOf('ris', id);
          return ep && ep.config.mode === 'rest' && typeof ep.config.url === 'string' ? { id: ep.id, name: ep.name, url: ep.config.url } : null;
        },
        http: connectors.http,
      },
    });
    const handlers: Record<string, JobHandler> = {
      [INGEST_JOB]: {
        run: (job) => runIngestJob(job, deps),
        onError: (job, e) => onIngestJobError(job, e, deps),
        onQuarantine: (job) => sources.markFailed(String(job.payload.sourceId), job.lastError ?? { code: 'JOB_QUARANTINED', message: 'quarantined' }),
      },
      [EMBED_JOB]: { run: (job) => runEmbedJob(job, deps), onError: (job, e) => onEmbedJobError(job, e, deps) },
      [EXTRACT_JOB]: { run: (job) => runExtractJob(job, extractDeps), onError: (job, e) => onExtractJobError(job, e, extractDeps) },
      ...literature.jobHandlers(),
      ...connectors.jobHandlers(),
      ...imaging.jobHandlers(),
      ...reporting.jobHandlers(),
    };
    // PGlite has no autovacuum: without a refresh after bulk writes the planner keeps the empty database's guesses.
    const afterJob = db.kind === 'pglite' ? () => analyzeChangedTables(db) : undefined;
    const runner = new JobRunner(jobs, handlers, log, { fault: config.fault, afterJob });
    runnerRef = runner;
    // Embedded mode holds the data-directory lock: every job found running at start is a dead process's.
    if (db.kind === 'pglite') await runner.handleReaped(await jobs.releaseOrphans());
    await literature.closeInterrupted({ all: db.kind === 'pglite' });
    await queueMissingEmbeddings(deps);
    await literature.ensureScheduled();
    await connectors.ensureScheduled();
    const search = new SearchService(db, tokenizer, embedder, { reranker: config.reranker ? new HttpReranker(config.reranker) : null, scopes: collections });
    // Questions stored in clear by earlier versions are encrypted once (a no-op afterwards).
    const encrypted = await encryptStoredQuestions(db, keyring);
    if (encrypted) log.warn({ values: encrypted }, 'chat questions stored in clear were encrypted with the master key');
    const chat = createChatService({ db, llm: () => activeModel.current, numCtx: config.llm.numCtx,
      firstTokenTargetMs: config.llm.firstTokenTargetMs,
      promptSpeed: async (llm) => (await llmUsage.speed(llm.kind, llm.model)).promptTokensPerSec,
      tokenizer, search, entities: knowledge.entities, graph, sources, tables, cache: llmCache, keyring, log, imaging: imaging.toolPort(), scopes: collections });
    const teaching = new Teaching({
      db, knowledge, llm: () => activeModel.current,
      retrieve: async (q, top) => (await search.search({ q, top, mode: 'bm25' })).results.map((h) => ({ sourceId: h.sourceId, title: h.title, version: h.version, year: h.year, page: h.pageStart, quote: h.text })),
    });
    const cases = new Cases({ db, lexicon, tokenizer, knowledge, keyring, embedder, llm: () => activeModel.current });
    const auth = new AuthService(db, { sessionTtlMs: config.sessions.maxHours * 3600_000, sessionIdleMs: config.sessions.idleMinutes * 60_000 });
    const jobsService = new JobsService({ db, jobs, runner, catchUpGraph: () => knowledge.projector.catchUp().then(() => undefined) });
    const graphService = new GraphService({ db, knowledge, keyring });
    const services: Services = {
      config, log, sources: sourcesService, search, collections, chat, literature, auth, audit, connectors, imaging, reporting, teaching, cases, llm: llmSettings,
      knowledge: new KnowledgeService({ knowledge, sources: sourcesService, wake, graphChanged }),
      graph: graphService,
      jobs: jobsService,
      health: new HealthService({ config, databaseKind: db.kind, embedder, sources: sourcesService, jobs: jobsService, graph: graphService }),
    };
    const rt: Runtime = {
      services,
      startBackground({ worker }) {
        if (worker) {
          runner.start();
          knowledge.projector.start();
        }
        audit.start();
      },
      config, log, db, lexicon, tokenizer, embedder, sources, tables, jobs, runner, handlers, ingest, sourceAdmin, parser, search, knowledge, llmUsage, chat, literature, auth, keyring, keySource, audit, connectors, imaging, reporting, activeModel, llmSettings, teaching, cases,
      get llm() {
        return activeModel.current;
      },
      close() {
        closing ??= closeAll();
        return closing;
      },
    };
    // Once, whoever asks first (Fastify's onClose, a signal handler, a test): every adapter in turn.
    let closing: Promise<void> | undefined;
    async function closeAll(): Promise<void> {
      await runner.stop();
      await audit.stop();
      await knowledge.close(); // projector, graph store (Neo4j driver)
      await activeModel.close(); // LLM provider (an embedded model's memory)
      await embedder.close?.(); // an e5 child process
      await parser.close(); // parser threads
      await db.close();
    }
    return rt;
  } catch (e) {
    await parser.close();
    await db.close();
    throw e;
  }
}

