import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTimeline, Cases } from '../cases/index.ts';
import { fieldKeyId, Keyring } from '../core/index.ts';
import { productEncryptedColumns, rotateKeys } from '../keys/index.ts';
import { multipart } from './helpers/multipart.ts';
import { startTestServer, type TestServer } from './helpers/runtime.ts';

/**
 * Issue 18, patient timeline and key images. Several cases filed under one patient identifier (stored only as an
 * SM4 token plus a blind index) make one timeline: measurements over time per lesion across the cases, growth and
 * VDT only from given numbers, said plainly when a lesion has one measurement. Key images are hostile uploads:
 * type by magic bytes, size limits, metadata (a patient's name in EXIF) stripped, permission-checked and audited.
 */
const FIG = path.resolve(import.meta.dirname, '../demo/figures');
const demoPng = readFileSync(path.join(FIG, 'synthetic-chest-ct-lung-window.png'));
const demoDcm = readFileSync(path.join(FIG, 'synthetic-chest-ct-slice.dcm'));
const FRAME = (w: number, h: number) => [0xff, 0xc0, 0x00, 0x0b, 0x08, h >> 8, h & 255, w >> 8, w & 255, 0x01, 0x01, 0x11, 0x00];
const SCAN = [0xff, 0xda, 0x00, 0x08, 0x01, 0x01, 0x00, 0x00, 0x3f, 0x00, 0x12, 0xff, 0x00, 0x34, 0xff, 0xd0, 0x56];
const segment = (marker: number, payload: Buffer) => {
  const head = Buffer.from([0xff, marker, 0, 0]);
  head.writeUInt16BE(payload.length + 2, 2);
  return Buffer.concat([head, payload]);
};

const nodule = (id: string, patientId: string | undefined, studies: unknown[]) => ({
  id, title: `右上肺结节随访 ${id}`, diseaseArea: 'lung_nodule', modality: 'CT', bodyPart: '胸部', findingsText: '右肺上叶实性结节，边缘分叶。',
  finalDiagnosis: { name: '肺结节' }, studies, ...(patientId ? { patientId } : {}),
});

describe('timeline arithmetic', () => {
  it('says plainly when a lesion has fewer than two measurements, and gives first-to-last growth otherwise', () => {
    const [one] = buildTimeline([{ date: '2024-01-10', measurements: [{ lesion: 'n1', longAxisMm: 8 }] }]);
    expect(one.intervals).toEqual([]);
    expect(one.overall).toBeNull();
    expect(one.note).toContain('仅有 1 次测量');
    const [t] = buildTimeline([
      { date: '2024-01-10', caseId: 'a', measurements: [{ lesion: 'RUL 结节', volumeMm3: 200 }] },
      { date: '2024-07-10', caseId: 'a', measurements: [{ lesion: 'RUL 结节', volumeMm3: 300 }] },
      // The same study recorded in a second case of the patient counts once; the lesion name matches ignoring spacing.
      { date: '2024-07-10', caseId: 'b', measurements: [{ lesion: 'RUL结节', volumeMm3: 300 }] },
      { date: '2025-01-06', caseId: 'b', measurements: [{ lesion: 'rul 结节', volumeMm3: 400 }] },
    ]);
    expect(t.points.map((p) => [p.date, p.caseId])).toEqual([['2024-01-10', 'a'], ['2024-07-10', 'a'], ['2025-01-06', 'b']]);
    expect(t.note).toBeNull();
    expect(t.overall).toMatchObject({ from: '2024-01-10', to: '2025-01-06', days: 362, vdtMethod: 'volume', vdtDays: Math.round((362 * Math.LN2) / Math.log(2)) });
  });
});

const keyA = randomBytes(16);
const keyB = randomBytes(16);

