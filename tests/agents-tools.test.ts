import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createToolRegistry, type Tool, type ToolContext, ToolRegistry } from '../agents/index.ts';
import { type ChatStreamEvent, type LlmProvider, OllamaProvider, OpenAiProvider, type ToolSpec } from '../llm/index.ts';
import type { Runtime } from '../runtime/index.ts';
import { SectionsRepository } from '../ingest/index.ts';
import { type FakeLlmServer, startFakeLlmServer } from './fakes/llm-server.ts';
import { DEMO, ingestFiles, testRuntime } from './helpers/runtime.ts';

const CTX: ToolContext = { actor: 'alice', lang: 'zh' };
const SPEC: ToolSpec = {
  name: 'graph_lookup',
  description: 'look up approved relations',
  parameters: { type: 'object', properties: { entity: { type: 'string' } }, required: ['entity'] },
};
const MESSAGES = [{ role: 'user' as const, content: '肺癌有哪些影像表现？' }];

async function finalOf(stream: AsyncIterable<ChatStreamEvent>) {
  let done: Extract<ChatStreamEvent, { done: true }> | undefined;
  for await (const e of stream) if ('done' in e) done = e;
  return done;
}

describe.each(['ollama', 'openai'] as const)('tool calls over the %s wire format', (kind) => {
  let fake: FakeLlmServer;
  let llm: LlmProvider;
  beforeAll(async () => {
    fake = await startFakeLlmServer();
    const opts = { url: kind === 'openai' ? `${fake.url}/v1` : fake.url, model: 'fake-model', timeoutMs: 3000, backoffMs: 5 };
    llm = kind === 'ollama' ? new OllamaProvider(opts) : new OpenAiProvider(opts);
  });
  afterAll(() => fake.close());
  beforeEach(() => fake.reset());

  it('offers tools in the function format and returns the calls of a whole answer', async () => {
    fake.reply({ toolCalls: [{ id: 'call_a', name: 'graph_lookup', arguments: { entity: '肺癌' } }] });
    const res = await llm.chat({ messages: MESSAGES, tools: [SPEC] });
    expect(fake.requests[0].tools).toEqual([{ type: 'function', function: { name: SPEC.name, description: SPEC.description, parameters: SPEC.parameters } }]);
    expect(res.toolCalls).toEqual([{ id: kind === 'openai' ? 'call_a' : expect.stringMatching(/^call_/), name: 'graph_lookup', arguments: { entity: '肺癌' } }]);
    expect(res.text).toBe('');
  });

  it('assembles streamed calls (arguments in fragments, several calls) and keeps streamed text', async () => {
    fake.reply({
      text: '先查询图谱。',
      toolCalls: [{ name: 'graph_lookup', arguments: { entity: '非小细胞肺癌', depth: 2 } }, { name: 'hybrid_search', arguments: { query: 'T2期 标准' } }],
      argChunkChars: 3,
      pieceChars: 2,
    });
    const done = await finalOf(llm.chatStream({ messages: MESSAGES, tools: [SPEC] }));
    expect(done?.text).toBe('先查询图谱。');
    expect(done?.toolCalls.map((c) => [c.name, c.arguments])).toEqual([['graph_lookup', { entity: '非小细胞肺癌', depth: 2 }], ['hybrid_search', { query: 'T2期 标准' }]]);
    expect(new Set(done?.toolCalls.map((c) => c.id)).size).toBe(2);
  });

  it('turns malformed arguments into an argumentsError instead of failing the answer', async () => {
    fake.reply({ toolCalls: [{ name: 'graph_lookup', arguments: '{"entity": "肺' }] });
    const res = await llm.chat({ messages: MESSAGES, tools: [SPEC] });
    expect(res.toolCalls[0]).toMatchObject({ name: 'graph_lookup', arguments: {}, argumentsError: expect.stringContaining('not valid JSON') });
    fake.reply({ toolCalls: [{ name: 'graph_lookup', arguments: '[1, 2]' }], argChunkChars: 2 });
    const done = await finalOf(llm.chatStream({ messages: MESSAGES, tools: [SPEC] }));
    expect(done?.toolCalls[0].argumentsError).toContain('JSON object');
  });

  it('sends earlier calls and tool results back in the wire format', async () => {
    fake.reply({ text: '肺癌常见分叶征。' });
    await llm.chat({
      messages: [
        ...MESSAGES,
        { role: 'assistant', content: '', toolCalls: [{ id: 'call_x', name: 'graph_lookup', arguments: { entity: '肺癌' } }] },
        { role: 'tool', content: 'status: ok', toolCallId: 'call_x', toolName: 'graph_lookup' },
      ],
      tools: [SPEC],
    });
    const [, assistant, tool] = fake.requests[0].messages;
    if (kind === 'openai') {
      expect(assistant).toMatchObject({ role: 'assistant', tool_calls: [{ id: 'call_x', type: 'function', function: { name: 'graph_lookup', arguments: '{"entity":"肺癌"}' } }] });
      expect(tool).toEqual({ role: 'tool', content: 'status: ok', tool_call_id: 'call_x' });
    } else {
      expect(assistant).toMatchObject({ role: 'assistant', tool_calls: [{ function: { name: 'graph_lookup', arguments: { entity: '肺癌' } } }] });
      expect(tool).toEqual({ role: 'tool', content: 'status: ok', tool_name: 'graph_lookup' });
    }
  });
});

