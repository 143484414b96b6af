import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadLanguage } from '../runtime/index.ts';
import type { AnswerRecord } from '../evals/harness/answer-run.ts';
import { type AnswerCase, loadAnswerCases } from '../evals/harness/datasets.ts';
import { evalEnvironment } from '../evals/harness/engine.ts';
import { FaithfulnessJudge, answerSentences } from '../evals/harness/faithfulness.ts';
import { hasFact } from '../evals/harness/facts.ts';
import { scoreAnswers, scoreFaithfulness } from '../evals/harness/metrics.ts';
import { compareSummaries } from '../evals/harness/report.ts';
import { type EvalResult, parseSuites, runEval } from '../evals/harness/run.ts';
import { loadRetrievalQueries } from '../evals/retrieval.ts';
import { type FakeLlmRequest, type FakeLlmServer, startFakeLlmServer } from './fakes/llm-server.ts';

const CJK = /[\u3400-\u9fff]/;

describe('authored datasets', () => {
  it('retrieval: at least 60 Chinese questions, each with an expected document and page', () => {
    const qs = loadRetrievalQueries();
    expect(qs.filter((q) => CJK.test(q.query)).length).toBeGreaterThanOrEqual(60);
    for (const q of qs) expect(q.expected.length).toBeGreaterThan(0);
  });

  it('answers: at least 40 Chinese questions with key facts and sources, a few English, at least 3 off-topic', () => {
    const cases = loadAnswerCases();
    const answerable = cases.filter((c) => !c.expectRefusal);
    expect(answerable.filter((c) => c.lang === 'zh').length).toBeGreaterThanOrEqual(40);
    expect(answerable.filter((c) => c.lang === 'en').length).toBeGreaterThanOrEqual(2);
    expect(cases.filter((c) => c.expectRefusal).length).toBeGreaterThanOrEqual(3);
    for (const c of answerable) {
      expect(c.mustInclude.length, c.id).toBeGreaterThan(0);
      expect(c.mustNotInclude.length, c.id).toBeGreaterThan(0);
      expect(c.expectedSources.length, c.id).toBeGreaterThan(0);
    }
  });

  it('answers: every key fact is stated in one of the expected demo documents (the set is answerable from the corpus)', () => {
    const corpus = (stem: string) => readFileSync(path.resolve(import.meta.dirname, `../demo/corpus/${stem}.md`), 'utf8');
    for (const c of loadAnswerCases().filter((x) => !x.expectRefusal)) {
      const text = c.expectedSources.map(corpus).join('\n');
      for (const f of c.mustInclude) expect(hasFact(text, f), `${c.id} ${JSON.stringify(f)}`).toBe(true);
    }
  });
});

describe('fact matching', () => {
  it('ignores spacing, width and range separators, and never matches inside a longer number', () => {
    expect(hasFact('直径大于8mm', ['8 mm'])).toBe(true);
    expect(hasFact('直径大于 ８ ｍｍ', '8 mm')).toBe(true);
    expect(hasFact('6-12个月复查', '6～12 个月')).toBe(true);
    expect(hasFact('6至12个月复查', '6～12 个月')).toBe(true);
    expect(hasFact('直径 18 mm', '8 mm')).toBe(false);
    expect(hasFact('SUVmax 2.5', '2.5')).toBe(true);
    expect(hasFact('SUVmax 12.5', '2.5')).toBe(false);
    expect(hasFact('1.5 mSv', '5 mSv')).toBe(false);
    expect(hasFact('约 60 分钟', '60')).toBe(true);
    expect(hasFact('约 600 分钟', '60')).toBe(false);
    expect(hasFact('约 60.5 分钟', '60')).toBe(false);
    expect(hasFact('T1a', ['T1a', 'T1mi'])).toBe(true);
  });
});

