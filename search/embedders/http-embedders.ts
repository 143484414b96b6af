import { z } from 'zod';
import { configuredTargetFetch, type FetchLike } from '../../connectors/index.ts';
import { AppError, deidentify } from '../../core/index.ts';
import { type Embedder, l2normalize } from './embedder.ts';

export interface HttpEmbedderOptions {
  url: string;
  model: string;
  /** Send the text's role as `input_type` (`query` / `passage`): asymmetric models such as e5 prefix by it. */
  inputType?: boolean;
  apiKey?: string;
  dims?: number;
  timeoutMs?: number;
  batchSize?: number;
  /** The HTTP client; default: the outbound client allowing exactly the host of `url` (connectors' configuredTargetFetch). */
  fetch?: FetchLike;
}

const OllamaEmbedResponse = z.object({ embeddings: z.array(z.array(z.number())) });
const OpenAiEmbedResponse = z.object({ data: z.array(z.object({ index: z.number().optional(), embedding: z.array(z.number()) })) });

/**
 * Embeddings from a local model server. Dimensions are probed once at start (`init`) unless given,
 * and every response is validated: a server that answers with the wrong shape is an error, not a
 * silently broken index. Every text is de-identified before it is sent (core/deid), like every LLM
 * request (llm/deid-provider.ts): a chunk of an uploaded case or a question naming a patient leaves this
 * process without the identifiers, whatever the embedding server is. Vectors of the scrubbed text are
 * what the index holds, so queries and passages live in the same space.
 */
abstract class HttpEmbedder implements Embedder {
  readonly model: string;
  readonly lexical = false;
  dims: number;
  private readonly fetch: FetchLike;

  constructor(
    provider: 'ollama' | 'openai' | 'e5',
    protected readonly opts: HttpEmbedderOptions,
  ) {
    this.model = `${provider}:${opts.model}`;
    this.dims = opts.dims ?? 0;
    this.fetch = opts.fetch ?? configuredTargetFetch(opts.url);
  }

  protected abstract request(texts: string[], purpose: 'document' | 'query'): Promise<number[][]>;

  async init(): Promise<void> {
    if (this.dims) return;
    const [v] = await this.request(['维度探测 dimension probe'], 'query');
    this.dims = v.length;
  }

  async embed(texts: string[], purpose: 'document' | 'query' = 'document'): Promise<Float32Array[]> {
    const out: Float32Array[] = [];
    const size = this.opts.batchSize ?? 32;
    for (let i = 0; i < texts.length; i += size) {
      const vectors = await this.request(texts.slice(i, i + size).map((t) => deidentify(t).text), purpose);
      if (vectors.length !== Math.min(size, texts.length - i)) throw this.fail(`returned ${vectors.length} vectors for ${texts.slice(i, i + size).length} inputs`);
      for (const v of vectors) {
        if (this.dims && v.length !== this.dims) throw this.fail(`returned ${v.length} dimensions, expected ${this.dims}`);
        out.push(l2normalize(Float32Array.from(v)));
      }
    }
    return out;
  }

  protected async post(path: string, body: unknown): Promise<unknown> {
    const send = () =>
      this.fetch(new URL(path, this.opts.url.endsWith('/') ? this.opts.url : `${this.opts.url}/`), {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(this.opts.apiKey ? { authorization: `Bearer ${this.opts.apiKey}` } : {}) },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(this.opts.timeoutMs ?? 30_000),
      });
    let res: Response;
    try {
      res = await send().catch((e: unknown) => {
        // A pooled keep-alive connection the server closed while idle resets on reuse: one fresh attempt.
        if ((e as { cause?: { code?: string } })?.cause?.code === 'ECONNRESET') return send();
        throw e;
      });
    } catch (e) {
      throw this.fail(`unreachable: ${(e as Error).message}`, e);
    }
    if (!res.ok) throw this.fail(`HTTP ${res.status}: ${(await res.text()).slice(0, 200)}`);
    try {
      return await res.json();
    } catch (e) {
      throw this.fail('returned invalid JSON', e);
    }
  }

  protected fail(what: string, cause?: unknown): AppError {
    return new AppError('EMBEDDER_UNAVAILABLE', `向量模型 ${this.model} (${this.opts.url}) ${what}`, { field: 'YZ_EMBED_URL', cause });
  }
}

/** Ollama native API: POST /api/embed { model, input[] } → { embeddings[][] }. */
export class OllamaEmbedder extends HttpEmbedder {
  constructor(opts: HttpEmbedderOptions) {
    super('ollama', opts);
  }

  protected async request(texts: string[]): Promise<number[][]> {
    const parsed = OllamaEmbedResponse.safeParse(await this.post('api/embed', { model: this.opts.model, input: texts }));
    if (!parsed.success) throw this.fail('returned an unexpected body (no embeddings[])');
    return parsed.data.embeddings;
  }
}

/** OpenAI-compatible: POST /v1/embeddings { model, input[] } → { data: [{ index, embedding }] }. */
export class OpenAiEmbedder extends HttpEmbedder {
  constructor(opts: HttpEmbedderOptions, provider: 'openai' | 'e5' = 'openai') {
    super(provider, opts);
  }

  protected async request(texts: string[], purpose: 'document' | 'query'): Promise<number[][]> {
    const base = this.opts.url.replace(/\/+$/, '');
    const path = /\/v1$/.test(base) ? 'embeddings' : 'v1/embeddings';
    const role = this.opts.inputType ? { input_type: purpose === 'query' ? 'query' : 'passage' } : {};
    const parsed = OpenAiEmbedResponse.safeParse(await this.post(path, { model: this.opts.model, input: texts, ...role }));
    if (!parsed.success) throw this.fail('returned an unexpected body (no data[].embedding)');
    return [...parsed.data.data].sort((a, b) => (a.index ?? 0) - (b.index ?? 0)).map((d) => d.embedding);
  }
}
