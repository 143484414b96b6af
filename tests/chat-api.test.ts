import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ChatEvent } from '../agents/index.ts';
import { citingModel, isStructured } from './fakes/citing-model.ts';
import { type FakeLlmServer, startFakeLlmServer } from './fakes/llm-server.ts';
import { DEMO, startTestServer, type TestServer } from './helpers/runtime.ts';

// biome-ignore lint/suspicious/noExplicitAny: response bodies are read loosely; their schemas are tested by the server
type Json = any;

const FILES = [path.join(DEMO, 'lung-nodule-guideline.md')];

/** Read a server-sent-event stream as parsed events (`event:` name checked against the payload's type). */
async function readEvents(res: Response, onEvent?: (e: ChatEvent) => void): Promise<ChatEvent[]> {
  const events: ChatEvent[] = [];
  const decoder = new TextDecoder();
  let buffer = '';
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    buffer += decoder.decode(chunk, { stream: true });
    let end = buffer.indexOf('\n\n');
    while (end >= 0) {
      const frame = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const name = /^event: (.+)$/m.exec(frame)?.[1];
      const data = JSON.parse(/^data: (.+)$/m.exec(frame)?.[1] ?? 'null') as ChatEvent;
      expect(name).toBe(data.type);
      events.push(data);
      onEvent?.(data);
      end = buffer.indexOf('\n\n');
    }
  }
  return events;
}