describe('answer and faithfulness metrics on a hand-checked case', () => {
  const cases: AnswerCase[] = [
    { id: 'good', question: 'Q1', lang: 'zh', mustInclude: [['3 个月', '三个月'], 'PET-CT'], mustNotInclude: ['无需随访'], expectedSources: ['lung-nodule-guideline'], expectRefusal: false },
    { id: 'wrong', question: 'Q2', lang: 'zh', mustInclude: ['2 年', '5 年'], mustNotInclude: [['每 3 个月复查']], expectedSources: ['lung-nodule-guideline'], expectRefusal: false },
    { id: 'offtopic-ok', question: 'Q3', lang: 'zh', mustInclude: [], mustNotInclude: [], expectedSources: [], expectRefusal: true },
    { id: 'offtopic-missed', question: 'Q4', lang: 'en', mustInclude: [], mustNotInclude: [], expectedSources: [], expectRefusal: true },
  ];
  const nodule = { id: 's1', stem: 'lung-nodule-guideline', title: '肺结节CT影像评估与随访管理指南（演示版）' };
  const evidence = { 1: '＞8 mm 的实性结节：3 个月复查 CT，或行 PET-CT，或活检。', 2: '纯磨玻璃结节（单发）≥6 mm：6～12 个月复查 CT，持续存在者每 2 年复查一次，直至满 5 年。部分实性结节≥6 mm：3～6 个月复查 CT。' };
  const rec = (id: string, answer: string, over: Partial<AnswerRecord> = {}): AnswerRecord => ({
    id, engine: 'llm', answer, raw: answer, refused: false, citations: [], evidence: [], evidenceText: evidence, citedSources: [nodule],
    latencyMs: 100, overheadMs: 10, tools: [], error: null, ...over,
  });
  const good = rec('good', '直径大于 8 mm 的实性结节推荐 3 个月复查 CT，或行 PET-CT[1]。');
  // Deliberately wrong: states the forbidden interval, misses both key facts, cites the wrong source.
  const wrong = rec('wrong', '持续存在的纯磨玻璃结节应每 3 个月复查一次[2]。', { citedSources: [{ id: 's2', stem: 'cap-guideline', title: '社区获得性肺炎' }] });
  const offOk = rec('offtopic-ok', '知识库中未找到与该问题相关的内容。', { refused: true, citedSources: [] });
  const offMissed = rec('offtopic-missed', 'Some answer.', { citedSources: [] });

  it('scores coverage, forbidden facts, source hits and refusals exactly', () => {
    const { metrics, cases: scored } = scoreAnswers(cases, [good, wrong, offOk, offMissed]);
    expect(scored.find((c) => c.id === 'good')).toMatchObject({ coverage: 1, factsMissing: [], forbidden: [], sourceHit: true, refusalCorrect: true });
    expect(scored.find((c) => c.id === 'wrong')).toMatchObject({ coverage: 0, factsMissing: ['2 年', '5 年'], forbidden: ['每 3 个月复查'], sourceHit: false });
    expect(metrics).toMatchObject({
      cases: 4, answerable: 2, offTopic: 2, keyFactCoverage: 0.5, allFactsRate: 0.5, forbiddenRate: 0.5, sourceHitRate: 0.5,
      refusalAccuracy: 0.75, falseRefusals: 0, missedRefusals: 1, errors: 0,
    });
  });

  it('a wrong answer lowers coverage and raises the forbidden rate against the same answer set answered correctly', () => {
    const right = rec('wrong', '持续存在者每 2 年复查一次，直至满 5 年[2]。');
    const withRight = scoreAnswers(cases, [good, right, offOk, offMissed]).metrics;
    const withWrong = scoreAnswers(cases, [good, wrong, offOk, offMissed]).metrics;
    expect(withRight.keyFactCoverage).toBe(1);
    expect(withRight.forbiddenRate).toBe(0);
    expect(withWrong.keyFactCoverage).toBeLessThan(withRight.keyFactCoverage);
    expect(withWrong.forbiddenRate).toBeGreaterThan(withRight.forbiddenRate);
    const deltas = compareSummaries({ 'answers.keyFactCoverage': 1, 'answers.forbiddenRate': 0 }, { 'answers.keyFactCoverage': 0.5, 'answers.forbiddenRate': 0.5 });
    expect(deltas.map((d) => d.verdict)).toEqual(['worse', 'worse']);
  });

  it('judges a sentence faithful only when its cited evidence holds its numbers and key terms', () => {
    const judge = new FaithfulnessJudge(loadLanguage().tokenizer);
    const answer = [
      '直径大于 8 mm 的实性结节推荐 3 个月复查 CT[1]。', // faithful
      '实性结节恶性概率约为 90%[1]。', // 90 is not in [1]
      '纯磨玻璃结节应每 2 年复查一次[1]。', // cites the wrong item: 2 and 纯磨玻璃结节 are in [2], not [1]
      '部分实性结节需要长期随访。', // states a fact, cites nothing
      '以上仅供参考。', // no checkable fact
      '肺结节的处理见文献[9]。', // cites a number that was never given
    ].join('');
    const judged = judge.judge(answer, (n) => (evidence as Record<number, string>)[n]);
    expect(judged.map((s) => [s.cited, s.faithful])).toEqual([[true, true], [true, false], [true, false], [false, false], [false, false]]);
    expect(judged[1].missingNumbers).toEqual(['90']);
    expect(judged[2].missingNumbers).toEqual(['2']);
    const { metrics } = scoreFaithfulness(cases, [rec('good', answer), wrong, offOk], judge);
    // good: 5 checkable sentences (1 faithful, 3 cited); wrong: 1 sentence citing [2], faithful to it (wrong, but supported).
    expect(metrics.answers).toBe(2);
    expect(metrics.final).toMatchObject({ sentences: 6, cited: 4, faithful: 2 });
    expect(metrics.final.uncitedShare).toBeCloseTo(2 / 6);
    expect(metrics.final.supportedWhenCited).toBeCloseTo(2 / 4);
  });

  it('keeps citation markers with their sentence and does not split decimals or list numbers', () => {
    expect(answerSentences('结节直径 2.5 cm[1]。 1. 第一项[2]；第二项。[3]\nEnd of it. Next')).toEqual(['结节直径 2.5 cm[1]。', '1. 第一项[2]；', '第二项。[3]', 'End of it.', 'Next']);
    expect(answerSentences('“报告写为：考虑 N1。”[4]下一句。')).toEqual(['“报告写为：考虑 N1。”[4]', '下一句。']);
  });
});

