import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../core/index.ts';
import { loadLanguage } from '../runtime/index.ts';
import { createEmbedder, HashEmbedder, OllamaEmbedder, OpenAiEmbedder } from '../search/index.ts';
import { startFakeEmbeddingServer } from './fakes/embedding-server.ts';
import { ingestFiles, testRuntime, DEMO } from './helpers/runtime.ts';
import path from 'node:path';

const cos = (a: Float32Array, b: Float32Array) => a.reduce((s, x, i) => s + x * b[i], 0);

describe('embedders', () => {
  let fake: Awaited<ReturnType<typeof startFakeEmbeddingServer>>;
  beforeAll(async () => {
    fake = await startFakeEmbeddingServer(8);
  });
  afterAll(() => fake.close());

  it('offline hash embedder: unit vectors, synonyms close, unrelated text far', async () => {
    const e = new HashEmbedder(loadLanguage().tokenizer);
    const [ggo, zh, other] = await e.embed(['GGO 随访', '磨玻璃影随访', '急性阑尾炎 阑尾增粗'], 'query');
    expect(cos(ggo, ggo)).toBeCloseTo(1, 5);
    expect(cos(ggo, zh)).toBeGreaterThan(cos(ggo, other) + 0.2);
  });

  it('talks to Ollama /api/embed and OpenAI /v1/embeddings over HTTP, probing dimensions', async () => {
    fake.behaviour = 'ok';
    const ollama = new OllamaEmbedder({ url: fake.url, model: 'bge-m3' });
    await ollama.init();
    expect(ollama.dims).toBe(8);
    expect(ollama.model).toBe('ollama:bge-m3');
    const [v] = await ollama.embed(['肺结节'], 'document');
    expect(v.length).toBe(8);
    const openai = new OpenAiEmbedder({ url: `${fake.url}/v1`, model: 'text-embedding', apiKey: 'k' });
    await openai.init();
    const [a, b] = await openai.embed(['阑尾炎', '肺'], 'document');
    expect(a[0]).toBeGreaterThan(b[0]); // order restored from the index field
    expect(fake.requests).toContain('POST /api/embed');
    expect(fake.requests).toContain('POST /v1/embeddings');
  });

  it('turns server errors, garbage and wrong dimensions into EMBEDDER_UNAVAILABLE naming YZ_EMBED_URL', async () => {
    const e = new OllamaEmbedder({ url: fake.url, model: 'm', dims: 8 });
    for (const b of ['error500', 'garbage', 'wrong-dims'] as const) {
      fake.behaviour = b;
      await expect(e.embed(['x'], 'query'), b).rejects.toMatchObject({ code: 'EMBEDDER_UNAVAILABLE', field: 'YZ_EMBED_URL' });
    }
    fake.behaviour = 'ok';
    const down = new OllamaEmbedder({ url: 'http://127.0.0.1:1', model: 'm' });
    await expect(down.init()).rejects.toMatchObject({ code: 'EMBEDDER_UNAVAILABLE' });
  });

  it('is chosen by configuration, fails fast when misconfigured, and powers vector search end to end', async () => {
    expect(() => loadConfig({ YZ_EMBEDDER: 'ollama' })).toThrow(/YZ_EMBED_URL/);
    const { tokenizer } = loadLanguage();
    const e = await createEmbedder(loadConfig({ YZ_EMBEDDER: 'openai', YZ_EMBED_URL: fake.url, YZ_EMBED_MODEL: 'x' }), tokenizer);
    expect(e.model).toBe('openai:x');
    const rt = await testRuntime({ YZ_EMBEDDER: 'ollama', YZ_EMBED_URL: fake.url, YZ_EMBED_MODEL: 'fake' });
    try {
      await ingestFiles(rt, [path.join(DEMO, 'abdomen-textbook.md')]);
      const res = await rt.search.search({ q: '阑尾', mode: 'vector', top: 3 });
      expect(res.embeddingModel).toBe('ollama:fake');
      expect(res.results.length).toBe(3);
    } finally {
      await rt.close();
    }
  });
});
