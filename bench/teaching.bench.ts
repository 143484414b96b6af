import { demoFiles } from '../runtime/index.ts';
import { checkItem, DuplicateIndex, type Fact, type FactGraph, type QuestionDraft, TemplateEngine } from '../teaching/index.ts';
import { ingestFiles, testRuntime } from '../tests/helpers/runtime.ts';
import { printTable } from './table.ts';

/**
 * Question generation (issue 15): the template engine's speed (drafted + checked items per second) over
 * the approved graph of the demo corpus, how many distinct valid items that graph yields, and a naive
 * baseline on the same facts — typical-sign items with distractors picked at random among all signs,
 * no graph knowledge — to show what the checks catch.
 */
export async function runTeachingBench() {
  const rt = await testRuntime();
  try {
    await ingestFiles(rt, demoFiles(), { demo: true });
    const graph = await rt.teaching.bank.factGraph();
    const engine = new TemplateEngine();
    const subjects = graph.allEntities();
    // Guideline tables about each disease (table-driven numeric items), read once outside the timed runs.
    const tables = new Map<string, Awaited<ReturnType<typeof rt.teaching.bank.tablesAbout>>>();
    for (const x of subjects) if (x.type === 'Disease') tables.set(x.id, await rt.teaching.bank.tablesAbout(x));
    const run = (check: boolean) => {
      const bank = new DuplicateIndex();
      const started = performance.now();
      let drafted = 0;
      let valid = 0;
      const byTemplate: Record<string, number> = {};
      const diseases = new Set<string>();
      for (const x of subjects) {
        for (const item of engine.draftSync({ subject: x, graph, count: 1000, tables: tables.get(x.id) }).items) {
          drafted++;
          if (check && checkItem(item, graph, bank)) continue;
          if (check) bank.add(`b${valid}`, item);
          valid++;
          byTemplate[item.template] = (byTemplate[item.template] ?? 0) + 1;
          if (item.diseaseId && graph.entity(item.diseaseId)?.type === 'Disease') diseases.add(item.diseaseId);
        }
      }
      const seconds = (performance.now() - started) / 1000;
      return { drafted, valid, seconds, perSecond: valid / seconds, byTemplate, diseases: diseases.size };
    };
    run(true); // warm-up
    const checked = run(true);
    const draftOnly = run(false);
    const naive = naiveBaseline(graph);
    const mutations = mutationCheck(engine, graph);
    printTable(`Template question engine on the demo corpus's approved graph (${graph.size} relations, ${subjects.length} entities)`, ['run', 'drafted', 'valid distinct', 'seconds', 'valid items/s', 'target'], [
      ['templates + checks + duplicate detection', checked.drafted, checked.valid, checked.seconds.toFixed(3), checked.perSecond.toFixed(0), '≥ 100/s, ≥ 200 items'],
      ['templates, drafting only (no checks)', draftOnly.drafted, '—', draftOnly.seconds.toFixed(3), (draftOnly.drafted / draftOnly.seconds).toFixed(0), ''],
      ['baseline: random same-type distractors, checked', naive.drafted, naive.valid, '', '', `${((1 - naive.valid / naive.drafted) * 100).toFixed(1)} % rejected`],
    ]);
    printTable('Checks against corrupted items (every valid single-choice item, mutated)', ['mutation', 'items', 'rejected', 'share rejected', 'target'], [
      ['key moved to a distractor (wrong key)', mutations.wrongKey.n, mutations.wrongKey.rejected, pct(mutations.wrongKey.rejected / mutations.wrongKey.n), '100 %'],
      ['a distractor replaced by another true fact', mutations.trueDistractor.n, mutations.trueDistractor.rejected, pct(mutations.trueDistractor.rejected / mutations.trueDistractor.n), '100 %'],
      ['an option duplicated (text + " ")', mutations.duplicate.n, mutations.duplicate.rejected, pct(mutations.duplicate.rejected / mutations.duplicate.n), '100 %'],
    ]);
    printTable('Valid template items by template (demo corpus)', ['template', 'items'], Object.entries(checked.byTemplate).sort((a, b) => b[1] - a[1]));
    return { relations: graph.size, entities: subjects.length, mutations, checked, draftOnly: { drafted: draftOnly.drafted, seconds: draftOnly.seconds }, naive, diseasesCovered: checked.diseases };
  } finally {
    await rt.close();
  }
}