describe('engine selection', () => {
  it('YZ_EVAL_LLM_URL replaces the configured model and never forwards the product key; a fresh database ignores DATABASE_URL', () => {
    const { env, engine } = evalEnvironment({
      YZ_LLM: 'ollama', YZ_LLM_URL: 'http://prod:11434', YZ_LLM_MODEL: 'qwen', YZ_LLM_API_KEY: 'secret', DATABASE_URL: 'postgres://x/y',
      YZ_EVAL_LLM_URL: 'http://eval:8000', YZ_EVAL_LLM_KIND: 'openai', YZ_EVAL_LLM_MODEL: 'm',
    });
    expect(engine).toEqual({ via: 'YZ_EVAL_LLM_URL', kind: 'openai', model: 'm', url: 'http://eval:8000' });
    expect(env).toMatchObject({ YZ_LLM: 'openai', YZ_LLM_URL: 'http://eval:8000', YZ_LLM_MODEL: 'm' });
    expect(env.YZ_LLM_API_KEY).toBeUndefined();
    expect(env.DATABASE_URL).toBeUndefined();
    expect(evalEnvironment({ YZ_LLM: 'none' }).engine).toEqual({ via: 'YZ_LLM', kind: 'none', model: null, url: null });
    expect(() => evalEnvironment({ YZ_EVAL_LLM_URL: 'http://eval:8000' })).toThrow(/YZ_EVAL_LLM_MODEL/);
    expect(() => evalEnvironment({ YZ_EVAL_LLM_URL: 'http://e', YZ_EVAL_LLM_MODEL: 'm', YZ_EVAL_LLM_KIND: 'vllm' })).toThrow(/YZ_EVAL_LLM_KIND/);
    expect(evalEnvironment({ YZ_EVAL_LLM_URL: 'http://eval:8000', YZ_EVAL_LLM_MODEL: 'm' }, { model: 'qwen-1.5b', embedder: 'e5' })).toMatchObject({
      engine: { via: '--model', kind: 'embedded', model: 'qwen-1.5b', url: null },
      env: { YZ_LLM: 'embedded', YZ_LLM_MODEL: 'qwen-1.5b', YZ_EMBEDDER: 'e5' },
    });
    expect(parseSuites('all')).toEqual(['retrieval', 'textbook', 'answers', 'faithfulness']);
    expect(parseSuites('extraction')).toEqual(['extraction']);
    expect(parseSuites('faithfulness,answers')).toEqual(['answers', 'faithfulness']);
    expect(() => parseSuites('answer')).toThrow(/unknown suite/);
  });
});

