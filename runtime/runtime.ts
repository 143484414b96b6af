import { type ChatService, createChatService } from '../agents/index.ts';
import { AuthService } from '../auth/index.ts';
import { Connectors } from '../connectors/index.ts';
import { type Config, createLogger, Keyring, Lexicon, type Logger, Tokenizer } from '../core/index.ts';
import { openGraphStore } from '../graph/index.ts';
import { INGEST_JOB, IngestService, onIngestJobError, runIngestJob, SourcesRepository } from '../ingest/index.ts';
import { EXTRACT_JOB, type Extractor, Knowledge, LlmExtractor, onExtractJobError, RulesExtractor, runExtractJob } from '../knowledge/index.ts';
import { Literature } from '../literature/index.ts';
import { ActiveModel, type LlmProvider, LlmResponseCache, LlmSettingsRepository, LlmSettingsService, LlmUsageRepository } from '../llm/index.ts';
import { ChunkIndexer, createEmbedder, EMBED_JOB, type Embedder, onEmbedJobError, queueMissingEmbeddings, runEmbedJob, SearchService } from '../search/index.ts';
import { type Database, type JobHandler, JobQueue, JobRunner, openDatabase, type Queryable } from '../store/index.ts';

/** Everything a process needs, wired once: the composition root shared by the server and the CLI. */
export interface Runtime {
  config: Config;
  log: Logger;
  db: Database;
  lexicon: Lexicon;
  tokenizer: Tokenizer;
  embedder: Embedder;
  sources: SourcesRepository;
  jobs: JobQueue;
  runner: JobRunner;
  /** Job handlers by kind (a benchmark or a dedicated worker may run a subset). */
  handlers: Record<string, JobHandler>;
  ingest: IngestService;
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
  /** Cited chat over the knowledge base (agents/). */
  chat: ChatService;
  literature: Literature;
  /** Accounts, sessions, API tokens (auth/). */
  auth: AuthService;
  /** SM4 keyring from YZ_MASTER_KEY / YZ_MASTER_KEY_FILE (+ YZ_MASTER_KEYS_OLD); null when no key is configured. */
  keyring: Keyring | null;
  /** Integration connectors and their health checks (connectors/). */
  connectors: Connectors;
  close(): Promise<void>;
}

let sharedLexicon: { lexicon: Lexicon; tokenizer: Tokenizer } | null = null;

/** The lexicon and jieba dictionary are immutable and costly to load: one per process. */
export function loadLanguage(): { lexicon: Lexicon; tokenizer: Tokenizer } {
  if (!sharedLexicon) {
    const lexicon = Lexicon.load();
    sharedLexicon = { lexicon, tokenizer: new Tokenizer(lexicon) };
  }
  return sharedLexicon;
}

export async function createRuntime(config: Config, opts: { inMemory?: boolean; log?: Logger } = {}): Promise<Runtime> {
  const log = opts.log ?? createLogger(config.logLevel);
  const { lexicon, tokenizer } = loadLanguage();
  const embedder = await createEmbedder(config, tokenizer);
  const mk = config.masterKey;
  // A malformed key fails fast here; no key at all is allowed (encrypting features then refuse to store secrets).
  const keyring = mk.YZ_MASTER_KEY?.trim() || mk.YZ_MASTER_KEY_FILE?.trim() ? Keyring.fromEnv(mk) : null;
  const db = await openDatabase(config, opts);
  try {
    const indexer = new ChunkIndexer(tokenizer, embedder);
    await indexer.init(db);
    const sources = new SourcesRepository(db);
    const jobs = new JobQueue(db);
    // Embedded mode holds the data-directory lock: every lease found at start is a dead process's.
    if (db.kind === 'pglite') await jobs.releaseOrphans();
    const ingest = new IngestService(db, sources, jobs, { maxUploadBytes: config.maxUploadBytes, chunkChars: config.chunkChars });
    const llmUsage = new LlmUsageRepository(db);
    const llmCache = new LlmResponseCache(db, llmUsage);
    const connectors = new Connectors({ db, jobs, keyring, log, checkSeconds: config.connectors.checkSeconds, timeoutMs: config.connectors.timeoutMs });
    const llmSettingsRepo = new LlmSettingsRepository(db);
    const activeModel = new ActiveModel({
      env: config.llm, settings: llmSettingsRepo, usage: llmUsage, capabilities: llmSettingsRepo, resolveConnector: (id) => connectors.llmEndpoint(id), log,
    });
    await activeModel.init();
    activeModel.poll();
    const llmSettings = new LlmSettingsService({ db, repo: llmSettingsRepo, active: activeModel, modelsDir: config.llm.modelsDir ?? 'models' });
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
    const deps = { db, jobs, sources, ingest, indexer, log, fault: config.fault, onReady };
    const literature = new Literature({ db, jobs, log, config: config.pubmed, prepared: { sources, indexer, jobs, chunkChars: config.chunkChars, onReady: (tx, many) => knowledge.onSourcesReady(tx, many) } });
    const extractDeps = knowledge.extractJobDeps();
    const handlers: Record<string, JobHandler> = {
      [INGEST_JOB]: { run: (job) => runIngestJob(job, deps), onError: (job, e) => onIngestJobError(job, e, deps) },
      [EMBED_JOB]: { run: (job) => runEmbedJob(job, deps), onError: (job, e) => onEmbedJobError(job, e, deps) },
      [EXTRACT_JOB]: { run: (job) => runExtractJob(job, extractDeps), onError: (job, e) => onExtractJobError(job, e, extractDeps) },
      ...literature.jobHandlers(),
      ...connectors.jobHandlers(),
    };
    const runner = new JobRunner(jobs, handlers, log);
    await queueMissingEmbeddings(deps);
    await literature.ensureScheduled();
    await connectors.ensureScheduled();
    const search = new SearchService(db, tokenizer, embedder);
    const chat = createChatService({ db, llm: () => activeModel.current, numCtx: config.llm.numCtx, tokenizer, search, entities: knowledge.entities, graph, sources, cache: llmCache, log });
    const auth = new AuthService(db);
    return {
      config, log, db, lexicon, tokenizer, embedder, sources, jobs, runner, handlers, ingest, search, knowledge, llmUsage, chat, literature, auth, keyring, connectors, activeModel, llmSettings,
      get llm() {
        return activeModel.current;
      },
      async close() {
        await runner.stop();
        await knowledge.close();
        await activeModel.close();
        await embedder.close?.();
        await db.close();
      },
    };
  } catch (e) {
    await db.close();
    throw e;
  }
}
