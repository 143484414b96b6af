import { z } from 'zod';
import { configuredTargetFetch, type FetchLike } from '../../connectors/index.ts';
import { AppError, deidentify } from '../../core/index.ts';

/** A model that scores how well each passage answers a query (a cross-encoder). */
export interface Reranker {
  readonly model: string;
  /** One relevance score per passage, in input order, normalised to 0–1 within the call. */
  score(query: string, passages: string[]): Promise<number[]>;
}

const RerankResponse = z.object({ results: z.array(z.object({ index: z.number().int().min(0), relevance_score: z.number() })) });

/**
 * A reranking server speaking the common `/rerank` protocol (POST `{ model, query, documents }` →
 * `{ results: [{ index, relevance_score }] }`), as served by text-embeddings-inference, Xinference,
 * vLLM, llama.cpp's server and others. Its answer is validated; raw logits are min-max scaled. The query
 * and passages are de-identified before they leave (as every model request is: llm/deid-provider.ts).
 */
export class HttpReranker implements Reranker {
  private readonly fetch: FetchLike;

  /** `fetch`: the HTTP client; default: the outbound client allowing exactly the host of `url` (connectors' configuredTargetFetch). */
  constructor(private readonly opts: { url: string; model: string; apiKey?: string; timeoutMs?: number; fetch?: FetchLike }) {
    this.fetch = opts.fetch ?? configuredTargetFetch(opts.url);
  }

  get model(): string {
    return this.opts.model;
  }

  async score(query: string, passages: string[]): Promise<number[]> {
    if (passages.length === 0) return [];
    let res: Response;
    try {
      res = await this.fetch(new URL('rerank', this.opts.url.endsWith('/') ? this.opts.url : `${this.opts.url}/`), {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(this.opts.apiKey ? { authorization: `Bearer ${this.opts.apiKey}` } : {}) },
        body: JSON.stringify({ model: this.opts.model, query: scrub(query), documents: passages.map(scrub) }),
        signal: AbortSignal.timeout(this.opts.timeoutMs ?? 10_000),
      });
    } catch (e) {
      throw this.fail(`unreachable: ${(e as Error).message}`, e);
    }
    if (!res.ok) throw this.fail(`HTTP ${res.status}`);
    const parsed = RerankResponse.safeParse(await res.json().catch(() => null));
    if (!parsed.success) throw this.fail('returned an unexpected body (no results[].relevance_score)');
    const raw = new Array<number>(passages.length).fill(Number.NaN);
    for (const r of parsed.data.results) if (r.index < passages.length) raw[r.index] = r.relevance_score;
    const known = raw.filter((v) => Number.isFinite(v));
    const lo = Math.min(...known);
    const hi = Math.max(...known);
    return raw.map((v) => (Number.isFinite(v) ? (hi > lo ? (v - lo) / (hi - lo) : 1) : 0));
  }

  private fail(what: string, cause?: unknown): AppError {
    return new AppError('RERANKER_UNAVAILABLE', `重排序模型 ${this.opts.model} (${this.opts.url}) ${what}`, { field: 'YZ_RERANK_URL', cause });
  }
}

const scrub = (text: string): string => deidentify(text).text;