function api(srv: TestServer) {
  return async (method: string, url: string, body?: unknown, actor = 'alice') => {
    const res = await fetch(srv.url + url, {
      method,
      headers: { ...(await srv.tokenFor('resident', actor)), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    let json: Json = null;
    try {
      json = JSON.parse(text);
    } catch {
      json = text;
    }
    return { status: res.status, json, type: res.headers.get('content-type') ?? '' };
  };
}

describe('chat API with a model (OpenAI-compatible fake server)', () => {
  let fake: FakeLlmServer;
  let srv: TestServer;
  let call: ReturnType<typeof api>;
  const chat = async (body: unknown, actor = 'alice', signal?: AbortSignal) =>
    fetch(`${srv.url}/api/chat`, { method: 'POST', headers: { 'content-type': 'application/json', ...(await srv.tokenFor('resident', actor)) }, body: JSON.stringify(body), signal });

  beforeAll(async () => {
    fake = await startFakeLlmServer();
    srv = await startTestServer(FILES, { YZ_LLM: 'openai', YZ_LLM_URL: `${fake.url}/v1`, YZ_LLM_MODEL: 'fake-model', YZ_LLM_NUM_CTX: '4096', YZ_LLM_TIMEOUT_MS: '5000' });
    call = api(srv);
  }, 180_000);
  afterAll(async () => {
    await srv?.close();
    await fake?.close();
  });
  beforeEach(() => {
    fake.reset();
    fake.script(citingModel());
  });

  it('POST /api/chat streams meta, tools, citations, deltas and done as server-sent events', async () => {
    const res = await chat({ message: '磨玻璃结节如何随访？' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const events = await readEvents(res);
    const types = events.map((e) => e.type);
    expect(types[0]).toBe('meta');
    expect(types).toContain('tool');
    expect(types).toContain('delta');
    expect(types.at(-1)).toBe('done');
    const done = events.at(-1) as Extract<ChatEvent, { type: 'done' }>;
    expect(done.answer).toMatch(/\[1\]/);
    expect(done.usage.completionTokens).toBeGreaterThan(0);
    expect(done.overheadMs).toBeLessThanOrEqual(done.latencyMs);
    const meta = events[0] as Extract<ChatEvent, { type: 'meta' }>;
    expect(meta).toMatchObject({ engine: 'llm', model: 'fake-model', promptVersion: 'chat-answer@v1', lang: 'zh' });

    const list = await call('GET', '/api/chat/conversations');
    expect(list.json.conversations.find((c: Json) => c.id === meta.conversationId)).toMatchObject({ title: '磨玻璃结节如何随访？', turns: 1 });
    const conv = await call('GET', `/api/chat/conversations/${meta.conversationId}`);
    expect(conv.status).toBe(200);
    expect(conv.json.messages[1]).toMatchObject({ role: 'assistant', content: done.answer, engine: 'llm', citations: [expect.objectContaining({ n: 1, kind: 'chunk' }), expect.anything()] });
  });

  it('refuses an empty or 20,000-character question with a 400 naming the field and the limit', async () => {
    const empty = await call('POST', '/api/chat', { message: '   ' });
    expect(empty).toMatchObject({ status: 400, json: { error: { code: 'VALIDATION_FAILED', field: 'message' } } });
    const missing = await call('POST', '/api/chat', {});
    expect(missing).toMatchObject({ status: 400, json: { error: { code: 'VALIDATION_FAILED' } } });
    const long = await call('POST', '/api/chat', { message: '肺结节'.repeat(6667).slice(0, 20_000) });
    expect(long.status).toBe(400);
    expect(long.json.error).toMatchObject({ code: 'QUESTION_TOO_LONG', field: 'message', message: expect.stringContaining('4000') });
    expect(long.type).toMatch(/application\/json/);
    expect(fake.requests).toHaveLength(0);
  });

  it("another actor cannot read, continue or delete a conversation (404); its owner can delete it (204)", async () => {
    const events = await readEvents(await chat({ message: '实性结节随访' }, 'alice'));
    const id = (events[0] as Extract<ChatEvent, { type: 'meta' }>).conversationId;
    expect((await call('GET', `/api/chat/conversations/${id}`, undefined, 'bob')).json.error.code).toBe('NOT_FOUND');
    expect((await call('DELETE', `/api/chat/conversations/${id}`, undefined, 'bob')).status).toBe(404);
    const hijack = await call('POST', '/api/chat', { message: '把上面的对话再说一遍', conversationId: id }, 'bob');
    expect(hijack).toMatchObject({ status: 404, json: { error: { code: 'NOT_FOUND', field: 'conversationId' } } });
    expect((await call('GET', '/api/chat/conversations', undefined, 'bob')).json.conversations.map((c: Json) => c.id)).not.toContain(id);
    expect((await call('DELETE', `/api/chat/conversations/${id}`)).status).toBe(204);
    expect((await call('GET', `/api/chat/conversations/${id}`)).status).toBe(404);
  });

  it('a model failure after the stream opened arrives as an error event that ends the stream', async () => {
    fake.script(() => ({ status: 503, error: 'model is loading' }));
    const events = await readEvents(await chat({ message: '实性结节随访' }));
    expect(events[0].type).toBe('meta');
    expect(events.at(-1)).toMatchObject({ type: 'error', code: 'LLM_UNAVAILABLE', message: expect.stringContaining('model is loading') });
    expect(events.filter((e) => e.type === 'done')).toHaveLength(0);
  });

  it('a client that disconnects stops the model: the fake server sees its connection closed', async () => {
    fake.script((req) => (isStructured(req) ? { json: { query: 'x' } } : { text: '肺结节的随访取决于结节的大小与密度。'.repeat(20), pieceChars: 2, pieceDelayMs: 100 }));
    const abort = new AbortController();
    let conversationId = '';
    const res = await chat({ message: '实性结节随访' }, 'alice', abort.signal);
    await readEvents(res, (e) => {
      if (e.type === 'meta') conversationId = e.conversationId;
      if (e.type === 'delta') abort.abort();
    }).catch((e) => expect((e as Error).name).toBe('AbortError'));
    const modelCall = fake.requests.find((r) => !isStructured(r));
    const deadline = Date.now() + 3000;
    while (!modelCall?.clientClosed && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
    expect(modelCall?.clientClosed).toBe(true);
    // Nothing was stored for the abandoned turn.
    const conv = await call('GET', `/api/chat/conversations/${conversationId}`);
    expect(conv.json.messages).toEqual([]);
    const { rows } = await srv.rt.db.query<{ n: number }>("SELECT count(*)::int AS n FROM llm_usage WHERE error_code = 'ABORTED'");
    expect(rows[0].n).toBeGreaterThanOrEqual(1);
  });

  it('GET /api/llm/status reports the model, a live check, the context size, usage statistics and prompt versions', async () => {
    const { status, json } = await call('GET', '/api/llm/status');
    expect(status).toBe(200);
    expect(json).toMatchObject({ kind: 'openai', model: 'fake-model', url: `${fake.url}/v1`, reachable: true, error: null, contextSize: 4096 });
    expect(json.checkedLatencyMs).toBeGreaterThanOrEqual(0);
    expect(json.stats.calls).toBeGreaterThanOrEqual(3);
    expect(json.stats.promptTokens).toBeGreaterThan(0);
    expect(json.stats.completionTokens).toBeGreaterThan(0);
    expect(json.stats.p50Ms).toBeGreaterThanOrEqual(0);
    expect(json.stats.p95Ms).toBeGreaterThanOrEqual(json.stats.p50Ms);
    expect(json.stats.cacheHits).toBeGreaterThanOrEqual(0);
    expect(Date.parse(json.stats.since)).toBeLessThan(Date.now());
    expect(json.prompts).toEqual(expect.arrayContaining([
      { id: 'chat-answer', version: '1', language: 'zh' },
      { id: 'query-rewrite', version: '1', language: 'zh' },
      { id: 'extract-triples', version: '1', language: 'zh' },
    ]));
  });
});

describe('chat API without a model, or with a model that is down', () => {
  it('YZ_LLM=none: status says so, and an empty knowledge base refuses in the question\'s language', async () => {
    const srv = await startTestServer([], {});
    try {
      const status = await api(srv)('GET', '/api/llm/status');
      expect(status.json).toMatchObject({ kind: 'none', model: null, url: null, reachable: null, error: null, contextSize: 8192, stats: { calls: 0 } });
      const res = await fetch(`${srv.url}/api/chat`, { method: 'POST', headers: { 'content-type': 'application/json', ...srv.auth }, body: JSON.stringify({ message: 'What is a ground-glass nodule?' }) });
      const events = await readEvents(res);
      expect(events[0]).toMatchObject({ type: 'meta', engine: 'extractive', lang: 'en' });
      expect(events.at(-1)).toMatchObject({ type: 'done', refused: true, answer: expect.stringMatching(/^No relevant knowledge found/) });
    } finally {
      await srv.close();
    }
  });

  it('an unreachable model server shows as reachable: false with the reason', async () => {
    const srv = await startTestServer([], { YZ_LLM: 'ollama', YZ_LLM_URL: 'http://127.0.0.1:1', YZ_LLM_MODEL: 'qwen2.5:7b' });
    try {
      const { json } = await api(srv)('GET', '/api/llm/status');
      expect(json).toMatchObject({ kind: 'ollama', model: 'qwen2.5:7b', reachable: false, error: expect.stringContaining('127.0.0.1:1') });
    } finally {
      await srv.close();
    }
  });
});
