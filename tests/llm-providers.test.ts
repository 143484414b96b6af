import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../core/index.ts';
import { type ChatStreamEvent, createProvider, type LlmProvider, OllamaProvider, OpenAiProvider, type ProviderOptions } from '../llm/index.ts';
import { type FakeLlmServer, startFakeLlmServer } from './fakes/llm-server.ts';
import { llmProviderContract, modelLikeScript } from './llm-provider.contract.ts';

const MESSAGES = [
  { role: 'system' as const, content: '你是放射科助手。' },
  { role: 'user' as const, content: '肺癌的CT表现？' },
];
const SCHEMA = { type: 'object', properties: { answer: { type: 'string' } }, required: ['answer'], additionalProperties: false };

async function collect(stream: AsyncIterable<ChatStreamEvent>): Promise<{ deltas: string[]; done?: Extract<ChatStreamEvent, { done: true }> }> {
  const deltas: string[] = [];
  let done: Extract<ChatStreamEvent, { done: true }> | undefined;
  for await (const e of stream) {
    if ('delta' in e) deltas.push(e.delta);
    else done = e;
  }
  return { deltas, done };
}

let fake: FakeLlmServer;
beforeAll(async () => {
  fake = await startFakeLlmServer({ models: ['fake-model', 'qwen2.5:7b'] });
});
afterAll(() => fake.close());
beforeEach(() => fake.reset());

