import path from 'node:path';
import { z } from 'zod';
import { AppError } from './errors.ts';

/** Every setting comes from the environment (secrets never from files in the repo). */
const EnvSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  HOST: z.string().default('127.0.0.1'),
  YZ_DATA_DIR: z.string().default('./data'),
  DATABASE_URL: z.string().url().optional(),
  YZ_MAX_UPLOAD_MB: z.coerce.number().positive().default(100),
  YZ_CHUNK_CHARS: z.coerce.number().int().min(100).max(4000).default(600),
  YZ_EMBEDDER: z.enum(['hash', 'ollama', 'openai']).default('hash'),
  YZ_EMBED_URL: z.string().url().optional(),
  YZ_EMBED_MODEL: z.string().optional(),
  YZ_EMBED_API_KEY: z.string().optional(),
  YZ_EMBED_DIMS: z.coerce.number().int().min(8).max(4096).optional(),
  YZ_LLM: z.enum(['none', 'ollama', 'openai']).default('none'),
  YZ_LOAD_DEMO: z.enum(['auto', 'true', 'false']).default('auto'),
  YZ_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  YZ_WORKER: z.enum(['on', 'off']).default('on'),
  /** Fault injection for crash-recovery tests: `ingest.after_batch:N` kills the process with SIGKILL. */
  YZ_FAULT: z.string().optional(),
});

export type Env = z.infer<typeof EnvSchema>;

export interface Config {
  port: number;
  host: string;
  dataDir: string;
  databaseUrl?: string;
  maxUploadBytes: number;
  chunkChars: number;
  embedder: { kind: 'hash' | 'ollama' | 'openai'; url?: string; model?: string; apiKey?: string; dims?: number };
  llm: 'none' | 'ollama' | 'openai';
  loadDemo: 'auto' | 'true' | 'false';
  logLevel: Env['YZ_LOG_LEVEL'];
  worker: boolean;
  fault?: string;
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
  if (e.YZ_EMBEDDER !== 'hash' && (!e.YZ_EMBED_URL || !e.YZ_EMBED_MODEL)) {
    throw new AppError('CONFIG_INVALID', `YZ_EMBEDDER=${e.YZ_EMBEDDER} needs YZ_EMBED_URL and YZ_EMBED_MODEL`, {
      field: e.YZ_EMBED_URL ? 'YZ_EMBED_MODEL' : 'YZ_EMBED_URL',
    });
  }
  return {
    port: e.PORT,
    host: e.HOST,
    dataDir: path.resolve(e.YZ_DATA_DIR),
    databaseUrl: e.DATABASE_URL,
    maxUploadBytes: Math.round(e.YZ_MAX_UPLOAD_MB * 1024 * 1024),
    chunkChars: e.YZ_CHUNK_CHARS,
    embedder: { kind: e.YZ_EMBEDDER, url: e.YZ_EMBED_URL, model: e.YZ_EMBED_MODEL, apiKey: e.YZ_EMBED_API_KEY, dims: e.YZ_EMBED_DIMS },
    llm: e.YZ_LLM,
    loadDemo: e.YZ_LOAD_DEMO,
    logLevel: e.YZ_LOG_LEVEL,
    worker: e.YZ_WORKER === 'on',
    fault: e.YZ_FAULT,
  };
}
