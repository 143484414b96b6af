import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { subjectHead } from '../agents/chat/answer-units.ts';
import { classifyQuestion, isIntentWord } from '../agents/chat/question-intent.ts';
import type { Runtime } from '../runtime/index.ts';
import { ingestFiles, ROOT, testRuntime } from './helpers/runtime.ts';

/**
 * 「<疾病>的<属性>」 over plain textbook prose: one TXT of sentences, no headings, several diseases in one chunk, the
 * subject stated once and then dropped (「患者…」「本病需与…鉴别」「治疗以…为主」). Authored fixture.
 */
const FIXTURE = path.join(ROOT, 'tests/fixtures/textbook-sentences.txt');

let rt: Runtime;
beforeAll(async () => {
  rt = await testRuntime({ YZ_LLM: 'none' });
  await ingestFiles(rt, [FIXTURE]);
}, 120_000);
afterAll(async () => rt?.close());

async function answer(q: string): Promise<string> {
  const res = await rt.chat.ask({ message: q, actor: 'resident' });
  expect(res.engine).toBe('extractive');
  expect(res.refused).toBe(false);
  expect(res.sentences.every((s) => s.supported)).toBe(true);
  return res.answer;
}

describe('extractive answers to 「<疾病>的<属性>」 over plain textbook prose', () => {
  const cases: Array<[string, string[], string[]]> = [
    ['急性胰腺炎的临床表现', ['急性上腹痛', '恶心、呕吐及发热'], ['右上腹痛', '胰周积液']],
    ['急性胰腺炎的影像学表现', ['胰周脂肪间隙模糊', '无强化区'], ['急性上腹痛', '休克']],
    ['急性胰腺炎的分型', ['间质水肿性胰腺炎和坏死性胰腺炎'], []],
    ['急性胰腺炎的鉴别诊断', ['消化性溃疡穿孔、急性肠系膜缺血及肠梗阻'], []],
    ['急性胰腺炎的治疗', ['禁食、补液', '经皮穿刺引流'], ['腹腔镜胆囊切除术', '抗结核']],
    ['急性胆囊炎的临床表现', ['右上腹痛', '墨菲征阳性'], ['急性上腹痛', '咳嗽']],
    ['肺结核的临床表现', ['咳嗽、咳痰、低热、盗汗'], ['急性上腹痛', '排尿困难']],
    ['肺结核的分型', ['原发型肺结核、血行播散型肺结核'], ['复查胸部CT']],
    ['肺结核的鉴别诊断', ['周围型肺癌、细菌性肺炎及肺脓肿'], ['消化性溃疡穿孔', '急性阑尾炎']],
    ['甲状腺乳头状癌的治疗', ['甲状腺切除术'], ['抗结核', '腹腔镜']],
    ['甲状腺乳头状癌的随访', ['每6～12个月复查颈部超声'], []],
    ['前列腺癌的临床表现', ['排尿困难、血尿及骨痛'], ['急性上腹痛', '咳嗽', 'DWI']],
    ['前列腺癌的影像学表现', ['T2WI低信号'], ['纵横比']],
  ];
  it.each(cases)('%s', async (q, must, mustNot) => {
    const text = await answer(q);
    for (const m of must) expect(text, q).toContain(m);
    for (const m of mustNot) expect(text, q).not.toContain(m);
  }, 30_000);

  it('reads the attribute as what is asked and the disease as the topic', () => {
    expect(classifyQuestion('前列腺癌的临床表现').intents).toEqual(['clinical']);
    expect(classifyQuestion('急性胰腺炎的影像学表现').intent).toBe('signs');
    expect(classifyQuestion('甲状腺乳头状癌的随访').intent).toBe('followup');
    expect(classifyQuestion('急性胰腺炎的鉴别诊断').intents).toEqual(['differential']);
    expect(classifyQuestion('急性胰腺炎的病因').intent).toBe('cause');
    for (const w of ['临床表现', '鉴别诊断', '分型', '随访', '病因', '并发症']) expect(isIntentWord(w), w).toBe(true);
    for (const w of ['前列腺癌', '肺结核', '胰腺坏死', '双边征']) expect(isIntentWord(w), w).toBe(false);
  });

  it('finds the subject a sentence opens with, and not in anaphora', () => {
    expect(subjectHead('急性胆囊炎应与急性胰腺炎、右下肺炎及急性阑尾炎鉴别。')).toMatch(/^急性胆囊炎/);
    expect(subjectHead('前列腺癌。')).toBe('前列腺癌。');
    expect(subjectHead('本病需与消化性溃疡穿孔相鉴别。')).toBeNull();
    expect(subjectHead('患者典型症状为右上腹痛。')).toBeNull();
    expect(subjectHead('胆石症和大量饮酒是最常见的病因。')).toBeNull();
  });
});
