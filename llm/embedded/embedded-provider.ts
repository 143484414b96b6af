import path from 'node:path';
import type { ChatHistoryItem, LlamaChat, LlamaContextSequence } from 'node-llama-cpp';
import { AppError } from '../../core/index.ts';
import type { ChatMessage, ChatRequest, ChatResponse, ChatStreamEvent, FinishReason, LlmProvider, ModelDescription } from '../provider.ts';
import { stripThink, ThinkStreamFilter } from '../think.ts';
import { LlmErrors } from '../transport.ts';
import { acquireModel, type LoadedModel, type LoadSpec, releaseModel } from './engine.ts';
import { PushQueue } from './push-queue.ts';

export interface EmbeddedProviderOptions {
  /** The GGUF file (YZ_LLM_MODEL_FILE, or an installed catalog model). */
  file: string;
  /** A short name for logs, usage records and the cache key (catalog id or file name). */
  model: string;
  /** CPU threads (YZ_LLM_THREADS; 1 on a busy 2-core machine, where 2 threads spin-wait). */
  threads: number;
  /** Context window in tokens (YZ_LLM_NUM_CTX), capped at what the model was trained for. */
  contextSize: number;
  /** Parallel generations (YZ_LLM_CONCURRENCY); each gets its own sequence of the shared context. */
  concurrency: number;
  /** Bound on the wait for the next piece (the first includes reading the prompt). */
  timeoutMs: number;
  memoryLimitBytes?: number;
}

/**
 * A GGUF model run in-process by llama.cpp (node-llama-cpp), on CPU, with no server to install: the same
 * port as the Ollama and OpenAI providers. JSON-schema output is enforced by a grammar compiled from the
 * schema (the model cannot emit anything else); the prompt is rendered with the model's own chat template;
 * a prompt longer than the context window is refused (LLM_REJECTED) rather than silently shifted out;
 * generation stops at `maxTokens` with `finishReason: 'length'`. There are no native tool calls here: the
 * prompted tool protocol (llm/prompted-tools.ts) is put in front by createProvider.
 */
export class EmbeddedProvider implements LlmProvider {
  readonly kind = 'embedded' as const;
  readonly model: string;
  readonly url: string;
  private readonly errors: LlmErrors;
  private readonly spec: LoadSpec;
  private loaded: Promise<LoadedModel> | null = null;
  private closed = false;
  private readonly free: LlamaContextSequence[] = [];
  private readonly waiting: Array<(s: LlamaContextSequence) => void> = [];
  private readonly chats = new WeakMap<LlamaContextSequence, LlamaChat>();
  private created = 0;

  constructor(private readonly opts: EmbeddedProviderOptions) {
    this.model = opts.model;
    this.url = path.resolve(opts.file);
    this.errors = new LlmErrors('embedded', this.url, opts.model);
    this.spec = { file: opts.file, threads: opts.threads, contextSize: opts.contextSize, sequences: opts.concurrency, memoryLimitBytes: opts.memoryLimitBytes };
  }

  /** Load the model (once; shared with every provider of the same spec). Throws MODEL_NOT_INSTALLED, LLM_MODEL_TOO_LARGE. */
  async init(): Promise<void> {
    await this.load();
  }

  async describe(): Promise<ModelDescription> {
    const m = await this.load();
    return { ...m.info };
  }

  async chat(req: ChatRequest): Promise<ChatResponse> {
    let last: ChatResponse | undefined;
    for await (const e of this.chatStream(req)) if ('done' in e) last = e;
    return last as ChatResponse;
  }