describe('patient timeline and key images through the API', () => {
  let srv: TestServer;
  let expert: Record<string, string>;
  let resident: Record<string, string>;
  beforeAll(async () => {
    srv = await startTestServer([], { YZ_LLM: 'none', YZ_MASTER_KEY: keyA.toString('hex') });
    expert = await srv.tokenFor('expert', 'expert.cases');
    resident = await srv.tokenFor('resident', 'resident.cases');
    const file = JSON.stringify([
      nodule('pt-a', 'MRN-778899', [{ date: '2023-03-01', modality: 'CT', measurements: [{ lesion: '右上肺结节', longAxisMm: 8, volumeMm3: 268 }] }, { date: '2023-09-01', modality: 'CT', measurements: [{ lesion: '右上肺结节', longAxisMm: 9.5, volumeMm3: 449 }] }]),
      nodule('pt-b', ' MRN-778899 ', [{ date: '2024-03-04', modality: 'CT', measurements: [{ lesion: '右上肺结节', longAxisMm: 12, volumeMm3: 905 }, { lesion: '左下肺结节', longAxisMm: 5 }] }]),
      nodule('pt-other', 'MRN-111111', [{ date: '2024-05-01', measurements: [{ lesion: '右上肺结节', longAxisMm: 30 }] }]),
      nodule('pt-none', undefined, [{ date: '2024-05-01', measurements: [{ lesion: '右上肺结节', longAxisMm: 6 }] }]),
    ]);
    await srv.rt.cases.service.importFile(Buffer.from(file), 'patients.json', 'expert.cases', { status: 'approved' });
  }, 120_000);
  afterAll(async () => srv?.close());

  const get = (url: string, headers: Record<string, string>) => fetch(`${srv.url}${url}`, { headers });

  it('groups the cases of one patient by the blind index of the identifier, never showing the identifier', async () => {
    const res = await get('/api/cases/pt-b/timeline', resident);
    expect(res.status).toBe(200);
    const body = await res.text();
    expect(body).not.toContain('MRN-778899');
    const t = JSON.parse(body) as { patient: { grouped: boolean; cases: Array<{ id: string }> }; lesions: Array<{ lesion: string; points: Array<{ date: string; caseId: string }>; intervals: Array<{ vdtDays: number | null; vdtMethod: string | null }>; overall: { vdtDays: number } | null; note: string | null }> };
    expect(t.patient.grouped).toBe(true);
    expect(t.patient.cases.map((c) => c.id).sort()).toEqual(['pt-a', 'pt-b']);
    const rul = t.lesions.find((l) => l.lesion === '右上肺结节');
    expect(rul?.points.map((p) => [p.date, p.caseId])).toEqual([['2023-03-01', 'pt-a'], ['2023-09-01', 'pt-a'], ['2024-03-04', 'pt-b']]);
    expect(rul?.intervals.map((i) => i.vdtMethod)).toEqual(['volume', 'volume']);
    expect(rul?.intervals[1].vdtDays).toBe(Math.round((185 * Math.LN2) / Math.log(905 / 449)));
    expect(rul?.overall).toMatchObject({ days: 369 });
    expect(rul?.overall?.vdtDays).toBe(Math.round((369 * Math.LN2) / Math.log(905 / 268)));
    const lll = t.lesions.find((l) => l.lesion === '左下肺结节');
    expect(lll?.overall).toBeNull();
    expect(lll?.note).toContain('仅有 1 次测量');
    // Another patient and a case without an identifier stay alone.
    const other = (await (await get('/api/cases/pt-other/timeline', resident)).json()) as { patient: { grouped: boolean; cases: unknown[] } };
    expect(other.patient).toMatchObject({ grouped: false });
    expect(other.patient.cases).toHaveLength(1);
    const none = (await (await get('/api/cases/pt-none/timeline', resident)).json()) as { patient: { note: string } };
    expect(none.patient.note).toContain('未登记患者标识');
    const { rows } = await srv.rt.db.query<{ patient_key: string }>(`SELECT patient_key FROM cases WHERE id IN ('pt-a', 'pt-b') ORDER BY id`);
    expect(rows[0].patient_key).toMatch(/^[0-9a-f]{64}$/);
    expect(rows[0].patient_key).toBe(rows[1].patient_key);
  });

  it('keys cases stored before the blind index existed, and a reader sees only approved cases of the group', async () => {
    await srv.rt.db.query(`UPDATE cases SET patient_key = NULL WHERE id = 'pt-a'`);
    await srv.rt.cases.service.save(nodule('pt-draft', 'MRN-778899', [{ date: '2025-01-01', measurements: [{ lesion: '右上肺结节', longAxisMm: 14 }] }]), 'expert.cases');
    const asReader = (await (await get('/api/cases/pt-b/timeline', resident)).json()) as { patient: { cases: Array<{ id: string }> } };
    expect(asReader.patient.cases.map((c) => c.id).sort()).toEqual(['pt-a', 'pt-b']);
    const asExpert = (await (await get('/api/cases/pt-b/timeline', expert)).json()) as { patient: { cases: Array<{ id: string }> } };
    expect(asExpert.patient.cases.map((c) => c.id).sort()).toEqual(['pt-a', 'pt-b', 'pt-draft']);
  });

  const upload = async (caseId: string, name: string, bytes: Buffer, headers: Record<string, string>, fields: Record<string, string> = {}) => {
    const m = multipart(fields, { name, bytes });
    const res = await fetch(`${srv.url}/api/cases/${caseId}/images`, { method: 'POST', headers: { ...headers, ...m.headers }, body: m.payload });
    return { status: res.status, json: (await res.json()) as Record<string, unknown> & { error?: { code: string; message: string } } };
  };

  it('an expert attaches key images; a patient name in EXIF and in the caption is gone; bad files are refused by their bytes', async () => {
    const exif = segment(0xe1, Buffer.from('Exif\0\0II*\0 Artist ZHAO Liu 赵六 2023:11:12', 'utf8'));
    const planted = Buffer.concat([Buffer.from([0xff, 0xd8]), exif, segment(0xfe, Buffer.from('赵六 MRN-778899')), Buffer.from([...FRAME(320, 240), ...SCAN, 0xff, 0xd9])]);
    const jpg = await upload('pt-a', 'key.jpg', planted, expert, { caption: '患者：赵六 右上肺结节 分叶征' });
    expect(jpg.status).toBe(201);
    expect(jpg.json).toMatchObject({ mime: 'image/jpeg', width: 320, height: 240, source: 'jpeg', created: true, metadataRemoved: ['APP1 (EXIF/XMP)', 'COM'] });
    expect(jpg.json.caption).not.toContain('赵六');
    const served = Buffer.from(await (await get(`/api/cases/pt-a/images/${jpg.json.id}`, resident)).arrayBuffer());
    for (const phi of ['赵六', 'ZHAO', 'MRN-778899', 'Exif']) expect(served.includes(Buffer.from(phi))).toBe(false);
    const [row] = (await srv.rt.db.query<{ bytes: Uint8Array }>('SELECT bytes FROM case_images WHERE id = $1', [jpg.json.id])).rows;
    expect(Buffer.from(row.bytes).includes(Buffer.from('赵六'))).toBe(false);

    const png = await upload('pt-a', 'key.png', demoPng, expert);
    expect(png.json).toMatchObject({ mime: 'image/png', width: 480, created: true });
    expect((await upload('pt-a', 'again.png', demoPng, expert)).json).toMatchObject({ id: png.json.id, created: false });
    const dcm = await upload('pt-a', 'slice.dcm', demoDcm, expert, { windowCenter: '-600', windowWidth: '1500' });
    expect(dcm.json).toMatchObject({ mime: 'image/png', source: 'dicom', width: 160 });

    const bad = async (name: string, bytes: Buffer, status: number, code: string) => {
      const r = await upload('pt-a', name, bytes, expert);
      expect([r.status, r.json.error?.code], name).toEqual([status, code]);
    };
    await bad('evil.png', Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'), 415, 'UNSUPPORTED_FILE_TYPE');
    await bad('cut.png', demoPng.subarray(0, 200), 422, 'IMAGE_UNREADABLE');
    await bad('cut.jpg', Buffer.from([0xff, 0xd8, 0xff, ...FRAME(8, 8).slice(1)]), 422, 'IMAGE_UNREADABLE');
    await bad('huge.png', Buffer.concat([demoPng, Buffer.alloc(9 * 1024 * 1024)]), 413, 'FILE_TOO_LARGE');

    // The case lists its images; the audit has one row per new image.
    const c = (await (await get('/api/cases/pt-a', resident)).json()) as { images: Array<{ id: string; source: string }> };
    expect(c.images.map((i) => i.source)).toEqual(['jpeg', 'png', 'dicom']);
    const { rows } = await srv.rt.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM audit_log WHERE action = 'case.image_upload' AND target = 'pt-a'`);
    expect(rows[0].n).toBe(3);
  });

  it('only curators upload or delete; readers fetch images of approved cases only', async () => {
    expect((await upload('pt-a', 'r.png', demoPng, resident)).status).toBe(403);
    expect((await upload('missing-case', 'x.png', demoPng, expert)).status).toBe(404);
    const draftImage = await upload('pt-draft', 'd.png', demoPng, expert);
    expect(draftImage.status).toBe(201);
    expect((await get(`/api/cases/pt-draft/images/${draftImage.json.id}`, resident)).status).toBe(404);
    expect((await get(`/api/cases/pt-draft/images/${draftImage.json.id}`, expert)).status).toBe(200);
    // An image id is only served under its own case.
    expect((await get(`/api/cases/pt-b/images/${draftImage.json.id}`, expert)).status).toBe(404);
    const del = (headers: Record<string, string>) => fetch(`${srv.url}/api/cases/pt-draft/images/${draftImage.json.id}`, { method: 'DELETE', headers });
    expect((await del(resident)).status).toBe(403);
    expect((await del(expert)).status).toBe(204);
    expect((await del(expert)).status).toBe(404);
  });

  it('after key rotation and retiring the old key the timeline still finds the patient\'s cases; a failed batch leaves nothing half-written', async () => {
    const { db } = srv.rt;
    const ringBA = new Keyring(keyB, [keyA]); // rotation day: B encrypts, A still decrypts
    const ringB = new Keyring(keyB); // A retired
    const casesUnder = (keyring: Keyring) => new Cases({ db, lexicon: srv.rt.lexicon, tokenizer: srv.rt.tokenizer, knowledge: srv.rt.knowledge, keyring }).service;
    const snapshot = async () => (await db.query<{ id: string; patient_ref: string; patient_key: string }>('SELECT id, patient_ref, patient_key FROM cases WHERE patient_ref IS NOT NULL ORDER BY id')).rows;
    const before = await snapshot();
    // The patient's group before rotation (pt-draft joins it when the earlier test ran).
    const group = before.filter((r) => r.patient_key === before.find((x) => x.id === 'pt-a')!.patient_key).map((r) => r.id);
    expect(group).toEqual(expect.arrayContaining(['pt-a', 'pt-b']));
    expect(group).not.toContain('pt-other');

    // A tampered token in the batch: the rotation stops and no row has a new token or a new blind index.
    const good = before.find((r) => r.id === 'pt-other')!.patient_ref;
    const parts = good.split(':');
    parts[parts.length - 1] = `${parts[parts.length - 1]!.slice(0, -2)}${parts[parts.length - 1]!.endsWith('00') ? '11' : '00'}`;
    await db.query(`UPDATE cases SET patient_ref = $1 WHERE id = 'pt-other'`, [parts.join(':')]);
    await expect(rotateKeys(db, ringBA, productEncryptedColumns().list(), { actor: 'test', batchSize: 100 })).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    await db.query(`UPDATE cases SET patient_ref = $1 WHERE id = 'pt-other'`, [good]);
    expect(await snapshot()).toEqual(before);

    const report = await rotateKeys(db, ringBA, productEncryptedColumns().list(), { actor: 'test', batchSize: 2 });
    expect(report.columns.find((c) => c.table === 'cases')).toMatchObject({ column: 'patient_ref', values: before.length, rewritten: before.length, reindexed: before.length });
    const after = await snapshot();
    expect(after.every((r) => fieldKeyId(r.patient_ref) === ringB.activeKeyId)).toBe(true);
    expect(after.find((r) => r.id === 'pt-a')!.patient_key).toBe(after.find((r) => r.id === 'pt-b')!.patient_key);
    expect(after.find((r) => r.id === 'pt-a')!.patient_key).not.toBe(before.find((r) => r.id === 'pt-a')!.patient_key);

    // The old key retired: only B is loaded. The timeline groups the patient; a new study of the patient joins it.
    const svc = casesUnder(ringB);
    expect((await svc.timeline('pt-b', true)).patient.cases.map((c) => c.id).sort()).toEqual(group);
    expect((await svc.timeline('pt-other', true)).patient.grouped).toBe(false);
    await svc.save(nodule('pt-c', 'MRN-778899', [{ date: '2025-06-01', measurements: [{ lesion: '右上肺结节', longAxisMm: 15 }] }]), 'expert.cases');
    expect((await svc.timeline('pt-a', true)).patient.cases.map((c) => c.id).sort()).toEqual([...group, 'pt-c'].sort());
    // A second run has nothing left to do.
    const again = await rotateKeys(db, ringB, productEncryptedColumns().list(), { actor: 'test' });
    expect(again.columns.find((c) => c.table === 'cases')).toMatchObject({ rewritten: 0, reindexed: 0 });
  });
});
