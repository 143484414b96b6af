import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CaseRow, CasesRepository } from '../cases/index.ts';
import { type Database, migrate } from '../store/index.ts';
import { type DatabaseSuite, onEveryDatabase } from './helpers/databases.ts';

/** The case repository's contract, on embedded PGlite and on the PostgreSQL server. */
const row = (id: string, over: Partial<CaseRow> = {}): CaseRow => ({
  id, status: 'draft', demo: false, diseaseArea: 'acute_abdomen', modality: 'CT', bodyPart: '腹部', title: `病例 ${id}`, findingsText: '膈下游离气体。',
  impression: '', diagnosis: { name: '消化道穿孔', entityId: 'dis.gi_perforation' }, acceptable: [], findings: [{ entityId: 'find.pneumoperitoneum', finding: '膈下游离气体', certainty: 'present' }],
  fields: { freeAir: true }, teachingPoints: [], keyImages: [], studies: [], sourceRefs: [], patientRef: null, patientKey: null, relationIds: [], fingerprint: `fp-${id}`, ...over,
});

const suite: DatabaseSuite = (name, open, teardown) => {
  describe(`cases repository (${name})`, () => {
    let db: Database;
    let repo: CasesRepository;
    beforeAll(async () => {
      db = await open();
      await migrate(db);
      repo = new CasesRepository(db);
    }, 120_000);
    afterAll(async () => {
      await db?.close();
      await teardown?.();
    });

    it('upserts by id (a replacement bumps the version), reads back, and returns null when absent', async () => {
      await db.transaction((tx) => repo.upsert(tx, row('a'), 'u1'));
      expect(await repo.get('missing')).toBeNull();
      const a = await repo.get('a');
      expect(a).toMatchObject({ id: 'a', status: 'draft', version: 1, fields: { freeAir: true }, hasPatientRef: false, createdBy: 'u1' });
      await db.transaction((tx) => repo.upsert(tx, row('a', { title: '改', fingerprint: 'fp-a2' }), 'u2'));
      expect(await repo.get('a')).toMatchObject({ title: '改', version: 2, createdBy: 'u1' });
      expect((await repo.fingerprints(db, ['a', 'b'])).get('a')?.fingerprint).toBe('fp-a2');
    });

    it('filters the list by status, area, modality and text, and changes its signature on writes', async () => {
      const before = await repo.signature();
      await db.transaction(async (tx) => {
        await repo.upsert(tx, row('b', { status: 'approved', modality: 'MR', diseaseArea: 'placenta_accreta', title: '胎盘 50%_x' }), 'u1');
        await repo.upsert(tx, row('c'), 'u1');
      });
      expect(await repo.signature()).not.toBe(before);
      expect((await repo.list({ status: 'approved' }, { limit: 10, offset: 0 })).items.map((c) => c.id)).toEqual(['b']);
      expect((await repo.list({ modality: 'CT' }, { limit: 10, offset: 0 })).total).toBe(2);
      expect((await repo.list({ q: '50%_' }, { limit: 10, offset: 0 })).items.map((c) => c.id)).toEqual(['b']);
      expect((await repo.list({ q: '%' }, { limit: 10, offset: 0 })).items.map((c) => c.id)).toEqual(['b']);
      expect((await repo.all(['approved', 'draft'])).map((c) => c.id)).toEqual(['a', 'b', 'c']);
    });

    it('approves with supporting relations and flags the ones retired later', async () => {
      await db.exec(`INSERT INTO kg_entities (id, type, name_zh, origin) VALUES ('dis.t', 'Disease', '测试病', 'import'), ('sign.t', 'Sign', '测试征', 'import');
        INSERT INTO kg_relations (id, subject_id, predicate, object_id, certainty, confidence) VALUES ('rel_t1', 'dis.t', 'has_sign', 'sign.t', 'present', 0.9)`);
      await db.transaction((tx) => repo.setStatus(tx, 'c', 'approved', 'expert', ['rel_t1']));
      expect(await repo.get('c')).toMatchObject({ status: 'approved', approvedBy: 'expert', relationIds: ['rel_t1'], retiredRelationIds: [] });
      await db.exec(`UPDATE kg_relations SET status = 'retired' WHERE id = 'rel_t1'`);
      expect((await repo.get('c'))?.retiredRelationIds).toEqual(['rel_t1']);
    });
  });
};

onEveryDatabase('cases repository', suite);
