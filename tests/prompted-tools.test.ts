import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { buildLlmStack, type ChatStreamEvent, LlmSettingsRepository, OpenAiProvider, OllamaProvider, parseToolCalls, type ToolSpec } from '../llm/index.ts';
import { migrate, PgliteDatabase } from '../store/index.ts';
import { type FakeLlmServer, startFakeLlmServer } from './fakes/llm-server.ts';

const SEARCH: ToolSpec = {
  name: 'hybrid_search',
  description: 'Search the knowledge base.',
  parameters: { type: 'object', properties: { query: { type: 'string' }, top: { type: 'integer' } }, required: ['query'] },
  schema: z.strictObject({ query: z.string().min(1), top: z.number().int().min(1).max(20).optional() }),
};
const MESSAGES = [
  { role: 'system' as const, content: '你是放射科助手。' },
  { role: 'user' as const, content: '磨玻璃结节怎么随访？' },
];
const fenced = (v: unknown) => `好的，我来检索。\n\`\`\`json\n${JSON.stringify(v)}\n\`\`\``;

describe('tool-call parsing (no model)', () => {
  it('reads <tool_call> blocks, fenced JSON and a bare object; validates with the zod schema', () => {
    expect(parseToolCalls('<tool_call>\n{"name": "hybrid_search", "arguments": {"query": "GGO"}}\n</tool_call>', [SEARCH]).calls).toMatchObject([{ name: 'hybrid_search', arguments: { query: 'GGO' } }]);
    expect(parseToolCalls(fenced({ name: 'hybrid_search', arguments: { query: '结节', top: 3 } }), [SEARCH])).toMatchObject({ calls: [{ arguments: { query: '结节', top: 3 } }], text: '好的，我来检索。' });
    expect(parseToolCalls('{"name": "hybrid_search", "parameters": {"query": "x"}}', [SEARCH]).calls).toHaveLength(1);
    expect(parseToolCalls('磨玻璃结节应定期随访。', [SEARCH])).toEqual({ calls: [], text: '磨玻璃结节应定期随访。' });
    expect(parseToolCalls(fenced({ name: 'drop_tables', arguments: {} }), [SEARCH]).error).toMatch(/unknown tool "drop_tables".*hybrid_search/);
    const bad = parseToolCalls(fenced({ name: 'hybrid_search', arguments: { query: '', top: 99 } }), [SEARCH]);
    expect(bad.error).toMatch(/^hybrid_search: query/);
    expect(bad.failedCall?.argumentsError).toBeDefined();
    expect(parseToolCalls('<tool_call>\n{"name": "hybrid_search", "argu', [SEARCH], true).error).toMatch(/cut off/);
    expect(parseToolCalls('<tool_call>{"name": hybrid_search}</tool_call>', [SEARCH]).error).toMatch(/not valid JSON/);
  });
});

