import { type Lexicon, type Logger, visibleLength } from '../../core/index.ts';
import {
  type CachedResponse,
  type CacheKey,
  type ChatMessage,
  hashInput,
  type LlmProvider,
  type LlmResponseCache,
  loadPrompt,
  ModelOutputError,
  type Prompt,
  parseModelJson,
  promptTag,
  renderPrompt,
  type TokenUsage,
} from '../../llm/index.ts';
import type { ChunkForExtraction, ExtractedTriple, ExtractionResult, Extractor, GleanBudget } from '../model.ts';
import { ChunkTripleValidator, type DropReason, LexiconSpotter, TRIPLES_JSON_SCHEMA, TriplesEnvelopeSchema } from './llm-triples.ts';

export interface LlmExtractorOptions {
  /** Answers by exact request: a re-run over unchanged chunks makes no model call. */
  cache?: LlmResponseCache;
  /** Defaults to prompts/extract-triples.md. */
  prompt?: Prompt;
  /** One follow-up "did you miss any?" pass on promising chunks (default on; see shouldGlean). */
  glean?: boolean;
  /** Chunks shorter than this (visible characters) are not gleaned. Default 300. */
  gleanMinChars?: number;
  /** Lexicon entities named in the chunk but in no first-pass triple needed to glean. Default 2. */
  gleanMinUncovered?: number;
  /** At most this share of a source's chunks is gleaned, so calls per chunk stay ≤ 1 + share. Default 0.3. */
  maxGleanShare?: number;
  maxTokens?: number;
  log?: Logger;
}

/** The Extractor result plus what the LLM engine can tell about its work. */
export interface LlmExtractionResult extends ExtractionResult {
  /** Model triples rejected, by reason. */
  dropped: Record<DropReason, number>;
  /** Answers taken from the cache instead of the model. */
  cacheHits: number;
  gleaned: boolean;
  usage: TokenUsage;
  /**
   * Set when the model's answer stayed unusable after one repair request: the chunk yields no triples
   * and the job goes on (see LlmExtractor.extract).
   */
  failure?: { code: 'LLM_BAD_OUTPUT'; message: string };
}

type Answer = { text: string; items: unknown[] } | { error: ModelOutputError };

interface Tally {
  llmCalls: number;
  cacheHits: number;
  usage: TokenUsage;
}

/**
 * Triple extraction with a local LLM (engine `llm`): a versioned prompt, JSON-schema constrained output,
 * tolerant parsing, and strict checks on every triple (ChunkTripleValidator), so what reaches the review
 * queue names allowed predicates, fitting types and a quote that is really in the chunk.
 */
export class LlmExtractor implements Extractor {
  readonly engine = 'llm' as const;
  readonly version: string;
  private readonly prompt: Prompt;
  private readonly spotter: LexiconSpotter;
  /** Per source, for callers that do not hand in the budget (see ChunkForExtraction.gleanBudget). */
  private readonly budget = new Map<string, GleanBudget>();

  constructor(
    private readonly provider: LlmProvider,
    private readonly lexicon: Lexicon,
    private readonly opts: LlmExtractorOptions = {},
  ) {
    this.prompt = opts.prompt ?? loadPrompt('extract-triples');
    if (!this.prompt.sections.glean || !this.prompt.sections.repair) throw new Error(`${this.prompt.file}: needs sections glean and repair`);
    this.version = `${provider.kind}:${provider.model}/${promptTag(this.prompt)}`;
    this.spotter = new LexiconSpotter(lexicon);
  }