  async *chatStream(req: ChatRequest): AsyncIterable<ChatStreamEvent> {
    req.signal?.throwIfAborted();
    const started = performance.now();
    const m = await this.load();
    const sequence = await this.takeSequence(req.signal);
    const stop = new AbortController();
    const onAbort = () => stop.abort(req.signal?.reason);
    req.signal?.addEventListener('abort', onAbort, { once: true });
    const queue = new PushQueue<string>();
    let timedOut = false;
    let timer: NodeJS.Timeout | undefined;
    const touch = () => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        timedOut = true;
        stop.abort(new DOMException('LLM request timed out', 'TimeoutError'));
      }, this.opts.timeoutMs);
    };
    let generation: Promise<unknown> | undefined;
    try {
      const chat = await this.chatFor(sequence);
      const history = toHistory(req.messages);
      const promptTokens = chat.chatWrapper.generateContextState({ chatHistory: history }).contextText.tokenize(m.model.tokenizer).length;
      const room = m.context.contextSize - promptTokens - 1;
      if (room < 16) {
        throw new AppError('LLM_REJECTED', `提示过长 / the prompt is ${promptTokens} tokens; the context window of ${this.model} is ${m.context.contextSize} (YZ_LLM_NUM_CTX)`, {
          field: 'YZ_LLM_NUM_CTX',
          details: { promptTokens, contextSize: m.context.contextSize },
        });
      }
      const grammar = req.jsonSchema ? await m.grammar(req.jsonSchema.schema) : undefined;
      const meter = sequence.tokenMeter.getState();
      touch();
      let firstTokenMs: number | undefined;
      generation = chat
        .generateResponse(history, {
          maxTokens: Math.min(req.maxTokens ?? room, room),
          temperature: req.temperature ?? 0,
          ...(grammar ? { grammar } : {}),
          signal: stop.signal,
          stopOnAbortSignal: false,
          onTextChunk: (t) => {
            firstTokenMs ??= performance.now() - started;
            queue.push(t);
          },
        })
        .then(
          (r) => {
            queue.end();
            return r;
          },
          (e: unknown) => {
            queue.fail(e);
            throw e;
          },
        );
      generation.catch(() => undefined);
      const filter = new ThinkStreamFilter();
      let raw = '';
      for await (const piece of queue) {
        touch();
        raw += piece;
        const visible = filter.push(piece);
        if (visible) yield { delta: visible };
      }
      const result = (await generation) as Awaited<ReturnType<LlamaChat['generateResponse']>>;
      const tail = filter.flush();
      if (tail) yield { delta: tail };
      const used = sequence.tokenMeter.diff(meter);
      const finishReason: FinishReason = result.metadata.stopReason === 'maxTokens' ? 'length' : 'stop';
      yield {
        done: true,
        text: stripThink(raw),
        // The whole prompt, as servers report it (llama.cpp re-evaluates only what is not in the sequence's cache).
        usage: { promptTokens, completionTokens: used.usedOutputTokens },
        latencyMs: Math.round(performance.now() - started),
        attempts: 1,
        toolCalls: [],
        finishReason,
        firstTokenMs: firstTokenMs === undefined ? undefined : Math.round(firstTokenMs),
      };
    } catch (e) {
      if (timedOut) throw this.errors.timeout(this.opts.timeoutMs);
      if (req.signal?.aborted) throw req.signal.reason;
      if (e instanceof AppError) throw e;
      throw this.errors.unavailable(`failed while generating: ${(e as Error)?.message ?? e}`, e, 'YZ_LLM_MODEL_FILE');
    } finally {
      clearTimeout(timer);
      req.signal?.removeEventListener('abort', onAbort);
      // A consumer that stopped reading (or an error) must not leave llama.cpp generating into a held sequence.
      if (!stop.signal.aborted) stop.abort(new DOMException('abandoned', 'AbortError'));
      await generation?.catch(() => undefined);
      this.giveBack(sequence);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.loaded) {
      this.loaded = null;
      await releaseModel(this.spec);
    }
  }

  private load(): Promise<LoadedModel> {
    if (this.closed) return Promise.reject(this.errors.unavailable('is closed'));
    if (!this.loaded) {
      this.loaded = acquireModel(this.spec);
      this.loaded.catch(() => {
        this.loaded = null;
      });
    }
    return this.loaded;
  }

  /** A sequence of the shared context for this call; with every one busy, wait in line (abortable). */
  private async takeSequence(signal: AbortSignal | undefined): Promise<LlamaContextSequence> {
    const m = await this.load();
    const free = this.free.pop();
    if (free) return free;
    if (this.created < this.opts.concurrency && m.context.sequencesLeft > 0) {
      this.created++;
      return m.context.getSequence();
    }
    return new Promise((resolve, reject) => {
      const granted = (s: LlamaContextSequence) => {
        signal?.removeEventListener('abort', onAbort);
        resolve(s);
      };
      const onAbort = () => {
        const i = this.waiting.indexOf(granted);
        if (i >= 0) this.waiting.splice(i, 1);
        reject(signal?.reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiting.push(granted);
    });
  }

  private giveBack(s: LlamaContextSequence): void {
    const next = this.waiting.shift();
    if (next) next(s);
    else this.free.push(s);
  }

  private async chatFor(sequence: LlamaContextSequence): Promise<LlamaChat> {
    let chat = this.chats.get(sequence);
    if (!chat) {
      const { LlamaChat } = await import('node-llama-cpp');
      chat = new LlamaChat({ contextSequence: sequence });
      this.chats.set(sequence, chat);
    }
    return chat;
  }
}

/**
 * Messages as node-llama-cpp chat history, ending in an empty model turn to complete. Tool results (only
 * seen without the prompted protocol in front) become user turns in Qwen's `<tool_response>` form.
 */
function toHistory(messages: ChatMessage[]): ChatHistoryItem[] {
  const out: ChatHistoryItem[] = [];
  for (const m of messages) {
    if (m.role === 'system') out.push({ type: 'system', text: m.content });
    else if (m.role === 'assistant') out.push({ type: 'model', response: [m.content] });
    else if (m.role === 'tool') out.push({ type: 'user', text: `<tool_response>\n${m.content}\n</tool_response>` });
    else out.push({ type: 'user', text: m.content });
  }
  out.push({ type: 'model', response: [] });
  return out;
}