describe.each(['ollama', 'openai'] as const)('prompted tool protocol over %s', (kind) => {
  let fake: FakeLlmServer;
  let db: PgliteDatabase;
  beforeAll(async () => {
    fake = await startFakeLlmServer({ nativeTools: false });
    db = await PgliteDatabase.open();
    await migrate(db);
  });
  afterAll(async () => {
    await fake.close();
    await db.close();
  });
  beforeEach(() => fake.reset());

  const stack = (store: LlmSettingsRepository | null = null) => {
    const opts = { url: kind === 'openai' ? `${fake.url}/v1` : fake.url, model: 'fake-model', timeoutMs: 3000, backoffMs: 5 };
    return buildLlmStack(kind === 'ollama' ? new OllamaProvider(opts) : new OpenAiProvider(opts), { capabilities: store });
  };

  it('probes once per model, keeps the answer in the database, and then describes tools in the prompt instead of `tools`', async () => {
    const store = new LlmSettingsRepository(db);
    fake.reply({ text: fenced({ name: 'hybrid_search', arguments: { query: '磨玻璃结节 随访' } }) });
    const res = await stack(store).chat({ messages: MESSAGES, tools: [SEARCH] });
    expect(fake.probes).toHaveLength(1);
    expect(await store.nativeTools(kind, kind === 'openai' ? `${fake.url}/v1` : fake.url, 'fake-model')).toBe(false);
    expect(res).toMatchObject({ text: '好的，我来检索。', finishReason: 'tool_calls', toolCalls: [{ name: 'hybrid_search', arguments: { query: '磨玻璃结节 随访' } }] });
    const [sent] = fake.requests;
    expect(sent.tools).toBeUndefined();
    expect(sent.messages[0].content).toContain('<tools>');
    expect(sent.messages[0].content).toContain('"name":"hybrid_search"');
    // A second stack (another process, a restart) reads the stored answer: no second probe.
    fake.reply({ text: '直接回答。' });
    await stack(store).chat({ messages: MESSAGES, tools: [SEARCH] });
    expect(fake.probes).toHaveLength(1);
  });

  it('writes earlier calls and tool results back in the protocol syntax', async () => {
    fake.reply({ text: '根据资料，6～12 个月复查 [1]。' });
    await stack().chat({
      messages: [
        ...MESSAGES,
        { role: 'assistant', content: '', toolCalls: [{ id: 'call_1', name: 'hybrid_search', arguments: { query: 'GGO' } }] },
        { role: 'tool', content: 'status: ok\n[1] 纯磨玻璃结节 6～12 个月复查', toolCallId: 'call_1', toolName: 'hybrid_search' },
      ],
      tools: [SEARCH],
    });
    const msgs = fake.requests[0].messages;
    expect(msgs.at(-2)?.content).toContain('<tool_call>\n{"name":"hybrid_search","arguments":{"query":"GGO"}}\n</tool_call>');
    expect(msgs.at(-1)).toMatchObject({ role: 'user', content: expect.stringContaining('<tool_response name="hybrid_search">') });
    expect(msgs.some((m) => m.role === 'tool' || m.tool_calls)).toBe(false);
  });

  it('repairs a malformed call once, quoting the error to the model', async () => {
    fake.reply({ text: fenced({ name: 'hybrid_search', arguments: { top: 3 } }) }, { text: '<tool_call>{"name": "hybrid_search", "arguments": {"query": "GGO"}}</tool_call>' });
    const res = await stack().chat({ messages: MESSAGES, tools: [SEARCH] });
    expect(res.toolCalls).toMatchObject([{ name: 'hybrid_search', arguments: { query: 'GGO' } }]);
    expect(res.attempts).toBe(2);
    expect(fake.requests).toHaveLength(2);
    expect(fake.requests[1].messages.at(-1)?.content).toMatch(/工具调用无效：hybrid_search: query/);
  });

  it('after a failed repair, passes a known tool on with argumentsError, and an unknown one not at all', async () => {
    const badArgs = fenced({ name: 'hybrid_search', arguments: { query: 42 } });
    fake.reply({ text: badArgs }, { text: badArgs });
    const res = await stack().chat({ messages: MESSAGES, tools: [SEARCH] });
    expect(res.toolCalls).toHaveLength(1);
    expect(res.toolCalls[0].argumentsError).toMatch(/query/);
    const unknown = fenced({ name: 'delete_source', arguments: {} });
    fake.reply({ text: unknown }, { text: unknown });
    const res2 = await stack().chat({ messages: MESSAGES, tools: [SEARCH] });
    expect(res2.toolCalls).toEqual([]);
    expect(res2.text).toBe('好的，我来检索。');
  });

  it('a call cut off by max_tokens gets a repair turn saying so', async () => {
    fake.reply({ text: '<tool_call>\n{"name": "hybrid_search", "arguments": {"que', finish: 'length' }, { text: '<tool_call>{"name": "hybrid_search", "arguments": {"query": "结节"}}</tool_call>' });
    const res = await stack().chat({ messages: MESSAGES, tools: [SEARCH], maxTokens: 16 });
    expect(res.toolCalls).toMatchObject([{ arguments: { query: '结节' } }]);
    expect(fake.requests[1].messages.at(-1)?.content).toContain('cut off before it was complete (max_tokens)');
  });

  it('streams the prose but never the call block', async () => {
    fake.reply({ text: '先检索一下。<tool_call>\n{"name": "hybrid_search", "arguments": {"query": "GGO"}}\n</tool_call>', pieceChars: 3 });
    const deltas: string[] = [];
    let done: Extract<ChatStreamEvent, { done: true }> | undefined;
    for await (const e of stack().chatStream({ messages: MESSAGES, tools: [SEARCH] })) {
      if ('delta' in e) deltas.push(e.delta);
      else done = e;
    }
    expect(deltas.join('')).toBe('先检索一下。');
    expect(done?.toolCalls).toMatchObject([{ name: 'hybrid_search' }]);
    fake.reply({ text: '答案见下：\n```\nCT 值 45 HU\n```', pieceChars: 4 });
    const plain: string[] = [];
    for await (const e of stack().chatStream({ messages: MESSAGES, tools: [SEARCH] })) if ('delta' in e) plain.push(e.delta);
    expect(plain.join('')).toBe('答案见下：\n```\nCT 值 45 HU\n```');
  });

  it('with a model that has native tool calls, passes `tools` through untouched', async () => {
    fake.setNativeTools(true);
    fake.reply({ toolCalls: [{ name: 'hybrid_search', arguments: { query: 'GGO' } }] });
    const res = await stack().chat({ messages: MESSAGES, tools: [SEARCH] });
    expect(res.toolCalls).toMatchObject([{ name: 'hybrid_search', arguments: { query: 'GGO' } }]);
    expect(fake.requests[0].tools?.[0].function.name).toBe('hybrid_search');
    fake.setNativeTools(false);
  });
});
