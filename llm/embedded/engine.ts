import { readFileSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Llama, LlamaContext, LlamaGrammar, LlamaModel } from 'node-llama-cpp';
import { AppError, sha256Hex } from '../../core/index.ts';
import type { ModelDescription } from '../provider.ts';

/** How one model is loaded: the file, CPU threads, context window and parallel sequences. */
export interface LoadSpec {
  file: string;
  threads: number;
  contextSize: number;
  sequences: number;
  /** Refuse to load when the estimate exceeds this (default: the memory the OS reports available). */
  memoryLimitBytes?: number;
}

/** A model loaded once per process and shared by every provider that names the same spec. */
export interface LoadedModel {
  llama: Llama;
  model: LlamaModel;
  context: LlamaContext;
  info: ModelDescription;
  grammar(schema: Record<string, unknown>): Promise<LlamaGrammar>;
}

interface Entry {
  loading: Promise<LoadedModel>;
  refs: number;
}

const loaded = new Map<string, Entry>();
let llamaPromise: Promise<Llama> | null = null;

/**
 * llama.cpp's CPU build, prebuilt (`@node-llama-cpp/<platform>`), never compiled or downloaded at run
 * time; imported lazily so YZ_LLM=none never loads the native library. One per process.
 */
function engine(threads: number): Promise<Llama> {
  llamaPromise ??= import('node-llama-cpp')
    .then(({ getLlama, LlamaLogLevel }) => getLlama({ gpu: false, build: 'never', maxThreads: threads, logLevel: LlamaLogLevel.error, progressLogs: false }))
    .catch((e: unknown) => {
      llamaPromise = null;
      throw new AppError('LLM_UNAVAILABLE', `无法加载本地推理引擎 / cannot load node-llama-cpp's prebuilt CPU binary for ${process.platform}-${process.arch}: ${(e as Error).message}`, {
        field: 'YZ_LLM',
        cause: e,
      });
    });
  return llamaPromise;
}

/**
 * Load (or join the load of) a model. The first caller pays the load; later callers with the same spec
 * share the model and its context. Before loading, llama.cpp's own estimate of the model and KV-cache RAM
 * is compared with the memory available: a model that cannot fit fails here with LLM_MODEL_TOO_LARGE
 * naming both numbers, instead of the process being killed by the OOM killer mid-answer.
 */
export function acquireModel(spec: LoadSpec): Promise<LoadedModel> {
  const key = specKey(spec);
  let entry = loaded.get(key);
  if (!entry) {
    entry = { loading: load(spec), refs: 0 };
    loaded.set(key, entry);
    entry.loading.catch(() => loaded.delete(key));
  }
  entry.refs++;
  return entry.loading;
}

/** Drop one reference; the last one frees the context and the model. */
export async function releaseModel(spec: LoadSpec): Promise<void> {
  const key = specKey(spec);
  const entry = loaded.get(key);
  if (!entry) return;
  if (--entry.refs > 0) return;
  loaded.delete(key);
  const m = await entry.loading.catch(() => null);
  await m?.context.dispose();
  await m?.model.dispose();
}

function specKey(s: LoadSpec): string {
  return `${path.resolve(s.file)}|${s.threads}|${s.contextSize}|${s.sequences}`;
}

