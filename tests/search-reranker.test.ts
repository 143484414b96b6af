import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, loadConfig } from '../core/index.ts';
import { createRuntime, type Runtime } from '../runtime/index.ts';
import { HttpReranker, SearchService } from '../search/index.ts';

/** A reranking server at the protocol level: scores each document by whether it contains `favour`. */
function fakeRerankServer(favour: string): Promise<{ url: string; requests: unknown[]; close(): Promise<void> }> {
  const requests: unknown[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', () => {
      if (req.url !== '/rerank' || req.method !== 'POST') {
        res.writeHead(404).end();
        return;
      }
      const parsed = JSON.parse(body) as { query: string; documents: string[] };
      requests.push(parsed);
      const results = parsed.documents.map((d, index) => ({ index, relevance_score: d.includes(favour) ? 8.5 : -3 + index * 0.01 }));
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ results }));
    });
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({ url: `http://127.0.0.1:${port}`, requests, close: () => new Promise((r) => server.close(() => r())) });
    });
  });
}

const DOCS = [
  '肺炎链球菌肺炎起病急骤，寒战、高热，咳铁锈色痰。肺炎链球菌肺炎的治疗首选青霉素。',
  '肺炎支原体肺炎以阵发性刺激性咳嗽为突出表现，治疗首选大环内酯类抗生素。',
  '社区获得性肺炎的常见病原体包括肺炎链球菌、流感嗜血杆菌和肺炎支原体。',
];

async function runtimeWith(env: Record<string, string>): Promise<Runtime> {
  const rt = await createRuntime(loadConfig({ YZ_LOG_LEVEL: 'silent', ...env }), { inMemory: true, log: createLogger('silent') });
  for (const [i, d] of DOCS.entries()) await rt.ingest.register(Buffer.from(d), `doc-${i}.txt`, { kind: 'textbook' });
  await rt.runner.drain();
  return rt;
}

describe('model reranker hook (/rerank protocol)', () => {
  let server: Awaited<ReturnType<typeof fakeRerankServer>>;
  beforeAll(async () => {
    server = await fakeRerankServer('支原体');
  });
  afterAll(async () => {
    await server.close();
  });

  it('normalises the server\'s scores to 0–1 in input order and validates the body', async () => {
    const r = new HttpReranker({ url: server.url, model: 'fake-reranker' });
    const scores = await r.score('肺炎的治疗', ['青霉素', '支原体 大环内酯', '其他']);
    expect(scores[1]).toBe(1);
    expect(scores[0]).toBeLessThan(0.1);
    await expect(new HttpReranker({ url: 'http://127.0.0.1:9', model: 'x', timeoutMs: 500 }).score('q', ['a'])).rejects.toMatchObject({
      code: 'RERANKER_UNAVAILABLE',
      field: 'YZ_RERANK_URL',
    });
  });

  it('reorders hybrid results when configured, and keeps the feature order when the reranker is down', async () => {
    const rt = await runtimeWith({});
    try {
      const withModel = new SearchService(rt.db, rt.tokenizer, rt.embedder, { reranker: new HttpReranker({ url: server.url, model: 'fake-reranker' }) });
      const down = new SearchService(rt.db, rt.tokenizer, rt.embedder, { reranker: new HttpReranker({ url: 'http://127.0.0.1:9', model: 'x', timeoutMs: 500 }) });
      const plain = await rt.search.search({ q: '肺炎的治疗', top: 3 });
      expect(plain.results[0].text).not.toContain('支原体');
      const reranked = await withModel.search({ q: '肺炎的治疗', top: 3 });
      expect(reranked.results[0].text).toContain('支原体');
      expect(server.requests.length).toBeGreaterThan(0);
      const fallback = await down.search({ q: '肺炎的治疗', top: 3 });
      expect(fallback.results.map((h) => h.text)).toEqual(plain.results.map((h) => h.text));
    } finally {
      await rt.close();
    }
  }, 180_000);

  it('refuses YZ_RERANK_URL without a model, naming the variable', () => {
    expect(() => loadConfig({ YZ_RERANK_URL: 'http://127.0.0.1:1' })).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID', field: 'YZ_RERANK_MODEL' }));
  });
});