describe.each(['ollama', 'openai'] as const)('%s provider over HTTP', (kind) => {
  const make = (over: Partial<ProviderOptions> = {}): LlmProvider => {
    const opts: ProviderOptions = { url: kind === 'openai' ? `${fake.url}/v1` : fake.url, model: 'fake-model', timeoutMs: 3000, numCtx: 4096, backoffMs: 10, ...over };
    return kind === 'ollama' ? new OllamaProvider(opts) : new OpenAiProvider(opts);
  };

  describe('provider contract', () => {
    beforeEach(() => fake.script(modelLikeScript));
    llmProviderContract(() => ({ provider: make(), timeoutMs: 5000 }));
  });

  it('chat sends messages, the JSON schema and sampling settings; returns text, usage and latency', async () => {
    fake.reply({ json: { answer: '分叶征' }, usage: { promptTokens: 11, completionTokens: 7 } });
    const res = await make().chat({ messages: MESSAGES, jsonSchema: { name: 'answer', schema: SCHEMA }, temperature: 0, maxTokens: 100 });
    expect(res).toMatchObject({ text: '{"answer":"分叶征"}', usage: { promptTokens: 11, completionTokens: 7 }, attempts: 1 });
    expect(res.latencyMs).toBeGreaterThanOrEqual(0);
    const [sent] = fake.requests;
    expect(sent).toMatchObject({ api: kind, model: 'fake-model', messages: MESSAGES, stream: false });
    if (kind === 'ollama') {
      expect(sent.format).toEqual(SCHEMA);
      expect(sent.options).toEqual({ num_ctx: 4096, temperature: 0, num_predict: 100 });
    } else {
      expect(sent.responseFormat).toEqual({ type: 'json_schema', json_schema: { name: 'answer', schema: SCHEMA, strict: true } });
      expect(sent.body).toMatchObject({ temperature: 0, max_tokens: 100 });
    }
    expect(sent.headers.authorization).toBeUndefined();
  });

  it('sends the API key as a bearer token when one is configured', async () => {
    fake.reply({ text: 'ok' });
    await make({ apiKey: 'sk-local' }).chat({ messages: MESSAGES });
    expect(fake.requests[0].headers.authorization).toBe('Bearer sk-local');
  });

  it('streams deltas, then a done event with the whole text and usage', async () => {
    const text = '肺癌常见分叶征、毛刺征及胸膜凹陷征。';
    fake.reply({ text, pieceChars: 3 });
    const { deltas, done } = await collect(make().chatStream({ messages: MESSAGES, jsonSchema: { name: 'answer', schema: SCHEMA } }));
    expect(deltas.length).toBeGreaterThan(3);
    expect(deltas.join('')).toBe(text);
    expect(done).toMatchObject({ done: true, text, attempts: 1 });
    expect(done?.usage.completionTokens).toBeGreaterThan(0);
    expect(done?.usage.promptTokens).toBeGreaterThan(0);
    const [sent] = fake.requests;
    expect(sent.stream).toBe(true);
    if (kind === 'openai') expect(sent.body.stream_options).toEqual({ include_usage: true });
    else expect(sent.format).toEqual(SCHEMA);
  });

  it('strips <think> reasoning from answers and from streams', async () => {
    const p = make();
    fake.reply({ think: '用户问的是肺癌……', text: '分叶征' });
    expect((await p.chat({ messages: MESSAGES })).text).toBe('分叶征');
    fake.reply({ text: '<think>still reasoning when the output was cut' });
    expect((await p.chat({ messages: MESSAGES })).text).toBe('');
    fake.reply({ think: '先回忆教科书内容，再回答。', text: 'visible answer', pieceChars: 3 });
    const { deltas, done } = await collect(p.chatStream({ messages: MESSAGES }));
    expect(deltas.join('')).toBe('visible answer');
    expect(deltas.join('')).not.toContain('think');
    expect(done?.text).toBe('visible answer');
  });

  it('times out a slow answer as LLM_TIMEOUT without retrying it', async () => {
    fake.reply({ text: 'late', delayMs: 5000 });
    const started = Date.now();
    await expect(make({ timeoutMs: 200 }).chat({ messages: MESSAGES })).rejects.toMatchObject({ code: 'LLM_TIMEOUT', field: 'YZ_LLM_TIMEOUT_MS' });
    expect(Date.now() - started).toBeLessThan(2000);
    expect(fake.requests).toHaveLength(1);
  });

  it('times out a stream that stalls between pieces', async () => {
    fake.reply({ text: 'abcdefgh', pieceChars: 2, pieceDelayMs: 3000 });
    const deltas: string[] = [];
    const run = async () => {
      for await (const e of make({ timeoutMs: 300 }).chatStream({ messages: MESSAGES })) if ('delta' in e) deltas.push(e.delta);
    };
    await expect(run()).rejects.toMatchObject({ code: 'LLM_TIMEOUT' });
    expect(deltas).toEqual(['ab']);
  });

  it('retries a 500 and a 429, then succeeds', async () => {
    fake.reply({ status: 500, error: 'CUDA error' }, { status: 429, retryAfter: 0 }, { text: 'ok' });
    const res = await make().chat({ messages: MESSAGES });
    expect(res).toMatchObject({ text: 'ok', attempts: 3 });
    expect(fake.requests).toHaveLength(3);
  });

  it('retries a 503 before a stream starts', async () => {
    fake.reply({ status: 503 }, { text: 'streamed' });
    const { deltas, done } = await collect(make().chatStream({ messages: MESSAGES }));
    expect(deltas.join('')).toBe('streamed');
    expect(done?.attempts).toBe(2);
  });

  it('gives up after two retries with LLM_UNAVAILABLE', async () => {
    fake.reply({ status: 502 }, { status: 502 }, { status: 502 }, { text: 'never reached' });
    await expect(make().chat({ messages: MESSAGES })).rejects.toMatchObject({ code: 'LLM_UNAVAILABLE', status: 503 });
    expect(fake.requests).toHaveLength(3);
  });

  it('does not retry a 400 (LLM_REJECTED) or an unknown model (404, LLM_UNAVAILABLE naming YZ_LLM_MODEL)', async () => {
    fake.reply({ status: 400, error: 'context length exceeded' }, { text: 'not reached' });
    await expect(make().chat({ messages: MESSAGES })).rejects.toMatchObject({ code: 'LLM_REJECTED', message: expect.stringContaining('context length exceeded') });
    expect(fake.requests).toHaveLength(1);
    await expect(make({ model: 'llama-missing' }).chat({ messages: MESSAGES })).rejects.toMatchObject({ code: 'LLM_UNAVAILABLE', field: 'YZ_LLM_MODEL' });
    expect(fake.requests).toHaveLength(2);
  });

  it('reports a server that is down as LLM_UNAVAILABLE naming the URL and the model', async () => {
    const down = make({ url: 'http://127.0.0.1:1', backoffMs: 1 });
    const err = await down.chat({ messages: MESSAGES }).catch((e) => e);
    expect(err).toMatchObject({ code: 'LLM_UNAVAILABLE', field: 'YZ_LLM_URL' });
    expect(err.message).toContain('127.0.0.1:1');
    expect(err.message).toContain('fake-model');
    await expect(collect(down.chatStream({ messages: MESSAGES }))).rejects.toMatchObject({ code: 'LLM_UNAVAILABLE' });
    await expect(down.init()).rejects.toMatchObject({ code: 'LLM_UNAVAILABLE' });
  });

  it('retries a truncated body; a truncated stream or a malformed stream is LLM_UNAVAILABLE', async () => {
    fake.reply({ text: '{"answer": "truncated by a crashing server"}', truncate: true }, { text: 'whole' });
    expect(await make().chat({ messages: MESSAGES })).toMatchObject({ text: 'whole', attempts: 2 });
    fake.reply({ text: 'a stream that will be cut in the middle', pieceChars: 4, truncate: true });
    await expect(collect(make().chatStream({ messages: MESSAGES }))).rejects.toMatchObject({ code: 'LLM_UNAVAILABLE' });
    const garbage = kind === 'ollama' ? '{"message": {"content": "x"}, "done": false}\nnot json at all\n' : 'data: {"choices": [\n\n';
    fake.reply({ raw: garbage });
    await expect(collect(make().chatStream({ messages: MESSAGES }))).rejects.toMatchObject({ code: 'LLM_UNAVAILABLE' });
  });

  it('aborting cancels the request (no retry) and a running stream', async () => {
    const p = make();
    fake.reply({ text: 'slow', delayMs: 5000 });
    const ctl = new AbortController();
    setTimeout(() => ctl.abort(), 100);
    const started = Date.now();
    await expect(p.chat({ messages: MESSAGES, signal: ctl.signal })).rejects.toMatchObject({ name: 'AbortError' });
    expect(Date.now() - started).toBeLessThan(2000);
    expect(fake.requests).toHaveLength(1);

    fake.reply({ text: 'a'.repeat(60), pieceChars: 2, pieceDelayMs: 50 });
    const ctl2 = new AbortController();
    const deltas: string[] = [];
    const run = async () => {
      for await (const e of p.chatStream({ messages: MESSAGES, signal: ctl2.signal })) {
        if ('delta' in e) deltas.push(e.delta);
        if (deltas.length === 2) ctl2.abort();
      }
    };
    await expect(run()).rejects.toMatchObject({ name: 'AbortError' });
    expect(deltas.length).toBeLessThan(10);
    await expect(p.chat({ messages: MESSAGES, signal: AbortSignal.abort() })).rejects.toMatchObject({ name: 'AbortError' });
    expect(fake.requests).toHaveLength(2);
  });

  it('init() checks the server serves the model', async () => {
    await expect(make().init()).resolves.toBeUndefined();
    await expect(make({ model: 'absent' }).init()).rejects.toMatchObject({ code: 'LLM_UNAVAILABLE', field: 'YZ_LLM_MODEL', message: expect.stringContaining('absent') });
    if (kind === 'ollama') await expect(make({ model: 'qwen2.5:7b' }).init()).resolves.toBeUndefined();
  });
});

