import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type FakeLlmServer, startFakeLlmServer } from './fakes/llm-server.ts';
import { jsonClient } from './helpers/http.ts';
import { DEMO, ROOT, startTestServer, type TestServer } from './helpers/runtime.ts';

// biome-ignore lint/suspicious/noExplicitAny: response bodies are read loosely in tests
type Json = any;

const FIXTURE = path.join(ROOT, 'tests/fixtures/cases/typical-cases.json');
const QUERY = '患者张三，电话13912345678。完全性前置胎盘，胎盘后低回声带消失，子宫肌层变薄，可见T2暗带，膀胱线中断。';

/**
 * The comparison narrative (issue 18): with a model, a short text over numbered evidence (similar typical cases,
 * approved relations with passages), every sentence checked like a chat answer; unsupported sentences dropped and
 * counted. Without a model, or when it fails, the structured comparison stands alone and says so. The model is
 * the protocol-level fake (OpenAI wire format).
 */
describe('case comparison narrative', () => {
  let fake: FakeLlmServer;
  let srv: TestServer;
  let plain: TestServer;
  const files = [path.join(DEMO, 'placenta-accreta-guideline.md')];

  beforeAll(async () => {
    fake = await startFakeLlmServer();
    [srv, plain] = await Promise.all([
      startTestServer(files, { YZ_LLM: 'openai', YZ_LLM_URL: `${fake.url}/v1`, YZ_LLM_MODEL: 'fake-model', YZ_LLM_TIMEOUT_MS: '5000' }),
      startTestServer(files, { YZ_LLM: 'none' }),
    ]);
    for (const s of [srv, plain]) await s.rt.cases.service.importFile(readFileSync(FIXTURE), 'typical-cases.json', 'expert-1', { status: 'approved' });
  }, 300_000);
  afterAll(async () => {
    await srv?.close();
    await plain?.close();
    await fake?.close();
  });
  beforeEach(() => fake.reset());

  const differential = async (s: TestServer, body: unknown) => jsonClient(() => s.url, () => ({}))('POST', '/api/cases/differential', body, await s.tokenFor('resident'));

  it('keeps the sentences its evidence supports, drops an invented number and a citation of nothing, and never sends PHI', async () => {
    fake.reply({
      json: {
        narrative: '本例与典型病例「前置胎盘合并胎盘植入（MR）」均见胎盘后低回声带消失、子宫肌层变薄和膀胱线中断 [1]。本例胎盘植入深度约12mm，提示穿透性胎盘 [1]。本例还需排除子宫破裂 [99]。',
      },
    });
    const r = await differential(srv, { findings: QUERY, narrate: true });
    expect(r.status).toBe(200);
    const n: Json = r.json.narrative;
    expect(n.status).toBe('checked');
    expect(n.evidence[0]).toMatchObject({ n: 1, kind: 'case', ref: 'fx-pas-001' });
    expect(n.evidence.some((e: Json) => e.kind === 'relation' && /^rel_/.test(e.ref))).toBe(true);
    expect(n.text).toContain('胎盘后低回声带消失');
    expect(n.text).not.toContain('12mm');
    expect(n.text).not.toContain('子宫破裂');
    expect(n.dropped).toBe(2);
    expect(n.note).toContain('2');
    expect(r.json.ranked[0].entityId).toBe('dis.placenta_accreta_spectrum');
    // The model saw the numbered evidence and the de-identified findings, never the name or the phone number.
    const sent = JSON.stringify(fake.requests.map((q) => q.body));
    expect(sent).toContain('[1] 典型病例「前置胎盘合并胎盘植入（MR）」');
    expect(sent).not.toContain('13912345678');
    expect(sent).not.toContain('张三');
  });

  it('asks the model nothing unless the narrative is requested', async () => {
    const r = await differential(srv, { findings: QUERY });
    expect(r.status).toBe(200);
    expect(r.json.narrative).toBeUndefined();
    expect(fake.requests).toHaveLength(0);
  });

  it('a model answer that is not the JSON asked for leaves the structured comparison standing, and says so', async () => {
    fake.reply({ raw: 'not json at all' }, { raw: 'still not json' }, { raw: 'nope' });
    const r = await differential(srv, { findings: QUERY, narrate: true });
    expect(r.status).toBe(200);
    expect(r.json.narrative.status).toBe('failed');
    expect(r.json.narrative.note).toContain('结构化比较');
    expect(r.json.ranked.length).toBeGreaterThan(0);
  });

  it('YZ_LLM=none: no narrative, the note says the structured comparison stands alone', async () => {
    const r = await differential(plain, { findings: QUERY, narrate: true });
    expect(r.status).toBe(200);
    expect(r.json.narrative).toEqual({ status: 'not_configured', note: expect.stringContaining('未配置大模型') });
    expect(r.json.ranked[0].entityId).toBe('dis.placenta_accreta_spectrum');
  });

  it('the cases evaluation with a model: narratives checked and counted, the ranking identical to a service without a model', async () => {
    const { evaluateCases } = await import('../evals/cases.ts');
    fake.reply(
      { json: { narrative: '本例与典型病例「前置胎盘合并胎盘植入（MR）」均见胎盘后低回声带消失、子宫肌层变薄和膀胱线中断 [1]。本例胎盘植入深度约37mm [1]。' } },
      { raw: 'not json at all' }, { raw: 'still not json' }, { raw: 'nope' },
    );
    const r = await evaluateCases(srv.rt, { split: 'all', file: path.join(ROOT, 'tests/fixtures/cases/eval-cases.jsonl'), limit: 2, narrate: true });
    expect(r.cases).toBe(2);
    const n = r.narratives!;
    expect(n.model).toBe('fake-model');
    expect(n.records.map((x) => [x.id, x.status, x.kept, x.dropped])).toEqual([['ev-pas-1', 'checked', 1, 1], ['ev-pas-2', 'failed', 0, 0]]);
    expect(n).toMatchObject({ requested: 2, produced: 1, passedWhole: 0, sentences: 2, dropped: 1, fallbacks: 1, inventedNumbers: 1, inventedKept: 0, sameRanking: 2 });
    expect(n.records[0].inventedNumbers).toEqual(['37']);
    const row = (m: string) => r.differential.find((a) => a.method === m)!;
    expect(row('differential + narrative [fake-model]')).toEqual({ ...row('differential + narrative [no model]'), method: 'differential + narrative [fake-model]' });
    expect(row('differential + narrative [fake-model]')).toMatchObject({ n: 2, top1: row('differential (graph + cases)').top1 });
    expect(r.similar.find((s) => s.method === 'similar [no model service]')?.precisionAt5).toBe(r.similar.find((s) => s.method === 'similar (findings+BM25+vectors)')?.precisionAt5);
  });
});
