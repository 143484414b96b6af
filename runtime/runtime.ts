import { type ChatService, createChatService } from '../agents/index.ts';
import { AuthService } from '../auth/index.ts';
import { Connectors } from '../connectors/index.ts';
import { type Config, createLogger, Keyring, Lexicon, type Logger, Tokenizer } from '../core/index.ts';
import { openGraphStore } from '../graph/index.ts';
import { INGEST_JOB, IngestService, onIngestJobError, runIngestJob, SourcesRepository, TablesRepository } from '../ingest/index.ts';
import { EXTRACT_JOB, type Extractor, Knowledge, LlmExtractor, onExtractJobError, RulesExtractor, runExtractJob } from '../knowledge/index.ts';
import { Literature } from '../literature/index.ts';
import { createProvider, type LlmProvider, LlmResponseCache, LlmUsageRepository, meterProvider } from '../llm/index.ts';
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
  /** Tables of sources and the table rows of chunks. */
  tables: TablesRepository;
  jobs: JobQueue;
  runner: JobRunner;
  /** Job handlers by kind (a benchmark or a dedicated worker may run a subset). */
  handlers: Record<string, JobHandler>;
  ingest: IngestService;
  search: SearchService;
  knowledge: Knowledge;
  /** The configured model, or null with YZ_LLM=none (every flow then uses its deterministic engine). */
  llm: LlmProvider | null;
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
    const tables = new TablesRepository();
    const jobs = new JobQueue(db);
    // Embedded mode holds the data-directory lock: every lease found at start is a dead process's.
    if (db.kind === 'pglite') await jobs.releaseOrphans();
    const ingest = new IngestService(db, sources, jobs, { maxUploadBytes: config.maxUploadBytes, chunkChars: config.chunkChars }, tables);
    const llmUsage = new LlmUsageRepository(db);
    const provider = createProvider(config.llm);
    const llm = provider && meterProvider(provider, llmUsage, log);
    const llmCache = new LlmResponseCache(db, llmUsage);
    const extractors: Partial<Record<'rules' | 'llm', Extractor>> = { rules: new RulesExtractor(lexicon, tokenizer) };
    if (llm) extractors.llm = new LlmExtractor(llm, lexicon, { cache: llmCache, log });
    const graph = await openGraphStore(config, db);
    const knowledge = new Knowledge({ db, jobs, lexicon, embedder, log, graph, extractors, autoExtract: config.autoExtract });
    await knowledge.init();
    const onReady = (tx: Queryable, s: { id: string; demo: boolean; tags?: string[] }) => knowledge.onSourceReady(tx, s);
    const deps = { db, jobs, sources, ingest, indexer, tables, log, fault: config.fault, onReady };
    const literature = new Literature({ db, jobs, log, config: config.pubmed, prepared: { sources, indexer, tables, jobs, chunkChars: config.chunkChars, onReady: (tx, many) => knowledge.onSourcesReady(tx, many) } });
    const extractDeps = knowledge.extractJobDeps();
    const connectors = new Connectors({ db, jobs, keyring, log, checkSeconds: config.connectors.checkSeconds, timeoutMs: config.connectors.timeoutMs });
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
    const chat = createChatService({ db, llm, numCtx: config.llm.numCtx, tokenizer, search, entities: knowledge.entities, graph, sources, tables, cache: llmCache, log });
    const auth = new AuthService(db);
    return {
      config, log, db, lexicon, tokenizer, embedder, sources, tables, jobs, runner, handlers, ingest, search, knowledge, llm, llmUsage, chat, literature, auth, keyring, connectors,
      async close() {
        await runner.stop();
        await knowledge.close();
        await llm?.close();
        await db.close();
      },
    };
  } catch (e) {
    await db.close();
    throw e;
  }
}
