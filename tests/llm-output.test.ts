import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { PREDICATES } from '../graph/types.ts';
import {
  badOutputError,
  extractJson,
  hashInput,
  LlmResponseCache,
  loadPrompt,
  loadPrompts,
  ModelOutputError,
  parseModelJson,
  parsePrompt,
  renderPrompt,
  stripThink,
  ThinkStreamFilter,
} from '../llm/index.ts';
import { migrate, PgliteDatabase } from '../store/index.ts';

describe('think stripping', () => {
  it('removes pairs, an unterminated block, and a leading block opened by the chat template', () => {
    expect(stripThink('<think>reasoning</think>\n\n{"a":1}')).toBe('{"a":1}');
    expect(stripThink('A<think>x</think>B<think>y</think>C')).toBe('ABC');
    expect(stripThink('<think>cut off while still reasoning')).toBe('');
    expect(stripThink('answer first <think>then reasoning that never ends')).toBe('answer first');
    expect(stripThink('reasoning without the opening tag</think>\n答案')).toBe('答案');
    expect(stripThink('plain answer')).toBe('plain answer');
  });

  it('filters a stream whose tags are split across pieces', () => {
    const raw = '<think>先想一想</think>\n\n肺癌<think>again</think>常见分叶征';
    for (const size of [1, 2, 3, 5, 100]) {
      const f = new ThinkStreamFilter();
      let out = '';
      for (let i = 0; i < raw.length; i += size) out += f.push(raw.slice(i, i + size));
      out += f.flush();
      expect(out, `pieces of ${size}`).toBe('肺癌常见分叶征');
    }
    const f = new ThinkStreamFilter();
    expect(f.push('a <thi') + f.push('nk>hidden') + f.flush()).toBe('a ');
    const g = new ThinkStreamFilter();
    expect(g.push('x <th') + g.flush()).toBe('x <th');
  });
});

describe('model JSON parsing', () => {
  const Schema = z.object({ triples: z.array(z.object({ p: z.string() })) });

  it('finds the JSON in fences, prose and after think blocks', () => {
    expect(extractJson('```json\n{"triples": []}\n```')).toEqual({ triples: [] });
    expect(extractJson('好的，结果如下：{"triples": [{"p": "has_sign"}]} 以上。')).toEqual({ triples: [{ p: 'has_sign' }] });
    expect(extractJson('<think>{"not": "this"}</think>[1, 2]')).toEqual([1, 2]);
    expect(extractJson('{"s": "a } inside a string \\" quote", "n": {"x": [1]}}')).toEqual({ s: 'a } inside a string " quote', n: { x: [1] } });
    expect(extractJson('see {this} then {"ok": true}')).toEqual({ ok: true });
    expect(parseModelJson('{"triples": [{"p": "x"}]}', Schema)).toEqual({ triples: [{ p: 'x' }] });
    expect(parseModelJson('依据文献[1]，结果：{"triples": [{"p": "y"}]}', Schema)).toEqual({ triples: [{ p: 'y' }] });
  });

  it('says what was wrong', () => {
    const reason = (text: string, schema: z.ZodType = Schema) => {
      try {
        parseModelJson(text, schema);
      } catch (e) {
        expect(e).toBeInstanceOf(ModelOutputError);
        return (e as ModelOutputError).reason;
      }
      throw new Error('expected a failure');
    };
    expect(reason('')).toMatch(/empty answer/);
    expect(reason('<think>only thinking</think>')).toMatch(/empty answer/);
    expect(reason('no json here')).toMatch(/no JSON object or array found/);
    expect(reason('{"triples": [{"p": "has_sign"}')).toMatch(/not closed/);
    expect(reason("{'triples': []}")).toMatch(/JSON syntax error/);
    expect(reason('{"triples": "none"}')).toMatch(/^triples: /);
    expect(reason('{"triples": [{"p": 3}]}')).toMatch(/^triples\.0\.p: /);
    const err = badOutputError('ollama:qwen', 'http://gpu:11434', new ModelOutputError('no JSON object or array found', 'sorry'));
    expect(err).toMatchObject({ code: 'LLM_BAD_OUTPUT', status: 502, field: 'YZ_LLM_MODEL', details: { reason: 'no JSON object or array found', excerpt: 'sorry' } });
    expect(err.message).toContain('http://gpu:11434');
  });
});

