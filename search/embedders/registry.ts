import type { Config, Tokenizer } from '../../core/index.ts';
import type { Embedder } from './embedder.ts';
import { HashEmbedder } from './hash-embedder.ts';
import { OllamaEmbedder, OpenAiEmbedder } from './http-embedders.ts';

/**
 * The embedder named by configuration. A remote embedder is probed at start: if it is configured
 * but unreachable, start fails naming YZ_EMBED_URL — never a silent switch to the hash embedder,
 * which would mix vector spaces.
 */
export async function createEmbedder(config: Pick<Config, 'embedder'>, tokenizer: Tokenizer): Promise<Embedder> {
  const e = config.embedder;
  if (e.kind === 'hash') return new HashEmbedder(tokenizer, e.dims ?? 256);
  const opts = { url: e.url as string, model: e.model as string, apiKey: e.apiKey, dims: e.dims };
  const embedder = e.kind === 'ollama' ? new OllamaEmbedder(opts) : new OpenAiEmbedder(opts);
  await embedder.init();
  return embedder;
}