/** Typical-sign items whose three distractors are any other signs in the graph (seeded), checked like the engine's. */
function naiveBaseline(graph: FactGraph) {
  const signs = graph.objectPool('has_sign');
  let seed = 7;
  const rand = () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  let drafted = 0;
  let valid = 0;
  const codes: Record<string, number> = {};
  for (const x of graph.allEntities()) {
    for (const f of graph.objects(x.id, 'has_sign') as Fact[]) {
      const others = signs.filter((s) => s.id !== f.object.id).sort(() => rand() - 0.5).slice(0, 3);
      if (others.length < 3) continue;
      const options = [f.object, ...others].map((e, i) => ({ label: String.fromCharCode(65 + i), text: e.nameZh, entityId: e.id }));
      const item: QuestionDraft = {
        type: 'single', template: 'naive', engine: 'templates', stem: `以下哪项是${x.nameZh}的典型影像征象？`, options, key: ['A'], explanation: '', citations: { relationIds: [f.id], passages: [] },
        claim: { subjectId: x.id, predicate: 'has_sign', polarity: 'is', direction: 'forward' }, diseaseId: x.id, tags: [x.id], difficulty: 0.5, level: 'medium', factKey: null,
      };
      drafted++;
      const problem = checkItem(item, graph);
      if (problem) codes[problem.code] = (codes[problem.code] ?? 0) + 1;
      else valid++;
    }
  }
  return { drafted, valid, rejectedBy: codes };
}

const pct = (x: number) => `${(100 * x).toFixed(1)} %`;

/**
 * Corrupt every valid single-choice item three ways and count how many the checks reject: the key moved to
 * a distractor (a wrong key must never pass), a distractor swapped for another approved fact about the
 * subject (a true distractor), an option repeated.
 */
function mutationCheck(engine: TemplateEngine, graph: FactGraph) {
  const out = { wrongKey: { n: 0, rejected: 0 }, trueDistractor: { n: 0, rejected: 0 }, duplicate: { n: 0, rejected: 0 } };
  for (const x of graph.allEntities()) {
    for (const item of engine.draftSync({ subject: x, graph, count: 1000, type: 'single' }).items) {
      if (item.type !== 'single' || checkItem(item, graph)) continue;
      const wrong = item.options.find((o) => !item.key.includes(o.label)) as QuestionDraft['options'][number];
      out.wrongKey.n++;
      if (checkItem({ ...item, key: [wrong.label] }, graph)) out.wrongKey.rejected++;
      out.duplicate.n++;
      if (checkItem({ ...item, options: item.options.map((o) => (o === wrong ? { ...o, text: `${item.options.find((k) => k !== wrong)?.text} `, entityId: null } : o)) }, graph)) out.duplicate.rejected++;
      const c = item.claim;
      if (c?.polarity !== 'is') continue;
      const keyed = item.options.find((o) => item.key.includes(o.label));
      const trueFacts = c.direction === 'forward' ? graph.objects(c.subjectId, c.predicate).map((f) => f.object) : graph.subjects(c.subjectId, c.predicate).map((f) => f.subject);
      const other = trueFacts.find((e) => e.id !== keyed?.entityId && !item.options.some((o) => o.entityId === e.id));
      if (!other) continue;
      out.trueDistractor.n++;
      if (checkItem({ ...item, options: item.options.map((o) => (o === wrong ? { ...o, text: other.nameZh, entityId: other.id } : o)) }, graph)) out.trueDistractor.rejected++;
    }
  }
  return out;
}
