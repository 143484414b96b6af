import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export type EmbedBehaviour = 'ok' | 'error500' | 'garbage' | 'wrong-dims';

/**
 * A protocol-level fake of the Ollama (`POST /api/embed`) and OpenAI (`POST /v1/embeddings`)
 * embedding endpoints: deterministic vectors from the text, plus scripted failures.
 */
export async function startFakeEmbeddingServer(dims = 8): Promise<{ url: string; behaviour: EmbedBehaviour; requests: string[]; close(): Promise<void> }> {
  const state = { behaviour: 'ok' as EmbedBehaviour, requests: [] as string[] };
  const vector = (text: string, n = dims) => Array.from({ length: n }, (_, i) => Math.sin((text.length + 1) * (i + 1)) + (text.includes('阑尾') ? 3 * Number(i === 0) : 0));
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      state.requests.push(`${req.method} ${req.url}`);
      if (state.behaviour === 'error500') {
        res.writeHead(500, { 'content-type': 'application/json' }).end('{"error":"model crashed"}');
        return;
      }
      if (state.behaviour === 'garbage') {
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"embeddings": "nope"');
        return;
      }
      const input = (JSON.parse(body) as { input: string[] | string }).input;
      const texts = Array.isArray(input) ? input : [input];
      const n = state.behaviour === 'wrong-dims' ? dims + 1 : dims;
      if (req.url === '/api/embed') {
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ model: 'fake', embeddings: texts.map((t) => vector(t, n)) }));
      } else if (req.url === '/v1/embeddings') {
        // OpenAI may return items out of order; clients must sort by index.
        const data = texts.map((t, index) => ({ object: 'embedding', index, embedding: vector(t, n) })).reverse();
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ object: 'list', data, model: 'fake' }));
      } else {
        res.writeHead(404).end();
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    get behaviour() {
      return state.behaviour;
    },
    set behaviour(b: EmbedBehaviour) {
      state.behaviour = b;
    },
    requests: state.requests,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
