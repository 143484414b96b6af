import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ENTITY_PREFIX, Lexicon, normalizeText, surfaceKey } from '../core/index.ts';
import { tnmParents } from '../core/tokenizer.ts';
import { loadLanguage } from '../runtime/index.ts';

const { lexicon, tokenizer } = loadLanguage();
const lexemes = (q: string) => tokenizer.queryTokens(q).map((t) => t.lexeme);

describe('radiology lexicon', () => {
  it('has at least 500 entities across the entity types, with no alias claimed twice', () => {
    expect(lexicon.entries.length).toBeGreaterThanOrEqual(500);
    const types = new Set(lexicon.entries.map((e) => e.type));
    for (const t of ['Disease', 'Sign', 'Finding', 'Anatomy', 'Modality', 'Stage']) expect(types).toContain(t);
    const owner = new Map<string, string>();
    for (const e of lexicon.entries) {
      for (const s of [e.zh, e.en, ...e.aliases]) {
        const key = surfaceKey(s);
        const prev = owner.get(key);
        expect(prev === undefined || prev === e.id, `"${s}" belongs to ${prev} and ${e.id}`).toBe(true);
        owner.set(key, e.id);
      }
    }
  });

  it('maps Chinese names, English phrases and abbreviations of one finding to one entity', () => {
    const ggo = lexicon.lookup('磨玻璃影');
    expect(ggo).toBeDefined();
    for (const alias of ['GGO', 'ggo', 'ground-glass opacity', 'Ground Glass Opacity', '磨玻璃影', '磨玻璃密度影']) {
      expect(lexicon.lookup(alias)?.id, alias).toBe(ggo?.id);
    }
    const ggn = lexicon.lookup('磨玻璃结节');
    for (const alias of ['GGN', 'ground-glass nodule', '毛玻璃结节']) expect(lexicon.lookup(alias)?.id, alias).toBe(ggn?.id);
  });

  it('keeps distinct concepts apart that documents write alike (issue 13 audit)', () => {
    // An opacity is not a nodule, a pure GGN is a narrower nodule, 内膜 is not only the endometrium.
    expect(lexicon.lookup('GGO')?.id).toBe('sign.ground_glass_opacity');
    expect(lexicon.lookup('GGN')?.id).toBe('sign.ground_glass_nodule');
    expect(lexicon.lookup('纯磨玻璃结节')?.id).toBe('sign.pure_ground_glass_nodule');
    expect(lexicon.lookup('内膜')).toBeUndefined();
    expect(lexicon.lookup('颅内出血')).toBeUndefined();
    // Forms documents use for the same concept.
    expect(lexicon.lookup('急性脑梗死')?.id).toBe('dis.cerebral_infarction');
    expect(lexicon.lookup('急性缺血性卒中')?.id).toBe('dis.cerebral_infarction');
  });
});

describe('tokenizer', () => {
  it('keeps radiology compounds whole that the default jieba dictionary splits', () => {
    const words = tokenizer.words('磨玻璃结节随访，考虑非小细胞肺癌');
    expect(words).toContain('磨玻璃结节');
    expect(words).toContain('非小细胞肺癌');
  });

  it('adds the same entity lexeme for every spelling of a synonym, beside the words typed', () => {
    const id = `${ENTITY_PREFIX}${lexicon.lookup('磨玻璃影')?.id}`;
    expect(lexemes('GGO 随访')).toEqual([id, 'ggo', '随访']);
    expect(lexemes('ground-glass opacity')).toEqual([id, 'ground', 'glass', 'opacity']);
    expect(lexemes('磨玻璃影')).toEqual([id, '磨玻璃影']);
  });

  it('indexes both the entity and the words, drops punctuation and stopwords', () => {
    const idx = tokenizer.indexTokens('纯磨玻璃结节的随访。').map((t) => t.lexeme);
    expect(idx).toContain('随访');
    expect(idx.some((l) => l.startsWith(ENTITY_PREFIX))).toBe(true);
    expect(idx).not.toContain('的');
    expect(idx).not.toContain('。');
  });

  it('rolls TNM subcategories up to their category when indexing, not when querying', () => {
    expect(tnmParents('ct2a')).toEqual(['t2a', 't2']);
    expect(tnmParents('n2b')).toEqual(['n2']);
    expect(tnmParents('t1mi')).toEqual(['t1']);
    expect(tnmParents('t2')).toEqual([]);
    expect(tnmParents('t2wi')).toEqual([]);
    expect(tokenizer.indexTokens('cT2a 期肿瘤').map((t) => t.lexeme)).toContain('t2');
    expect(lexemes('T2a')).not.toContain('t2');
  });

  it('produces lexemes without whitespace, so stored token lists split back exactly', () => {
    const idx = tokenizer.indexTokens('T2a 期肿瘤 3.5 cm，ground glass opacity；Lung-RADS 4A');
    for (const t of idx) expect(t.lexeme).not.toMatch(/\s/);
  });
});

describe('normalisation', () => {
  it('folds Kangxi and radical-supplement code points and full-width letters, keeps Chinese punctuation', () => {
    expect(normalizeText('⻅⼀⼤⼩，ＣＴ（增强）')).toBe('见一大小，CT（增强）');
  });

  it('rejects a lexicon file line that breaks the schema, naming the line', () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'lex-')), 'bad.jsonl');
    writeFileSync(file, `${JSON.stringify({ id: 'sign.ok', type: 'Sign', zh: '征', en: 'sign' })}\n${JSON.stringify({ id: 'BAD ID', type: 'Nope', zh: 'x', en: 'x' })}\n`);
    expect(() => Lexicon.load(file)).toThrow(/bad\.jsonl:2:/);
  });
});
