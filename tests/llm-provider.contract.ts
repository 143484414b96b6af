import { expect, it } from 'vitest';
import type { ChatMessage, ChatResponse, ChatStreamEvent, LlmProvider } from '../llm/index.ts';
import type { FakeLlmReply, FakeLlmRequest } from './fakes/llm-server.ts';

/**
 * The LlmProvider contract, run against every implementation: the Ollama and OpenAI providers over
 * HTTP to the protocol fake (tests/llm-providers.test.ts), and the real embedded model plus llama.cpp's
 * OpenAI-compatible server (tests/real-model/). What a caller relies on, whatever the model:
 * streaming, JSON-schema output, `maxTokens` cut-off reported, cancellation, calls in parallel.
 * Every case makes at most two model calls with small outputs, so it stays cheap on a real CPU model.
 */
export interface ProviderUnderTest {
  provider: LlmProvider;
  /** Model calls may be slow (real model on a busy CPU). */
  timeoutMs: number;
}

const ASK: ChatMessage[] = [
  { role: 'system', content: '你是放射科助手。回答简短。' },
  { role: 'user', content: '用一句话说明什么是磨玻璃结节。' },
];
const SCHEMA = { type: 'object', properties: { finding: { type: 'string' }, organ: { type: 'string' } }, required: ['finding', 'organ'], additionalProperties: false };

async function collect(stream: AsyncIterable<ChatStreamEvent>): Promise<{ deltas: string[]; done?: ChatResponse }> {
  const deltas: string[] = [];
  let done: ChatResponse | undefined;
  for await (const e of stream) {
    if ('delta' in e) deltas.push(e.delta);
    else done = e;
  }
  return { deltas, done };
}

export function llmProviderContract(get: () => ProviderUnderTest): void {
  it('chat answers with text, token usage, latency and why it stopped', async () => {
    const { provider, timeoutMs } = get();
    const res = await provider.chat({ messages: ASK, maxTokens: 48, temperature: 0, signal: AbortSignal.timeout(timeoutMs) });
    expect(res.text.trim().length).toBeGreaterThan(0);
    expect(res.usage.promptTokens).toBeGreaterThan(0);
    expect(res.usage.completionTokens).toBeGreaterThan(0);
    expect(res.latencyMs).toBeGreaterThanOrEqual(0);
    expect(['stop', 'length']).toContain(res.finishReason);
    expect(res.toolCalls).toEqual([]);
  });

  it('streams deltas that add up to the final text, then one done event with usage', async () => {
    const { provider, timeoutMs } = get();
    const { deltas, done } = await collect(provider.chatStream({ messages: ASK, maxTokens: 48, temperature: 0, signal: AbortSignal.timeout(timeoutMs) }));
    expect(deltas.length).toBeGreaterThan(1);
    expect(done).toBeDefined();
    expect(deltas.join('').trim()).toBe(done?.text);
    expect(done?.usage.completionTokens).toBeGreaterThan(0);
    expect(done?.firstTokenMs).toBeGreaterThanOrEqual(0);
  });

  it('follows a JSON schema', async () => {
    const { provider, timeoutMs } = get();
    const res = await provider.chat({
      messages: [{ role: 'user', content: '以 JSON 回答：磨玻璃结节（finding）常见于哪个器官（organ）？' }],
      jsonSchema: { name: 'finding_organ', schema: SCHEMA },
      maxTokens: 80,
      temperature: 0,
      signal: AbortSignal.timeout(timeoutMs),
    });
    const value = JSON.parse(res.text) as Record<string, unknown>;
    expect(typeof value.finding).toBe('string');
    expect(typeof value.organ).toBe('string');
  });

  it('reports an answer cut at maxTokens as finishReason "length"', async () => {
    const { provider, timeoutMs } = get();
    const res = await provider.chat({ messages: [{ role: 'user', content: '请详细列出肺部CT检查的二十个常见征象，每个征象写一段说明。' }], maxTokens: 6, temperature: 0, signal: AbortSignal.timeout(timeoutMs) });
    expect(res.finishReason).toBe('length');
    expect(res.usage.completionTokens).toBeLessThanOrEqual(8);
  });

  it('cancels a running stream when aborted, and stays usable', async () => {
    const { provider, timeoutMs } = get();
    const ctl = new AbortController();
    const deltas: string[] = [];
    const run = async () => {
      for await (const e of provider.chatStream({ messages: [{ role: 'user', content: '请详细介绍肺癌的影像学表现。' }], maxTokens: 200, temperature: 0, signal: ctl.signal })) {
        if ('delta' in e) deltas.push(e.delta);
        if (deltas.length === 2) ctl.abort();
      }
    };
    await expect(run()).rejects.toMatchObject({ name: 'AbortError' });
    expect(deltas.length).toBeLessThan(10);
    await expect(provider.chat({ messages: ASK, signal: AbortSignal.abort() })).rejects.toMatchObject({ name: 'AbortError' });
    const after = await provider.chat({ messages: ASK, maxTokens: 8, temperature: 0, signal: AbortSignal.timeout(timeoutMs) });
    expect(after.text.length).toBeGreaterThan(0);
  });

  it('answers calls made in parallel (queued to its concurrency)', async () => {
    const { provider, timeoutMs } = get();
    const ask = (q: string) => provider.chat({ messages: [{ role: 'user', content: q }], maxTokens: 8, temperature: 0, signal: AbortSignal.timeout(timeoutMs * 2) });
    const [a, b] = await Promise.all([ask('肺的英文是什么？'), ask('肝的英文是什么？')]);
    expect(a.text.length).toBeGreaterThan(0);
    expect(b.text.length).toBeGreaterThan(0);
  });
}

/**
 * A protocol fake scripted to behave as the contract expects of a model: JSON that fits the schema when
 * one is sent, a long answer cut at `max_tokens` (finish `length`), otherwise a short streamed sentence.
 */
export function modelLikeScript(req: FakeLlmRequest): FakeLlmReply {
  const maxTokens = Number(req.options?.num_predict ?? req.body.max_tokens ?? 0) || Infinity;
  if (req.format || req.responseFormat) return { json: { finding: '磨玻璃结节', organ: '肺' }, pieceChars: 3 };
  const text = '磨玻璃结节是CT上密度轻度增高、其内血管和支气管仍可见的模糊影。'.repeat(3);
  // The fake counts one token per two characters.
  if (text.length / 2 > maxTokens) return { text: text.slice(0, maxTokens * 2), finish: 'length', usage: { completionTokens: maxTokens }, pieceChars: 2 };
  return { text, pieceChars: 3, pieceDelayMs: 5 };
}