async function load(spec: LoadSpec): Promise<LoadedModel> {
  const started = performance.now();
  const st = await stat(spec.file).catch(() => null);
  if (!st?.isFile()) {
    throw new AppError('MODEL_NOT_INSTALLED', `模型文件不存在 / the model file ${spec.file} does not exist (set YZ_LLM_MODEL_FILE, or run \`npm run models -- install qwen-0.5b\`)`, {
      field: 'YZ_LLM_MODEL_FILE',
    });
  }
  const llama = await engine(spec.threads);
  const { readGgufFileInfo, GgufInsights } = await import('node-llama-cpp');
  let info: Awaited<ReturnType<typeof readGgufFileInfo>>;
  try {
    info = await readGgufFileInfo(spec.file, { readTensorInfo: true, logWarnings: false });
  } catch (e) {
    throw new AppError('LLM_UNAVAILABLE', `不是有效的 GGUF 模型文件 / ${spec.file} is not a readable GGUF model: ${(e as Error).message}`, { field: 'YZ_LLM_MODEL_FILE', cause: e });
  }
  const insights = await GgufInsights.from(info, llama);
  const contextSize = Math.min(spec.contextSize, insights.trainContextSize ?? spec.contextSize);
  const needModel = (await insights.estimateModelResourceRequirementsV2({ gpuLayers: 0 })).cpuRam;
  const needContext = (await insights.estimateContextResourceRequirementsV2({ contextSize, modelGpuLayers: 0, sequences: spec.sequences })).cpuRam;
  const need = needModel + needContext;
  const limit = spec.memoryLimitBytes ?? availableMemory();
  if (need > limit) {
    const mb = (n: number) => `${Math.round(n / 1048576)} MB`;
    throw new AppError(
      'LLM_MODEL_TOO_LARGE',
      `模型所需内存超过可用内存 / ${path.basename(spec.file)} needs about ${mb(need)} of RAM (model ${mb(needModel)} + context of ${contextSize} tokens ${mb(needContext)}) but only ${mb(limit)} is available${spec.memoryLimitBytes ? ' (YZ_LLM_MEMORY_LIMIT_MB)' : ''}: choose a smaller model or quantisation, or a smaller YZ_LLM_NUM_CTX`,
      { field: 'YZ_LLM_MODEL_FILE', details: { needBytes: need, availableBytes: limit, contextSize } },
    );
  }
  const model = await llama.loadModel({ modelPath: spec.file, gpuLayers: 0 });
  let context: LlamaContext;
  try {
    context = await model.createContext({ contextSize, sequences: spec.sequences, threads: spec.threads });
  } catch (e) {
    await model.dispose();
    throw new AppError('LLM_MODEL_TOO_LARGE', `无法创建上下文 / could not create a ${contextSize}-token context for ${path.basename(spec.file)}: ${(e as Error).message}`, { field: 'YZ_LLM_NUM_CTX', cause: e });
  }
  const grammars = new Map<string, Promise<LlamaGrammar>>();
  const general = info.metadata.general as { name?: string; architecture?: string } | undefined;
  return {
    llama,
    model,
    context,
    info: {
      file: path.resolve(spec.file),
      sizeBytes: st.size,
      name: general?.name ?? null,
      architecture: general?.architecture ?? null,
      trainContextSize: insights.trainContextSize ?? null,
      contextSize: context.contextSize,
      threads: spec.threads,
      sequences: spec.sequences,
      loadMs: Math.round(performance.now() - started),
      estimatedRamBytes: need,
    },
    grammar(schema) {
      const key = sha256Hex(JSON.stringify(schema));
      let g = grammars.get(key);
      if (!g) {
        // biome-ignore lint/suspicious/noExplicitAny: node-llama-cpp types the schema as a narrow literal type; ours is validated JSON.
        g = llama.createGrammarForJsonSchema(grammarSchema(schema) as any) as Promise<LlamaGrammar>;
        g.catch(() => grammars.delete(key));
        grammars.set(key, g);
      }
      return g;
    },
  };
}

/** Linux MemAvailable (page cache counts as available, unlike os.freemem()); os.freemem() elsewhere. */
function availableMemory(): number {
  try {
    const m = /^MemAvailable:\s+(\d+) kB/m.exec(readFileSync('/proc/meminfo', 'utf8'));
    if (m) return Number(m[1]) * 1024;
  } catch {
    // not Linux
  }
  return os.freemem();
}

const KEEP = new Set(['type', 'properties', 'items', 'enum', 'const', 'oneOf', 'anyOf', 'required', 'additionalProperties', 'minItems', 'maxItems', 'minLength', 'maxLength', 'format', 'description', 'prefixItems', '$defs', '$ref']);

/**
 * The subset of JSON Schema node-llama-cpp's grammar compiler takes: what zod emits (`$schema`, `title`,
 * `default`, `pattern`…) is dropped; `anyOf` becomes `oneOf`. Every property of an object is generated
 * (the compiler has no optional properties), which is what strict-mode schemas ask for anyway.
 */
export function grammarSchema(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(grammarSchema);
  if (!schema || typeof schema !== 'object') return schema;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(schema as Record<string, unknown>)) {
    if (!KEEP.has(k)) continue;
    if (k === 'properties' || k === '$defs') {
      out[k] = Object.fromEntries(Object.entries(v as Record<string, unknown>).map(([name, s]) => [name, grammarSchema(s)]));
    } else if (k === 'anyOf') out.oneOf = grammarSchema(v);
    else if (k === 'required' || k === 'enum' || k === 'const' || k === 'description' || k === 'format') out[k] = v;
    else out[k] = grammarSchema(v);
  }
  if (out.format && !['date', 'time', 'date-time'].includes(String(out.format))) delete out.format;
  return out;
}