  /**
   * Extract triples from one chunk: at most one repair request if the answer is not valid JSON, and at
   * most one gleaning pass. Decision on an answer still unusable after the repair: the chunk yields zero
   * triples and `failure` says why, rather than an exception; the job keeps the calls it paid for in
   * `llmCalls` and moves on, and the answer is not cached, so a re-run asks again. Model-server failures
   * (LLM_UNAVAILABLE, LLM_TIMEOUT) are thrown: the job fails and is retried later.
   */
  async extract(chunk: ChunkForExtraction, signal?: AbortSignal): Promise<LlmExtractionResult> {
    signal?.throwIfAborted();
    const tally: Tally = { llmCalls: 0, cacheHits: 0, usage: { promptTokens: 0, completionTokens: 0 } };
    const validator = new ChunkTripleValidator(chunk.text, this.lexicon);
    const heading = chunk.headingPath.join(' > ') || '（无）';
    const messages: ChatMessage[] = [
      { role: 'system', content: renderPrompt(this.prompt, 'system', {}) },
      { role: 'user', content: renderPrompt(this.prompt, 'user', { heading, text: chunk.text }) },
    ];
    const first = await this.ask(messages, await this.lookup(messages), signal, tally);
    const result = (triples: ExtractedTriple[], gleaned: boolean): LlmExtractionResult => ({ triples, ...tally, dropped: validator.dropped, gleaned });
    if ('error' in first) {
      this.opts.log?.warn({ chunkId: chunk.id, sourceId: chunk.sourceId, model: this.provider.model, reason: first.error.reason }, 'LLM extraction output unusable');
      return { ...result([], false), failure: { code: 'LLM_BAD_OUTPUT', message: first.error.reason } };
    }
    const budget = chunk.gleanBudget ?? this.budget.get(chunk.sourceId) ?? { chunks: 0, gleans: 0 };
    if (!chunk.gleanBudget) this.budget.set(chunk.sourceId, budget);
    budget.chunks++;
    const triples = validator.accept(first.items);
    if (!this.shouldGlean(chunk, triples)) return result(triples, false);
    const followUp: ChatMessage[] = [
      ...messages,
      { role: 'assistant', content: first.text },
      { role: 'user', content: renderPrompt(this.prompt, 'glean', {}) },
    ];
    const cached = await this.lookup(followUp);
    // A glean answered before is free, and using it keeps a re-run's triples identical to the first run's.
    if (!cached.hit && budget.gleans + 1 > (this.opts.maxGleanShare ?? 0.3) * budget.chunks) return result(triples, false);
    budget.gleans++;
    const more = await this.ask(followUp, cached, signal, tally);
    if ('error' in more) {
      // The first pass stands; a failed glean only loses what it might have added.
      this.opts.log?.warn({ chunkId: chunk.id, sourceId: chunk.sourceId, reason: more.error.reason }, 'LLM gleaning output unusable');
      return result(triples, true);
    }
    return result([...triples, ...validator.accept(more.items)], true);
  }

  /**
   * Glean only where a second look is likely to pay: the first pass found something (the chunk is on
   * topic), the chunk is long, and it names lexicon entities that no triple used yet.
   */
  private shouldGlean(chunk: ChunkForExtraction, triples: ExtractedTriple[]): boolean {
    if (this.opts.glean === false || !triples.length) return false;
    if (visibleLength(chunk.text) < (this.opts.gleanMinChars ?? 300)) return false;
    const covered = new Set(triples.flatMap((t) => [t.subject.entityId, t.object.entityId]));
    const uncovered = [...this.spotter.spot(chunk.text)].filter((id) => !covered.has(id));
    return uncovered.length >= (this.opts.gleanMinUncovered ?? 2);
  }

  private async lookup(messages: ChatMessage[]): Promise<{ key: CacheKey; hit: CachedResponse | null }> {
    const key: CacheKey = {
      model: `${this.provider.kind}:${this.provider.model}`,
      promptId: this.prompt.id,
      promptVersion: this.prompt.version,
      inputSha256: hashInput({ messages, schema: TRIPLES_JSON_SCHEMA, temperature: 0, maxTokens: this.maxTokens }),
    };
    return { key, hit: (await this.opts.cache?.get(key)) ?? null };
  }

  /** A validated answer: from the cache, or from the model with one repair request if needed (then cached). */
  private async ask(messages: ChatMessage[], lookup: { key: CacheKey; hit: CachedResponse | null }, signal: AbortSignal | undefined, tally: Tally): Promise<Answer> {
    if (lookup.hit) {
      try {
        const items = parseModelJson(lookup.hit.text, TriplesEnvelopeSchema).triples;
        tally.cacheHits++;
        return { text: lookup.hit.text, items };
      } catch {
        // Unreadable under today's parser: ask the model again and overwrite the entry.
      }
    }
    let answer = await this.call(messages, signal, tally);
    let items: unknown[];
    try {
      items = parseModelJson(answer.text, TriplesEnvelopeSchema).triples;
    } catch (e) {
      if (!(e instanceof ModelOutputError)) throw e;
      const repair: ChatMessage[] = [
        ...messages,
        { role: 'assistant', content: answer.text },
        { role: 'user', content: renderPrompt(this.prompt, 'repair', { error: e.reason }) },
      ];
      answer = await this.call(repair, signal, tally);
      try {
        items = parseModelJson(answer.text, TriplesEnvelopeSchema).triples;
      } catch (e2) {
        if (!(e2 instanceof ModelOutputError)) throw e2;
        return { error: e2 };
      }
    }
    // Stored under the original request, so a re-run gets the usable answer without repeating the repair.
    await this.opts.cache?.put(lookup.key, answer);
    return { text: answer.text, items };
  }

  private async call(messages: ChatMessage[], signal: AbortSignal | undefined, tally: Tally): Promise<CachedResponse> {
    const r = await this.provider.chat({
      messages,
      jsonSchema: { name: this.prompt.output ?? 'extract_triples', schema: TRIPLES_JSON_SCHEMA },
      temperature: 0,
      maxTokens: this.maxTokens,
      signal,
    });
    tally.llmCalls += r.attempts;
    tally.usage.promptTokens += r.usage.promptTokens;
    tally.usage.completionTokens += r.usage.completionTokens;
    return { text: r.text, usage: r.usage };
  }

  private get maxTokens(): number {
    return this.opts.maxTokens ?? 2048;
  }
}
