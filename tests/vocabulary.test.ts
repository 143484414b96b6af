import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verify } from '../audit/index.ts';
import type { VocabFormat } from '../knowledge/index.ts';
import type { Runtime } from '../runtime/index.ts';
import { ROOT, testRuntime } from './helpers/runtime.ts';

const FIXTURES = path.join(ROOT, 'tests/fixtures/vocab');
const file = (name: string, format: VocabFormat, extra: { system?: string } = {}) => ({ bytes: readFileSync(path.join(FIXTURES, name)), fileName: name, format, ...extra });

/**
 * Terminology import on a real (in-memory PGlite) database: every format previews without writing,
 * row errors refuse the whole file, an import is one batch that undo reverses exactly, and conflicts
 * with the vocabulary are reported rather than written.
 */
describe('vocabulary: terminology import', () => {
  let rt: Runtime;
  beforeAll(async () => {
    rt = await testRuntime({ YZ_AUTO_EXTRACT: 'off' });
  });
  afterAll(async () => rt.close());

  const entityCount = async () => (await rt.db.query<{ n: number }>('SELECT count(*)::int AS n FROM kg_entities')).rows[0].n;
  const aliasCount = async () => (await rt.db.query<{ n: number }>('SELECT count(*)::int AS n FROM kg_aliases')).rows[0].n;

  it('previews a local CSV: counts, links to known names, new entities — and writes nothing', async () => {
    const before = [await entityCount(), await aliasCount()];
    const r = await rt.knowledge.vocabulary.preview(file('local.csv', 'csv'));
    expect(r.counts).toMatchObject({ records: 4, create: 3, link: 1, errors: 0 });
    // 急性脑梗死 is already an alias of 脑梗死: the row links there (its other name becomes an alias).
    expect(r.sample.find((s) => s.nameZh === '急性脑梗死')).toMatchObject({ action: 'link', entityId: 'dis.cerebral_infarction', surfaces: ['脑梗死急性期'] });
    expect(r.sample.find((s) => s.nameZh === '蛛网膜下腔积气')).toMatchObject({ action: 'create', type: 'Disease', code: { system: 'local', code: 'L001' } });
    expect([await entityCount(), await aliasCount()]).toEqual(before);
  });

  it('refuses a file with row errors, naming each row, and writes nothing', async () => {
    const preview = await rt.knowledge.vocabulary.preview(file('local-bad.csv', 'csv'));
    expect(preview.errors.map((e) => [e.line, e.field])).toEqual([[2, 'type'], [4, 'code'], [5, 'name']]);
    const before = await entityCount();
    await expect(rt.knowledge.vocabulary.apply(file('local-bad.csv', 'csv'), 'dr.vocab')).rejects.toMatchObject({ code: 'IMPORT_INVALID', field: 'file' });
    expect(await entityCount()).toBe(before);
    expect(await rt.knowledge.vocabulary.list()).toEqual([]);
  });

  it('imports ICD-10: codes on the diseases the vocabulary knows, new entities for the rest, external causes left out', async () => {
    const r = await rt.knowledge.vocabulary.apply(file('icd10.csv', 'icd10'), 'dr.vocab');
    expect(r.warnings.map((w) => w.line)).toEqual([6]);
    expect(r.importId).toMatch(/^vimp_/);
    const cerebral = await rt.knowledge.entities.get('dis.cerebral_infarction');
    expect(cerebral?.codes.icd10).toBe('I63.9'); // already carried it: kept, not duplicated
    // "急性胰腺炎，未特指" is 急性胰腺炎, which carries K85.9 already; 腹内疝 had no code and gets one.
    expect(r.sample.find((s) => s.code?.code === 'K85.9')).toBeUndefined();
    expect((await rt.knowledge.entities.get('dis.internal_hernia'))?.codes.icd10).toBe('K45.8');
    const pain = (await rt.knowledge.entities.byExactSurface('腹痛'))[0];
    expect(pain).toMatchObject({ type: 'Finding', origin: 'import', codes: { icd10: 'R10.4' } });
    expect((await rt.knowledge.entities.byExactSurface('机动车交通事故')).length).toBe(0);
    // Undo restores exactly: the new entities go, the code added to a lexicon entity goes, the lexicon's own code stays.
    await rt.knowledge.vocabulary.undo(r.importId as string, 'dr.vocab');
    expect((await rt.knowledge.entities.byExactSurface('腹痛')).length).toBe(0);
    expect((await rt.knowledge.entities.get('dis.internal_hernia'))?.codes.icd10).toBeUndefined();
    expect((await rt.knowledge.entities.get('dis.cerebral_infarction'))?.codes.icd10).toBe('I63.9');
    await expect(rt.knowledge.vocabulary.undo(r.importId as string, 'dr.vocab')).rejects.toMatchObject({ code: 'STATE_CONFLICT' });
    expect((await rt.knowledge.vocabulary.list())[0]).toMatchObject({ id: r.importId, status: 'undone', undoneBy: 'dr.vocab' });
  });

  it('imports SNOMED CT RF2 descriptions with a Chinese extension: latest active descriptions, types from semantic tags', async () => {
    const r = await rt.knowledge.vocabulary.apply(file('rf2-descriptions.txt', 'rf2'), 'dr.vocab');
    expect(r.counts).toMatchObject({ records: 3, create: 3, errors: 0 });
    expect(r.warnings[0].message).toContain('organism');
    const p = await rt.knowledge.entities.get('imp.snomed.1100001');
    expect(p).toMatchObject({ type: 'Disease', nameZh: '测试性胰腺炎', nameEn: 'Test pancreatitis', codes: { snomed: '1100001' } });
    expect(p?.aliases).toContain('测胰炎');
    const scan = await rt.knowledge.entities.get('imp.snomed.1400001');
    expect(scan).toMatchObject({ type: 'Procedure', nameEn: 'Test pelvic scan', nameZh: '测试盆腔扫描' });
    expect(scan?.aliases).not.toContain('作废的中文名'); // inactive
    expect(JSON.stringify(scan)).not.toContain('Old name'); // superseded version
    await rt.knowledge.vocabulary.undo(r.importId as string, 'dr.vocab');
    expect(await rt.knowledge.entities.get('imp.snomed.1100001')).toBeNull();
  });

  it('imports SKOS in Turtle and in RDF/XML alike, and reports a second import of the same concepts as nothing new', async () => {
    const ttl = await rt.knowledge.vocabulary.apply(file('skos.ttl', 'skos', { system: 'radlex' }), 'dr.vocab');
    expect(ttl.counts).toMatchObject({ records: 3, create: 3 });
    const lesion = await rt.knowledge.entities.get('imp.radlex.rid90001');
    expect(lesion).toMatchObject({ type: 'Finding', nameZh: '测试肺结节样病变', codes: { radlex: 'RID90001' } });
    expect(lesion?.aliases).toContain('测试结节样灶');
    const rdf = await rt.knowledge.vocabulary.preview(file('skos.rdf', 'skos', { system: 'radlex' }));
    expect(rdf.counts).toMatchObject({ records: 3, create: 0, link: 0, skipped: 3 });
    await rt.knowledge.vocabulary.undo(ttl.importId as string, 'dr.vocab');
    const again = await rt.knowledge.vocabulary.preview(file('skos.rdf', 'skos', { system: 'radlex' }));
    expect(again.counts).toMatchObject({ create: 3 });
  });

  it('reports a name that already belongs to another entity as a conflict instead of making it ambiguous', async () => {
    // Names of two different entities, and a name of an entity of another type: both skipped, both reported.
    const csv = Buffer.from('code,type,name_zh,name_en,synonyms\nX1,Disease,测试新病,,脑梗死|脑出血\nX2,Disease,胸腔积液,,\nX3,Disease,测试另一病,,\n');
    const r = await rt.knowledge.vocabulary.preview({ bytes: csv, fileName: 'clash.csv', format: 'csv' });
    expect(r.conflicts.map((c) => c.line)).toEqual([2, 3]);
    expect(r.counts).toMatchObject({ create: 1, skipped: 2 });
  });

  it('refuses to undo an import whose entity a relation now uses; audits imports and undos', async () => {
    const r = await rt.knowledge.vocabulary.apply(file('local.csv', 'csv'), 'dr.vocab');
    const created = (await rt.knowledge.entities.byExactSurface('蛛网膜下腔积气'))[0];
    expect(created.origin).toBe('import');
    await rt.db.query(`INSERT INTO kg_relations (id, subject_id, predicate, object_id, certainty, confidence) VALUES ('rel_vocab_t', 'dis.lung_cancer', 'has_sign', $1, 'present', 0.9)`, [created.id]);
    await expect(rt.knowledge.vocabulary.undo(r.importId as string, 'dr.vocab')).rejects.toMatchObject({ code: 'STATE_CONFLICT' });
    await rt.db.query(`DELETE FROM kg_relations WHERE id = 'rel_vocab_t'`);
    await rt.knowledge.vocabulary.undo(r.importId as string, 'dr.vocab');
    const { rows } = await rt.db.query<{ action: string }>(`SELECT action FROM audit_log WHERE action LIKE 'vocab.%' ORDER BY seq`);
    expect(rows.map((x) => x.action)).toContain('vocab.import');
    expect(rows.map((x) => x.action)).toContain('vocab.undo');
    expect((await verify(rt.db)).ok).toBe(true);
  });

  it('refuses files that are not what they claim: not UTF-8, empty, not RF2, not RDF', async () => {
    await expect(rt.knowledge.vocabulary.preview({ bytes: Buffer.from([0xc4, 0xe3, 0xba, 0xc3]), fileName: 'gbk.csv', format: 'csv' })).rejects.toMatchObject({ code: 'TEXT_DECODE_FAILED' });
    await expect(rt.knowledge.vocabulary.preview({ bytes: Buffer.alloc(0), fileName: 'e.csv', format: 'csv' })).rejects.toMatchObject({ code: 'EMPTY_FILE' });
    const notRf2 = await rt.knowledge.vocabulary.preview({ bytes: Buffer.from('a,b,c\n1,2,3\n'), fileName: 'x.txt', format: 'rf2' });
    expect(notRf2.errors[0].field).toBe('header');
    const notRdf = await rt.knowledge.vocabulary.preview({ bytes: Buffer.from('this is <not> turtle'), fileName: 'x.ttl', format: 'skos' });
    expect(notRdf.errors.length).toBe(1);
  });
});