describe('prompt files', () => {
  it('every file in prompts/ loads, and extract-triples names all nine predicates', () => {
    const prompts = loadPrompts();
    expect(prompts.map((p) => p.id)).toContain('extract-triples');
    const p = loadPrompt('extract-triples');
    expect(p).toMatchObject({ id: 'extract-triples', language: 'zh', output: 'extract_triples' });
    expect(p.version).toBeGreaterThanOrEqual(1);
    expect(Object.keys(p.sections)).toEqual(expect.arrayContaining(['system', 'user', 'glean', 'repair']));
    for (const predicate of PREDICATES) expect(p.sections.system).toContain(predicate);
    const user = renderPrompt(p, 'user', { heading: '肺癌 > 影像表现', text: '正文 {{not_a_variable}}' });
    expect(user).toContain('肺癌 > 影像表现');
    expect(user).toContain('正文 {{not_a_variable}}');
    expect(() => renderPrompt(p, 'user', { heading: 'x' })).toThrow(/no value for \{\{text\}\}/);
  });

  it('rejects bad front matter and placeholders that do not match the declared variables', () => {
    const file = '/prompts/demo.md';
    const body = '## system\nS {{a}}\n\n## user\nU\n';
    expect(parsePrompt(`---\nid: demo\nversion: 2\nlanguage: zh\nvariables: [a]\n---\n${body}`, file).sections).toEqual({ system: 'S {{a}}', user: 'U' });
    expect(() => parsePrompt(`---\nid: demo\nversion: one\nlanguage: zh\nvariables: [a]\n---\n${body}`, file)).toThrow(/demo\.md: front matter version/);
    expect(() => parsePrompt(`---\nid: demo\nversion: 1\nlanguage: zh\nvariables: []\n---\n${body}`, file)).toThrow(/not declared in variables: a/);
    expect(() => parsePrompt(`---\nid: demo\nversion: 1\nlanguage: zh\nvariables: [a, b]\n---\n${body}`, file)).toThrow(/never used: b/);
    expect(() => parsePrompt(`---\nid: other\nversion: 1\nlanguage: zh\nvariables: [a]\n---\n${body}`, file)).toThrow(/does not match the file name/);
    expect(() => parsePrompt('---\nid: demo\nversion: 1\nlanguage: zh\nvariables: []\n---\n## user\nU\n', file)).toThrow(/missing section "## system"/);
  });
});

describe('LLM response cache (PGlite)', () => {
  let db: PgliteDatabase;
  beforeAll(async () => {
    db = await PgliteDatabase.open();
    await migrate(db);
  });
  afterAll(() => db.close());

  it('stores by (model, prompt id + version, input hash), replaces idempotently, and prunes old versions', async () => {
    const cache = new LlmResponseCache(db);
    const input = { messages: [{ role: 'user', content: '肺癌' }], temperature: 0 };
    expect(hashInput(input)).toBe(hashInput({ temperature: 0, messages: [{ content: '肺癌', role: 'user' }] }));
    expect(hashInput(input)).not.toBe(hashInput({ ...input, temperature: 0.7 }));
    const key = { model: 'ollama:qwen2.5:7b', promptId: 'extract-triples', promptVersion: 1, inputSha256: hashInput(input) };
    expect(await cache.get(key)).toBeNull();
    await cache.put(key, { text: '{"triples": []}', usage: { promptTokens: 120, completionTokens: 9 } });
    await cache.put(key, { text: '{"triples": [] }', usage: { promptTokens: 120, completionTokens: 10 } });
    expect(await cache.get(key)).toEqual({ text: '{"triples": [] }', usage: { promptTokens: 120, completionTokens: 10 } });
    expect(await cache.get({ ...key, promptVersion: 2 })).toBeNull();
    expect(await cache.get({ ...key, model: 'openai:other' })).toBeNull();
    await cache.put({ ...key, promptVersion: 2 }, { text: 'v2', usage: { promptTokens: 1, completionTokens: 1 } });
    expect(await cache.prune('extract-triples', 2)).toBe(1);
    expect(await cache.get(key)).toBeNull();
    expect((await cache.get({ ...key, promptVersion: 2 }))?.text).toBe('v2');
  });
});
