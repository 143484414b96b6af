import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CaseRow, CasesRepository, CaseVectorsRepository } from '../cases/index.ts';
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

    it('keeps case vectors by model and text hash, byte for byte, and a second write of a hash is a no-op', async () => {
      const vectors = new CaseVectorsRepository(db);
      const v = (x: number) => Float32Array.from({ length: 8 }, (_, i) => (i + 1) * x / 7);
      await vectors.put('m1', [['h1', v(1)], ['h2', v(-0.5)]]);
      await vectors.put('m1', [['h1', v(9)]]);
      const got = await vectors.get('m1', ['h1', 'h2', 'h3']);
      expect([...got.keys()].sort()).toEqual(['h1', 'h2']);
      expect([...(got.get('h1') as Float32Array)]).toEqual([...v(1)]);
      expect([...(got.get('h2') as Float32Array)]).toEqual([...v(-0.5)]);
      expect((await vectors.get('m2', ['h1'])).size).toBe(0);
    });

    it('groups cases by the patient blind index and lists key images with their size', async () => {
      await db.transaction(async (tx) => {
        await repo.upsert(tx, row('p1', { status: 'approved', patientRef: 'enc-1', patientKey: 'k1' }), 'u1');
        await repo.upsert(tx, row('p2', { patientRef: 'enc-2', patientKey: 'k1' }), 'u1');
        await repo.upsert(tx, row('p3', { status: 'approved', patientRef: 'enc-3', patientKey: 'k2' }), 'u1');
      });
      expect((await repo.byPatient(['k1'], ['approved'])).map((c) => c.id)).toEqual(['p1']);
      expect((await repo.byPatient(['k0', 'k1'], ['approved', 'draft'])).map((c) => c.id)).toEqual(['p1', 'p2']);
      const before = await repo.signature();
      const img = { id: 'cimg_1', mime: 'image/png', bytes: Buffer.from([1, 2, 3]), width: 1, height: 1, source: 'png', sha256: 's1', caption: '示意' };
      expect(await db.transaction((tx) => repo.addImage(tx, 'p1', img, 'u1'))).toEqual({ id: 'cimg_1', created: true });
      expect(await db.transaction((tx) => repo.addImage(tx, 'p1', { ...img, id: 'cimg_2' }, 'u1'))).toEqual({ id: 'cimg_1', created: false });
      expect(await repo.signature()).not.toBe(before);
      expect((await repo.get('p1'))?.images).toEqual([{ id: 'cimg_1', mime: 'image/png', width: 1, height: 1, source: 'png', caption: '示意', bytes: 3 }]);
      expect((await repo.imageBytes('p1', 'cimg_1'))?.bytes).toEqual(Buffer.from([1, 2, 3]));
      expect(await repo.imageBytes('p3', 'cimg_1')).toBeNull();
      expect(await db.transaction((tx) => repo.deleteImage(tx, 'p1', 'cimg_1'))).toBe(true);
      expect((await repo.get('p1'))?.images).toEqual([]);
    });
  });
};

onEveryDatabase('cases repository', suite);