/** Merge suggestions: string similarity, never across types or between related concepts or lexicon entries. */
describe('vocabulary: merge suggestions', () => {
  let rt: Runtime;
  beforeAll(async () => {
    rt = await testRuntime({ YZ_AUTO_EXTRACT: 'off' });
  });
  afterAll(async () => rt.close());

  it('labels scores as string similarity and does not propose 原位腺癌 → 肺腺癌', async () => {
    const ais = await rt.knowledge.resolver.duplicatesOf('dis.adenocarcinoma_in_situ');
    expect(ais.map((s) => s.entityId)).not.toContain('dis.lung_adenocarcinoma');
    const fuzzy = await rt.knowledge.resolver.suggest('磨玻璃密度灶');
    expect(fuzzy[0]).toMatchObject({ method: 'fuzzy', basis: 'string_similarity' });
  });

  it('proposes a reviewed entity that duplicates a lexicon one, but not across types or a subtype relation', async () => {
    await rt.db.transaction(async (tx) => {
      await rt.knowledge.entities.create(tx, { id: 'ent_dup', type: 'Disease', nameZh: '肺腺癌症', origin: 'review' });
      await rt.knowledge.entities.create(tx, { id: 'ent_type', type: 'Finding', nameZh: '肺腺癌灶', origin: 'review' });
      await rt.knowledge.entities.create(tx, { id: 'ent_sub', type: 'Disease', nameZh: '肺腺癌亚型甲', origin: 'review' });
    });
    await rt.db.query(`INSERT INTO kg_relations (id, subject_id, predicate, object_id, certainty, confidence) VALUES ('rel_sub', 'ent_sub', 'subtype_of', 'dis.lung_adenocarcinoma', 'present', 0.9)`);
    rt.knowledge.resolver.invalidate();
    const found = (await rt.knowledge.resolver.duplicatesOf('dis.lung_adenocarcinoma', 20)).map((s) => s.entityId);
    expect(found).toContain('ent_dup');
    expect(found).not.toContain('ent_type');
    expect(found).not.toContain('ent_sub');
  });
});