describe('createProvider', () => {
  it('returns null for YZ_LLM=none and a provider for ollama/openai (OpenAI URL with or without /v1)', async () => {
    expect(createProvider(loadConfig({}).llm)).toBeNull();
    const ollama = createProvider(loadConfig({ YZ_LLM: 'ollama', YZ_LLM_URL: fake.url, YZ_LLM_MODEL: 'fake-model' }).llm);
    expect(ollama).toMatchObject({ kind: 'ollama', model: 'fake-model', url: fake.url });
    const openai = createProvider(loadConfig({ YZ_LLM: 'openai', YZ_LLM_URL: fake.url, YZ_LLM_MODEL: 'fake-model' }).llm);
    fake.reply({ text: 'from openai' });
    expect((await openai?.chat({ messages: MESSAGES }))?.text).toBe('from openai');
    expect(fake.requests[0].api).toBe('openai');
  });

  it('limits concurrent requests to YZ_LLM_CONCURRENCY, streams included', async () => {
    const p = createProvider(loadConfig({ YZ_LLM: 'ollama', YZ_LLM_URL: fake.url, YZ_LLM_MODEL: 'fake-model', YZ_LLM_CONCURRENCY: '2' }).llm) as LlmProvider;
    fake.script(() => ({ text: 'ok', delayMs: 80 }));
    const texts = await Promise.all([
      ...Array.from({ length: 4 }, () => p.chat({ messages: MESSAGES }).then((r) => r.text)),
      collect(p.chatStream({ messages: MESSAGES })).then((r) => r.deltas.join('')),
    ]);
    expect(texts).toEqual(['ok', 'ok', 'ok', 'ok', 'ok']);
    expect(fake.requests).toHaveLength(5);
    expect(fake.maxInFlight).toBe(2);
  });

  it('a caller aborted while queued for a slot rejects at once and never reaches the server', async () => {
    const p = createProvider(loadConfig({ YZ_LLM: 'openai', YZ_LLM_URL: fake.url, YZ_LLM_MODEL: 'fake-model', YZ_LLM_CONCURRENCY: '1' }).llm) as LlmProvider;
    fake.script(() => ({ text: 'slow', delayMs: 400 }));
    const busy = p.chat({ messages: MESSAGES });
    const ctl = new AbortController();
    const queued = p.chat({ messages: MESSAGES, signal: ctl.signal });
    setTimeout(() => ctl.abort(), 50);
    const started = Date.now();
    await expect(queued).rejects.toMatchObject({ name: 'AbortError' });
    expect(Date.now() - started).toBeLessThan(300);
    expect((await busy).text).toBe('slow');
    expect((await p.chat({ messages: MESSAGES })).text).toBe('slow');
    expect(fake.requests).toHaveLength(2);
  });
});