describe('tools over the knowledge base', () => {
  let rt: Runtime;
  let tools: ToolRegistry;
  beforeAll(async () => {
    rt = await testRuntime();
    await ingestFiles(rt, [path.join(DEMO, 'lung-cancer-tnm-guideline.md')], { demo: true });
    tools = createToolRegistry({
      db: rt.db, search: rt.search, entities: rt.knowledge.entities, graph: rt.knowledge.graph, sources: rt.sources,
      tables: { forChunks: (ids) => rt.tables.forChunks(rt.db, ids), rowChunks: (id) => rt.tables.rowChunks(rt.db, id), rowChunksByLabel: (s, l) => rt.tables.rowChunksByLabel(rt.db, s, l) },
      sections: { lookup: (ids, terms, opts) => new SectionsRepository().lookup(rt.db, ids, terms, opts) },
    });
  }, 180_000);
  afterAll(() => rt?.close());

  it('offers a fixed set of read-only tools with JSON-schema inputs', () => {
    expect(tools.names()).toEqual(['hybrid_search', 'graph_lookup', 'fetch_source_page', 'table_rows', 'section_lookup', 'pubmed_search', 'imaging_ai', 'measurement']);
    for (const spec of tools.specs()) {
      expect(spec.parameters).toMatchObject({ type: 'object', properties: expect.any(Object) });
      expect(spec.parameters.$schema).toBeUndefined();
      expect(spec.description.length).toBeGreaterThan(10);
    }
    const writer = { name: 'delete_source', description: 'x', input: {}, readOnly: false, run: async () => ({ status: 'ok', summary: '' }) } as unknown as Tool;
    expect(() => new ToolRegistry([writer])).toThrow(/not read-only/);
  });

  it('hybrid_search returns cited passages as evidence', async () => {
    const run = await tools.run('hybrid_search', { query: '非小细胞肺癌 T2 分期' }, CTX);
    expect(run.result.status).toBe('ok');
    const [first] = run.result.evidence ?? [];
    expect(first).toMatchObject({ kind: 'chunk', title: expect.stringContaining('非小细胞肺癌'), page: expect.any(Number), superseded: false, retracted: false });
    const data = run.result.data as { passages: { coverage: number; lexical: boolean }[] };
    expect(data.passages[0].coverage).toBeGreaterThan(0.5);
    expect(data.passages[0].lexical).toBe(true);
  });

  it('citations carry the source lifecycle: a retracted or superseded source is flagged', async () => {
    const { items } = await rt.sources.list();
    await rt.db.query('UPDATE sources SET retracted_at = now() WHERE id = $1', [items[0].id]);
    try {
      const run = await tools.run('hybrid_search', { query: '非小细胞肺癌 T2 分期' }, CTX);
      expect(run.result.evidence?.every((e) => e.retracted)).toBe(true);
      const page = await tools.run('fetch_source_page', { sourceId: items[0].id, page: 1 }, CTX);
      expect(page.result.evidence?.[0]).toMatchObject({ retracted: true, superseded: false });
    } finally {
      await rt.db.query('UPDATE sources SET retracted_at = NULL WHERE id = $1', [items[0].id]);
    }
  });

  it('graph_lookup returns approved, active relations only; a retired relation disappears', async () => {
    const run = await tools.run('graph_lookup', { entity: 'NSCLC', limit: 30 }, CTX);
    expect(run.result.status).toBe('ok');
    const data = run.result.data as { entity: { nameZh: string }; facts: { relationId: string; subject: string }[] };
    expect(data.entity.nameZh).toBe('非小细胞肺癌');
    expect(data.facts.length).toBeGreaterThan(0);
    const ids = data.facts.map((f) => f.relationId);
    const { rows } = await rt.db.query<{ id: string; status: string }>('SELECT id, status FROM kg_relations WHERE id = ANY($1::text[])', [ids]);
    expect(rows).toHaveLength(ids.length);
    expect(rows.every((r) => r.status === 'active')).toBe(true);
    const ev = run.result.evidence?.[0];
    expect(ev).toMatchObject({ kind: 'relation', triple: { subject: expect.any(String), predicate: expect.any(String), object: expect.any(String) }, quote: expect.any(String) });

    await rt.knowledge.review.retire(ids[0], { actor: 'expert', reason: 'superseded by a newer guideline' });
    await rt.knowledge.projector.catchUp();
    const after = await tools.run('graph_lookup', { entity: 'NSCLC', limit: 30 }, CTX);
    expect((after.result.data as { facts: { relationId: string }[] }).facts.map((f) => f.relationId)).not.toContain(ids[0]);
  });

  it('graph_lookup finds a path between two entities, and says so when an entity is unknown', async () => {
    const facts = (await tools.run('graph_lookup', { entity: '非小细胞肺癌', limit: 5 }, CTX)).result.data as { facts: { subject: string; object: string }[] };
    const other = facts.facts[0].subject === '非小细胞肺癌' ? facts.facts[0].object : facts.facts[0].subject;
    const path = await tools.run('graph_lookup', { entity: '非小细胞肺癌', relatedTo: other }, CTX);
    expect(path.result.summary).toContain('path');
    expect((path.result.data as { facts: unknown[] }).facts.length).toBeGreaterThanOrEqual(1);
    const none = await tools.run('graph_lookup', { entity: '不存在的实体名称' }, CTX);
    expect(none.result).toMatchObject({ status: 'ok', data: { entity: null, facts: [] } });
  });

  it('fetch_source_page returns a page of a ready source; a missing page or source is an error result', async () => {
    const { items } = await rt.sources.list();
    const source = items[0];
    const run = await tools.run('fetch_source_page', { sourceId: source.id, page: 1 }, CTX);
    expect(run.result).toMatchObject({ status: 'ok', data: { sourceId: source.id, page: 1 } });
    expect(run.result.evidence?.[0]).toMatchObject({ kind: 'chunk', chunkId: null, page: 1, text: expect.any(String) });
    expect((await tools.run('fetch_source_page', { sourceId: source.id, page: 9999 }, CTX)).result).toMatchObject({ status: 'error', summary: expect.stringContaining('no page 9999') });
    expect((await tools.run('fetch_source_page', { sourceId: 'src_missing', page: 1 }, CTX)).result.status).toBe('error');
  });

  it('the PubMed, imaging-AI and measurement stubs answer not_configured, with no data made up', async () => {
    const calls: [string, unknown][] = [
      ['pubmed_search', { query: 'lung nodule follow-up' }],
      ['imaging_ai', { studyUid: '1.2.840.1', task: 'nodule_detection' }],
      ['measurement', { imageRef: 'ct.nii.gz', maskRef: 'mask.nii.gz' }],
    ];
    for (const [name, input] of calls) {
      const run = await tools.run(name, input, CTX);
      expect(run.result).toEqual({ status: 'not_configured', summary: expect.stringMatching(/尚未配置.*not configured/), data: { configured: false } });
    }
  });

  it('unknown tools and invalid input are error results naming the problem', async () => {
    expect((await tools.run('list_conversations', { actor: 'bob' }, CTX)).result).toMatchObject({ status: 'error', summary: expect.stringContaining('not available') });
    expect((await tools.run('hybrid_search', { query: '' }, CTX)).result).toMatchObject({ status: 'error', summary: expect.stringContaining('query') });
    expect((await tools.run('imaging_ai', { studyUid: 'x', task: 'delete' }, CTX)).result).toMatchObject({ status: 'error', summary: expect.stringContaining('task') });
  });
});
