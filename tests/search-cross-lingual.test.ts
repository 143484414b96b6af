import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../runtime/index.ts';
import { buildQueryPlan } from '../search/index.ts';
import { englishToChinese } from '../search/cross-lingual.ts';
import { testRuntime } from './helpers/runtime.ts';

/**
 * Authored Chinese passages (one short text per source, each about one attribute of a disease), searched with
 * English and mixed questions: only the Chinese for the English words can tell the passages of one disease apart.
 */
const PASSAGES: Record<string, string> = {
  'appendicitis-imaging.txt': '急性阑尾炎的影像学检查：儿童和孕妇首选超声检查，成人首选增强扫描。阑尾直径超过6 mm提示阑尾炎。',
  'appendicitis-treatment.txt': '急性阑尾炎的治疗以阑尾切除术为主，早期手术可以减少穿孔和脓肿形成。抗生素治疗可用于部分单纯性病例。',
  'pancreatitis-signs.txt': '急性胰腺炎的征象包括胰腺弥漫性肿大、胰周渗出和胰腺坏死区不强化。',
  'pancreatitis-treatment.txt': '急性胰腺炎的治疗包括禁食、补液和镇痛，感染性坏死需要引流或清创。',
  'nodule-followup.txt': '偶发实性肺结节直径小于6 mm者一般无需常规随访，6～8 mm者6～12个月复查。',
  'nodule-differential.txt': '肺结节的鉴别诊断包括结核球、错构瘤和炎性假瘤，钙化方式有助于区别良恶性。',
};

describe('cross-lingual query expansion (English and mixed questions over Chinese text)', () => {
  let rt: Runtime;
  const fileOf = new Map<string, string>();
  beforeAll(async () => {
    rt = await testRuntime();
    for (const [name, text] of Object.entries(PASSAGES)) await rt.ingest.register(Buffer.from(text, 'utf8'), name, {});
    await rt.runner.drain();
    for (const s of (await rt.sources.list()).items) fileOf.set(s.id, s.fileName);
  }, 120_000);
  afterAll(async () => {
    await rt?.close();
  });

  const top = async (q: string) => {
    const res = await rt.search.search({ q, top: 3 });
    return res.results.map((h) => fileOf.get(h.sourceId));
  };

  it('maps English question words and entity names to Chinese, beside the English words (never instead)', () => {
    const t = englishToChinese('how large must an incidental solid lung nodule be before follow-up ct?', rt.tokenizer.lexicon);
    const zh = t.flatMap((x) => x.target);
    expect(zh).toEqual(expect.arrayContaining(['偶发', '实性', '肺结节', '随访']));
    // CT is written alike in Chinese text: no Chinese name is added for it.
    expect(t.some((x) => x.source === 'ct')).toBe(false);
    const plan = buildQueryPlan('What is the first-line imaging test for acute appendicitis in children?', rt.tokenizer);
    const lexemes = plan.terms.map((x) => x.lexeme);
    expect(lexemes).toEqual(expect.arrayContaining(['首选', '检查', '儿童', 'imaging', 'children', 'appendicitis']));
    expect(lexemes).not.toContain('what');
    expect(plan.terms.find((x) => x.lexeme === '首选')?.weight).toBeLessThan(plan.terms.find((x) => x.lexeme === 'imaging')?.weight ?? 0);
    expect(plan.intents).toContain('imaging');
  });

  it('adds no English to a Chinese question (English abstracts must not outrank the Chinese passages that answer)', () => {
    const plan = buildQueryPlan('急性胰腺炎的治疗', rt.tokenizer);
    expect(plan.terms.some((x) => /^[a-z]+$/.test(x.lexeme))).toBe(false);
  });

  it('an English question finds the Chinese passage about the attribute it asks, not another attribute of the same disease', async () => {
    expect((await top('What is the first-line imaging for acute appendicitis in children?'))[0]).toBe('appendicitis-imaging.txt');
    expect((await top('How is acute appendicitis treated?'))[0]).toBe('appendicitis-treatment.txt');
    expect((await top('CT signs of acute pancreatitis'))[0]).toBe('pancreatitis-signs.txt');
    expect((await top('treatment of acute pancreatitis'))[0]).toBe('pancreatitis-treatment.txt');
    expect((await top('differential diagnosis of lung nodules'))[0]).toBe('nodule-differential.txt');
    expect((await top('incidental solid lung nodule follow-up interval'))[0]).toBe('nodule-followup.txt');
  });

  it('a mixed question (Chinese disease, English attribute) and a typo find the right passage', async () => {
    expect((await top('急性胰腺炎 treatment'))[0]).toBe('pancreatitis-treatment.txt');
    expect((await top('急性阑尾炎的 first-line imaging'))[0]).toBe('appendicitis-imaging.txt');
    expect((await top('肺结节的鉴别诊段'))[0]).toBe('nodule-differential.txt');
  });

  it('punctuation or emoji only, English words that occur nowhere, and a 1,000-character English question', async () => {
    for (const q of ['?!...', '🩻🫁', '—？']) expect((await rt.search.search({ q })).results, q).toEqual([]);
    expect((await rt.search.search({ q: 'stock market dividend yield' })).results).toEqual([]);
    const long = `What is the treatment of acute pancreatitis ${'and its complications '.repeat(60)}`.slice(0, 1000);
    const res = await rt.search.search({ q: long, top: 3 });
    expect(res.results.length).toBeGreaterThan(0);
    expect(fileOf.get(res.results[0].sourceId)).toBe('pancreatitis-treatment.txt');
  });
});