/** Evidence item n of the answer prompt whose text contains every needle (the prompt numbers items `[n] …`). */
function evidenceNumber(req: FakeLlmRequest, needles: string[]): number {
  const user = [...req.messages].reverse().find((m) => m.role === 'user')?.content ?? '';
  const block = /<evidence>([\s\S]*?)<\/evidence>/.exec(user)?.[1] ?? user;
  for (const part of block.split(/\n(?=\[\d+\] )/)) {
    const m = /^\[(\d+)\] /.exec(part.trim());
    if (m && needles.every((n) => part.replace(/\s+/g, '').includes(n.replace(/\s+/g, '')))) return Number(m[1]);
  }
  return 1;
}

describe('eval harness end to end (answers + faithfulness on the demo corpus)', () => {
  const Q = '偶发实性结节直径大于8 mm应该怎么处理？';
  const tiny = [
    { id: 'good', question: Q, lang: 'zh', mustInclude: [['3 个月', '三个月'], ['PET-CT']], mustNotInclude: [['无需随访']], expectedSources: ['lung-nodule-guideline'] },
    // The same question again: the fake model answers it wrongly the second time.
    { id: 'wrong', question: Q, lang: 'zh', mustInclude: [['3 个月', '三个月'], ['PET-CT']], mustNotInclude: [['无需随访']], expectedSources: ['lung-nodule-guideline'] },
    { id: 'offtopic', question: '红烧肉怎么做才好吃？', lang: 'zh', mustInclude: [], mustNotInclude: [], expectedSources: [], expectRefusal: true },
  ];
  let dir: string;
  let answersFile: string;
  let fake: FakeLlmServer;
  let llmRun: EvalResult;
  let llmFile: string;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'yz-eval-'));
    answersFile = path.join(dir, 'answers.jsonl');
    writeFileSync(answersFile, tiny.map((c) => JSON.stringify(c)).join('\n'));
    let asked = 0;
    fake = await startFakeLlmServer({
      script: (req) => {
        if (req.format || req.responseFormat) return { json: { query: Q } };
        asked++;
        const n = evidenceNumber(req, ['PET-CT', '3 个月']);
        if (asked === 1) {
          return {
            text:
              `偶发实性结节直径大于 8 mm 时，推荐 3 个月复查 CT，或行 PET-CT，或活检[${n}]。` +
              `实性结节直径大于 8 mm 时恶性概率约为 90%[${n}]。` +
              '肺结节的处理需要结合患者的整体情况综合判断。',
          };
        }
        return { text: `偶发实性结节直径大于 8 mm 时无需随访[${n}]。` };
      },
    });
    const { result, file } = await runEval({
      suite: 'answers,faithfulness', answersFile, outDir: dir, print: false,
      env: { YZ_EVAL_LLM_URL: fake.url, YZ_EVAL_LLM_KIND: 'openai', YZ_EVAL_LLM_MODEL: 'fake-model' },
    });
    llmRun = result;
    llmFile = file as string;
  }, 240_000);

  afterAll(async () => {
    await fake?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('writes <suite>-<timestamp>.json with the engine, datasets, flat summary and per-question detail', () => {
    expect(path.basename(llmFile)).toMatch(/^answers\+faithfulness-\d{4}-\d\d-\d\dT[\d-]+Z\.json$/);
    expect(readdirSync(dir)).toContain(path.basename(llmFile));
    const onDisk = JSON.parse(readFileSync(llmFile, 'utf8')) as EvalResult;
    expect(onDisk).toMatchObject({ schema: 'yingzhi-eval/1', suite: 'answers+faithfulness', suites: ['answers', 'faithfulness'] });
    expect(onDisk.engine).toMatchObject({ via: 'YZ_EVAL_LLM_URL', kind: 'openai', model: 'fake-model', url: fake.url, chatEngine: 'llm' });
    expect(onDisk.datasets.answers).toEqual({ file: answersFile, cases: 3 });
    expect(onDisk.corpus.chunks).toBeGreaterThan(100);
    expect(onDisk.retrieval).toBeUndefined();
    for (const k of ['answers.keyFactCoverage', 'answers.forbiddenRate', 'answers.sourceHitRate', 'answers.refusalAccuracy', 'faithfulness.final.faithfulShare', 'faithfulness.streamed.uncitedShare']) {
      expect(typeof onDisk.summary[k], k).toBe('number');
    }
    expect(onDisk.answers?.cases.map((c) => c.id)).toEqual(['good', 'wrong', 'offtopic']);
    expect(fake.requests.filter((r) => r.stream).length).toBe(2); // the off-topic question never reached the model
  });

  it('scores the scripted answers: the wrong one loses coverage and states the forbidden fact', () => {
    const byId = new Map(llmRun.answers?.cases.map((c) => [c.id, c]));
    expect(byId.get('good')).toMatchObject({ coverage: 1, forbidden: [], sourceHit: true, refused: false });
    expect(byId.get('wrong')).toMatchObject({ coverage: 0, forbidden: ['无需随访'], sourceHit: true });
    expect(byId.get('offtopic')).toMatchObject({ refused: true, refusalCorrect: true });
    expect(llmRun.answers?.metrics).toMatchObject({ keyFactCoverage: 0.5, forbiddenRate: 0.5, sourceHitRate: 1, refusalAccuracy: 1, errors: 0 });
  });

  it('measures faithfulness before and after the citation check', () => {
    const f = llmRun.faithfulness?.metrics;
    // Streamed: the good answer's 3 sentences (one faithful, one with an invented 90%, one uncited) + the wrong one (supported).
    expect(f?.streamed).toMatchObject({ sentences: 4, cited: 3, faithful: 2 });
    // The product's checker drops the invented number and the uncited sentence.
    expect(f?.final).toMatchObject({ sentences: 2, cited: 2, faithful: 2, uncitedShare: 0 });
  });

  it('runs the same suites on the extractive engine (no model) and compares with the earlier file', async () => {
    const { result } = await runEval({ suite: 'answers,faithfulness', answersFile, outDir: null, print: false, env: { YZ_LLM: 'none' }, compare: llmFile });
    expect(result.engine).toMatchObject({ via: 'YZ_LLM', kind: 'none', chatEngine: 'extractive' });
    const a = result.answers?.metrics;
    expect(a).toMatchObject({ cases: 3, answerable: 2, refusalAccuracy: 1, errors: 0, sourceHitRate: 1 });
    expect(a?.keyFactCoverage).toBeGreaterThan(0);
    expect(a?.forbiddenRate).toBe(0);
    // Extractive answers quote their evidence, so every cited sentence is supported by it.
    expect(result.faithfulness?.metrics.final.sentences).toBeGreaterThan(0);
    expect(result.faithfulness?.metrics.final.supportedWhenCited).toBe(1);
    const forbidden = result.compare?.deltas.find((d) => d.key === 'answers.forbiddenRate');
    expect(forbidden).toMatchObject({ previous: 0.5, current: 0, verdict: 'better' });
    expect(result.compare?.notes).toEqual(['engine differs: openai fake-model → extractive']);
  }, 240_000);
});
