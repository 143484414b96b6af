import pLimit, { type LimitFunction } from 'p-limit';
import { Piscina } from 'piscina';
import { AppError, type Logger } from '../core/index.ts';
import type { ChunkSlice, ChunkTask, ParsedPages, ParseTask, TaskResult } from './parse.worker.ts';

export interface ParsePoolOptions {
  /** Parser threads (YZ_INGEST_THREADS). */
  threads: number;
  /** Wall-clock limit of one task once it runs (YZ_MAX_PARSE_SECONDS); the thread is stopped when it passes. */
  maxParseMs: number;
  /** Heap limit of each thread (YZ_PARSE_MEMORY_MB). */
  memoryMb: number;
}

/** Warm threads stay this long after their last task (loading pdf.js and the dictionary costs about 1.5 s). */
const IDLE_MS = 5 * 60_000;

/**
 * The ingest parser threads (worker_threads through piscina): parsing and chunking run here so a large or
 * hostile document never holds the API's event loop. Each task runs under a heap limit and a wall-clock
 * limit; a thread that exceeds either is terminated and the document refused with PARSE_RESOURCE_LIMIT or
 * PARSE_TIMEOUT. Tasks wait in this class's queue, not piscina's, so the time limit counts from when a
 * task starts rather than from when it was queued. Nothing is cached between tasks.
 */
export class ParsePool {
  private readonly pool: Piscina;
  private readonly slots: LimitFunction;

  constructor(
    private readonly opts: ParsePoolOptions,
    private readonly log?: Logger,
  ) {
    this.pool = new Piscina({
      filename: new URL('./parse-worker-entry.mjs', import.meta.url).href,
      minThreads: 0,
      maxThreads: opts.threads,
      idleTimeout: IDLE_MS,
      // Tasks await (pdf.js is asynchronous): atomics would pause a thread between tasks with work pending.
      atomics: 'disabled',
      // The entry registers its own TypeScript loader; inherited loader flags would register a second one.
      execArgv: [],
      resourceLimits: { maxOldGenerationSizeMb: opts.memoryMb },
    });
    this.slots = pLimit(opts.threads);
  }

  /** Read a file into normalised pages with their block layout (throws the reader's AppError for bad input). */
  parse(task: ParseTask): Promise<ParsedPages> {
    // A copy is transferred (not cloned again): the caller keeps its bytes for hashing and storage.
    const bytes = new Uint8Array(task.bytes);
    return this.run<ParsedPages>('parse', { ...task, bytes }, task.fileName, [bytes.buffer as ArrayBuffer]);
  }

  /** Chunk stored pages and tokenise ordinals [from, from + count). */
  chunk(task: ChunkTask): Promise<ChunkSlice> {
    return this.run<ChunkSlice>('chunk', task, task.sourceId);
  }

  /** Start one thread and load the parser and dictionary in it (server start-up; optional). */
  async warm(): Promise<void> {
    await this.run<null>('warm', null, 'warm-up');
  }

  /** Stop every thread (runtime close). */
  async close(): Promise<void> {
    this.slots.clearQueue();
    await this.pool.destroy();
  }

  private run<T>(name: string, task: unknown, subject: string, transferList?: ArrayBuffer[]): Promise<T> {
    return this.slots(async () => {
      const started = performance.now();
      let result: TaskResult<T>;
      try {
        result = await this.pool.run(task, { name, signal: AbortSignal.timeout(this.opts.maxParseMs), transferList });
      } catch (e) {
        throw this.threadFailure(e, subject, performance.now() - started);
      }
      if (!result.ok) {
        const { code, message, field, details } = result.error;
        throw new AppError(code, message, { field, details });
      }
      return result.value;
    });
  }

  private threadFailure(e: unknown, subject: string, ms: number): AppError {
    const err = e as { name?: string; code?: string; message?: string };
    if (err?.name === 'AbortError') {
      const seconds = this.opts.maxParseMs / 1000;
      return new AppError('PARSE_TIMEOUT', `${subject} 解析超过 ${seconds} 秒，已停止（YZ_MAX_PARSE_SECONDS）/ parsing took longer than ${seconds} s and was stopped`, {
        field: 'file',
        details: { limitSeconds: seconds, setting: 'YZ_MAX_PARSE_SECONDS' },
      });
    }
    if (err?.code === 'ERR_WORKER_OUT_OF_MEMORY') {
      return new AppError('PARSE_RESOURCE_LIMIT', `${subject} 解析所需内存超过 ${this.opts.memoryMb} MB（YZ_PARSE_MEMORY_MB）/ parsing needed more than ${this.opts.memoryMb} MB`, {
        field: 'file',
        details: { limitMb: this.opts.memoryMb, setting: 'YZ_PARSE_MEMORY_MB' },
      });
    }
    this.log?.error({ err: e, subject, durationMs: Math.round(ms) }, 'parser thread failed');
    return new AppError('INTERNAL', `解析 ${subject} 时发生内部错误 / internal error while parsing`, { cause: e });
  }
}
