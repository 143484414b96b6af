import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { LlmProvider } from '../llm/index.ts';
import { demoFiles } from '../runtime/index.ts';
import { approvedFacts } from './approved-facts.ts';
import { LlmEngine, type QuestionDraft, type Rejection } from '../teaching/index.ts';
import { ingestFiles, testRuntime } from '../tests/helpers/runtime.ts';

/**
 * Writes evals/questions/checkset-llm.json once: items a real local model drafts with the `llm` engine on the
 * demo corpus, BEFORE the bank's checks, with the approved graph they were drafted from, so
 * `npm run eval -- questions --set llm` re-runs the checks on exactly that graph without the model. Items the
 * engine itself refused while mapping the model's answer (KEY_NOT_IN_OPTIONS, MODEL_ITEM_INVALID) are kept
 * with the model's raw item and that refusal. Labels are judged by hand in evals/questions/labels-llm.json;
 * re-running this replaces the items, so they would have to be judged again.
 *
 * usage: YZ_MODELS_DIR=… npx tsx scripts/make-llm-question-checkset.ts [--model qwen-1.5b] [--diseases 10] [--count 4]
 */
const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? (process.argv[i + 1] ?? fallback) : fallback;
};
const MODEL = arg('model', 'qwen-1.5b');
const DISEASES = Number(arg('diseases', '10'));
const COUNT = Number(arg('count', '4'));
const OUT = path.resolve(import.meta.dirname, '../evals/questions/checkset-llm.json');

/** Keeps every raw model answer, so items the engine refuses can still be judged from what the model wrote. */
function recording(provider: LlmProvider, answers: string[]): LlmProvider {
  return new Proxy(provider, {
    get(target, prop, receiver) {
      if (prop === 'chat') {
        return async (req: Parameters<LlmProvider['chat']>[0]) => {
          const res = await target.chat(req);
          answers.push(res.text);
          return res;
        };
      }
      const v = Reflect.get(target, prop, receiver);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
}

// YZ_DATA_DIR keeps the demo graph between runs (the demo load is most of a run on a busy machine).
const dataDir = process.env.YZ_DATA_DIR;
const rt = await testRuntime({
  ...(dataDir ? { YZ_DATA_DIR: dataDir } : {}),
  YZ_LLM: 'embedded', YZ_LLM_MODEL: MODEL, YZ_MODELS_DIR: process.env.YZ_MODELS_DIR ?? 'models', YZ_LLM_THREADS: '1', YZ_LLM_NUM_CTX: '4096', YZ_AUTO_EXTRACT: 'rules',
}, { inMemory: !dataDir });
try {
  if (!(await rt.knowledge.relations.list({ status: 'active' }, { limit: 1, offset: 0 })).items.length) await ingestFiles(rt, demoFiles(), { demo: true });
  const facts = await approvedFacts(rt);
  const graph = await rt.teaching.bank.factGraph();
  const provider = rt.llm;
  if (!provider) throw new Error('no model: set YZ_MODELS_DIR to where `npm run models -- install` put the models');
  const answers: string[] = [];
  const retrieve = async (q: string, top: number) =>
    (await rt.search.search({ q, top, mode: 'bm25' })).results.map((h) => ({ sourceId: h.sourceId, title: h.title, version: h.version, year: h.year, page: h.pageStart, quote: h.text }));
  const engine = new LlmEngine({ provider: recording(provider, answers), retrieve });
  // The diseases with the most approved facts, one per demo topic area as far as the graph allows.
  const diseases = graph.allEntities().filter((e) => e.type === 'Disease')
    .map((e) => ({ e, n: ['has_sign', 'examined_by', 'differential_of', 'located_at', 'treated_by'].reduce((a, p) => a + graph.objects(e.id, p).length, 0) }))
    .sort((a, b) => b.n - a.n || a.e.id.localeCompare(b.e.id))
    // One of 肺癌 / 中央型肺癌 / 周围型肺癌: subtypes share most facts and would make near-identical items.
    .filter((d, i, all) => !all.slice(0, i).some((o) => o.e.nameZh.endsWith(d.e.nameZh) || d.e.nameZh.endsWith(o.e.nameZh)))
    .slice(0, DISEASES);
  const items: { id: string; item: QuestionDraft }[] = [];
  const refused: { id: string; subjectId: string; raw: unknown; rejection: Rejection }[] = [];
  /** Calls that produced no item at all (unusable output after the repair request): nothing to judge. */
  const failures: { subjectId: string; rejection: Rejection }[] = [];
  const calls: { subjectId: string; ms: number; items: number; refused: number }[] = [];
  const write = () => {
    mkdirSync(path.dirname(OUT), { recursive: true });
    writeFileSync(OUT, `${JSON.stringify({
      description: 'Authored check set (issue 15): items the llm engine drafted with a real local model on the demo corpus, before the bank checks; judged by hand in labels-llm.json. Generated once by scripts/make-llm-question-checkset.ts.',
      authored: true,
      generatedAt: new Date().toISOString(),
      engine: engine.version,
      calls,
      graph: facts,
      items,
      refused,
      failures,
    }, null, 1)}\n`);
  };
  let n = 0;
  for (const { e } of diseases) {
    const t0 = Date.now();
    process.stdout.write(`${e.nameZh}…\n`);
    const before = answers.length;
    let out: Awaited<ReturnType<LlmEngine['draft']>>;
    try {
      out = await engine.draft({ subject: e, graph, count: COUNT });
    } catch (err) {
      process.stderr.write(`${e.nameZh}: ${(err as Error).message}\n`);
      continue;
    }
    // The raw items of this call (the last parsable answer), matched to refusals by stem.
    const raw = answers.slice(before).reverse().flatMap((t) => {
      try {
        return (JSON.parse(t.slice(t.indexOf('{'), t.lastIndexOf('}') + 1)) as { questions?: unknown[] }).questions ?? [];
      } catch {
        return [];
      }
    });
    for (const item of out.items) items.push({ id: `L${String(++n).padStart(2, '0')}`, item });
    for (const rejection of out.rejected) {
      if (rejection.code === 'MODEL_OUTPUT_INVALID') {
        failures.push({ subjectId: e.id, rejection });
        continue;
      }
      const r = raw.find((x) => String((x as { stem?: unknown })?.stem ?? '').trim() === rejection.stem.trim()) ?? null;
      refused.push({ id: `L${String(++n).padStart(2, '0')}`, subjectId: e.id, raw: r, rejection });
    }
    calls.push({ subjectId: e.id, ms: Date.now() - t0, items: out.items.length, refused: out.rejected.length });
    process.stdout.write(`${e.nameZh}: ${out.items.length} items, ${out.rejected.length} refused by the engine, ${((Date.now() - t0) / 1000).toFixed(0)} s\n`);
    write();
  }
  write();
  process.stdout.write(`${items.length} items + ${refused.length} refused → ${OUT}\n`);
} finally {
  await rt.close();
}
