import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { configuredTargetFetch, type Lookup } from '../connectors/index.ts';
import { type ChatStreamEvent, OllamaProvider, OpenAiProvider, type ProviderOptions } from '../llm/index.ts';
import { HttpReranker, OllamaEmbedder, OpenAiEmbedder } from '../search/index.ts';
import { type FakeLlmServer, startFakeLlmServer } from './fakes/llm-server.ts';

/**
 * The model clients (LLM providers, embedders, reranker) reach their server through the connectors'
 * outbound client: the configured host is resolved once, every answer is judged, and the checked address
 * is the one connected to — a configured name that resolves to a metadata address is refused before any
 * connection, while a loopback server configured by the administrator keeps working, streaming included.
 */
let fake: FakeLlmServer;
let port: number;
beforeAll(async () => {
  fake = await startFakeLlmServer({ models: ['fake-model'] });
  port = Number(new URL(fake.url).port);
});
afterAll(() => fake.close());
beforeEach(() => fake.reset());

function resolver(answers: string[]) {
  const asked: string[] = [];
  const lookup: Lookup = async (host) => {
    asked.push(host);
    return answers.map((address) => ({ address }));
  };
  return { lookup, asked };
}

const LOOPBACK = ['127.0.0.1'];
const REBOUND = ['127.0.0.1', '169.254.169.254'];

describe.each(['ollama', 'openai'] as const)('%s provider through the outbound client', (kind) => {
  const make = (answers: string[]) => {
    const url = `http://model.test:${port}${kind === 'openai' ? '/v1' : ''}`;
    const r = resolver(answers);
    const opts: ProviderOptions = { url, model: 'fake-model', timeoutMs: 3000, backoffMs: 5, retries: 0, fetch: configuredTargetFetch(url, r.lookup) };
    return { provider: kind === 'ollama' ? new OllamaProvider(opts) : new OpenAiProvider(opts), asked: r.asked };
  };

  it('streams from a server configured by name, connected at the checked address with the configured Host', async () => {
    fake.reply({ text: '磨玻璃结节随访', pieceChars: 2 });
    const { provider, asked } = make(LOOPBACK);
    const deltas: string[] = [];
    let done: ChatStreamEvent | undefined;
    for await (const e of provider.chatStream({ messages: [{ role: 'user', content: '随访？' }] })) {
      if ('delta' in e) deltas.push(e.delta);
      else done = e;
    }
    expect(deltas.length).toBeGreaterThan(1);
    expect(deltas.join('')).toBe('磨玻璃结节随访');
    expect(done).toMatchObject({ done: true });
    expect(asked).toContain('model.test');
    expect(fake.requests[0].headers.host).toBe(`model.test:${port}`);
  });

  it('refuses a configured name that also resolves to the metadata address, and sends nothing', async () => {
    const { provider } = make(REBOUND);
    await expect(provider.chat({ messages: [{ role: 'user', content: '你好' }] })).rejects.toMatchObject({ code: 'LLM_UNAVAILABLE', message: expect.stringMatching(/NOT_ALLOWED/) });
    expect(fake.requests).toHaveLength(0);
  });

  it('a caller abort mid-stream ends the exchange with the abort', async () => {
    fake.reply({ text: '一二三四五六七八九十'.repeat(20), pieceChars: 1, pieceDelayMs: 20 });
    const { provider } = make(LOOPBACK);
    const ctl = new AbortController();
    const seen: string[] = [];
    const run = (async () => {
      for await (const e of provider.chatStream({ messages: [{ role: 'user', content: '长回答' }], signal: ctl.signal })) {
        if ('delta' in e) seen.push(e.delta);
        if (seen.length === 3) ctl.abort(new Error('user left'));
      }
    })();
    await expect(run).rejects.toThrow(/user left|abort/i);
    expect(seen.length).toBeLessThan(50);
  });
});

describe('embedders and reranker through the outbound client', () => {
  const url = () => `http://model.test:${port}`;

  it('embed from a server configured by name; refuse one that resolves to the metadata address, unsent', async () => {
    const good = new OllamaEmbedder({ url: url(), model: 'fake-embed', fetch: configuredTargetFetch(url(), resolver(LOOPBACK).lookup) });
    await good.init();
    expect((await good.embed(['肺结节']))[0].length).toBe(good.dims);
    const before = fake.otherRequests.length;
    const bad = new OpenAiEmbedder({ url: url(), model: 'fake-embed', fetch: configuredTargetFetch(url(), resolver(REBOUND).lookup) });
    await expect(bad.init()).rejects.toMatchObject({ message: expect.stringMatching(/unreachable/) });
    const reranker = new HttpReranker({ url: url(), model: 'fake-rerank', fetch: configuredTargetFetch(url(), resolver(REBOUND).lookup) });
    await expect(reranker.score('肺结节', ['a', 'b'])).rejects.toMatchObject({ code: 'RERANKER_UNAVAILABLE' });
    expect(fake.otherRequests.length).toBe(before);
  });
});
