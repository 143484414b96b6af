import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../runtime/index.ts';
import { buildQueryPlan } from '../search/index.ts';
import { type RerankCandidate, rerank } from '../search/rerank.ts';
import { testRuntime } from './helpers/runtime.ts';

/**
 * Authored demo content (not clinical guidance): passages cut from a textbook exported one sentence per line with
 * no headings, where a disease is named once, in the sentence that opens its topic, and the sentences after it
 * never name it again. The rerank must read whose sentences they are from the openings in the passage (and in the
 * passage before it), not only from sentences that happen to name the disease.
 */
const PARONYCHIA_OPENING = '甲沟炎是指甲周围软组织的化脓性感染，多因微小刺伤或逆剥倒刺引起。';
const PARONYCHIA_TREATMENT = '早期可局部热敷、理疗，并外用抗菌药物，已成脓者应切开引流。';
const FELON_OPENING = '化脓性指头炎是手指末节掌面皮下组织的化脓性感染，多由刺伤引起。';
const FELON_PASSING = '处理原则与甲沟炎相似，但应更早切开减压，以免发生指骨坏死。';

let rt: Runtime;
beforeAll(async () => {
  rt = await testRuntime();
}, 120_000);
afterAll(async () => {
  await rt?.close();
});

const passage = (id: string, sentences: string[], extra: Partial<RerankCandidate> = {}): RerankCandidate => ({
  id, text: sentences.join(''), headingPath: [], title: 'textbook', subject: null, first: 0.5, evidenceLevel: null, year: null, ...extra,
});

function ranked(q: string, candidates: RerankCandidate[]) {
  const plan = buildQueryPlan(q, rt.tokenizer);
  const idf = new Map(plan.terms.map((t) => [t.lexeme, 1]));
  return rerank(plan, idf, candidates, rt.tokenizer);
}

describe('rerank: the sentences after an opening are the opened disease\'s own, though they never name it', () => {
  it('prefers the passage whose treatment sentence follows the disease\'s opening over another disease\'s passing mention', () => {
    // The passing mention names 甲沟炎 and the treatment cue (处理) in one sentence and scores higher in the first stage.
    const own = passage('own', ['肿物生长缓慢，表面光滑。', PARONYCHIA_OPENING, '患指红肿、疼痛，可形成甲下脓肿。', PARONYCHIA_TREATMENT], { first: 0.8 });
    const passing = passage('passing', [FELON_OPENING, '患指剧烈跳痛，夜间尤甚。', FELON_PASSING], { first: 1 });
    const out = ranked('甲沟炎的治疗', [passing, own]);
    expect(out.map((r) => r.id)).toEqual(['own', 'passing']);
    // three of its four sentences are the subject's (the opening and the two after it): the topic feature says so
    expect(out[0].features.topic).toBeCloseTo(3 / 4, 5);
    expect(out[0].features.intent).toBe(1);
    expect(out.find((r) => r.id === 'passing')?.features.topic).toBe(0);
  });

  it('continues the topic the passage before ended in, but not another disease\'s', () => {
    const continued = passage('continued', ['患指红肿、疼痛，可形成甲下脓肿。', PARONYCHIA_TREATMENT], { previousText: `腱鞘囊肿多见于腕背侧。${PARONYCHIA_OPENING}` });
    const elsewhere = passage('elsewhere', ['患指红肿、疼痛，可形成甲下脓肿。', PARONYCHIA_TREATMENT], { previousText: `${PARONYCHIA_OPENING}${FELON_OPENING}` });
    const out = ranked('甲沟炎的治疗', [elsewhere, continued]);
    expect(out[0].id).toBe('continued');
    expect(out[0].features.topic).toBe(1);
    expect(out[1].features.topic).toBe(0);
  });

  it('ends the topic at a sentence that leads with another condition\'s name (lines out of order)', () => {
    // 带状疱疹好发于… is no definition, but it names another disease where a sentence names its subject: what follows is not 甲沟炎's.
    const shuffled = passage('shuffled', [PARONYCHIA_OPENING, '带状疱疹好发于肋间神经分布区。', PARONYCHIA_TREATMENT]);
    const out = ranked('甲沟炎的治疗', [shuffled]);
    expect(out[0].features.topic).toBeCloseTo(1 / 3, 5);
  });

  it('takes 「X主要指…」 as the opening of X: a name read by form as 「X主要」 still leads with the subject', () => {
    const own = passage('own', ['胰腺癌主要指胰腺导管腺癌，起病隐匿、进展迅速。', '约三分之二发生于胰头部。', '易早期侵犯门静脉并发生肝转移和腹膜播散。'], { first: 0.9 });
    // another disease's topic that lists 胰腺癌 among the sources of its metastases, with the cue 转移 and a higher first score
    const passing = passage('passing', ['转移性肝癌又称继发性肝癌，是其他部位恶性肿瘤转移至肝脏所形成的肿瘤。', '原发灶以结直肠癌最多见，其次为胃癌、胰腺癌。'], { first: 1 });
    const out = ranked('胰腺癌的转移部位', [passing, own]);
    expect(out[0].id).toBe('own');
    expect(out[0].features.topic).toBe(1);
  });

  it('reads a subject of regular-expression characters, emoji or full-width forms as text (no error, no false opening)', () => {
    const own = passage('own', [PARONYCHIA_OPENING, PARONYCHIA_TREATMENT]);
    for (const q of ['(甲沟炎)*[?]的治疗', '😀甲沟炎的治疗', '甲溝炎的治療', '.*的治疗']) {
      const out = ranked(q, [own]);
      expect(out, q).toHaveLength(1);
      expect(Number.isFinite(out[0].score), q).toBe(true);
    }
    // the traditional form folds to the simplified one: the same subject, the same sentences
    expect(ranked('甲溝炎的治療', [own])[0].features.topic).toBe(1);
    expect(ranked('.*的治疗', [own])[0].features.topic).toBe(0);
  });
});
