import type { Database, Queryable } from '../store/index.ts';
import type { Case, CaseFilter, StructuredFinding, Study } from './case.schemas.ts';

/** A case row as written (texts already de-identified, patient identifier already encrypted). */
export interface CaseRow {
  id: string;
  status: 'draft' | 'approved';
  demo: boolean;
  diseaseArea: string;
  modality: string;
  bodyPart: string;
  title: string;
  findingsText: string;
  impression: string;
  diagnosis: Case['finalDiagnosis'];
  acceptable: string[];
  findings: StructuredFinding[];
  fields: Record<string, unknown>;
  teachingPoints: string[];
  keyImages: Case['keyImages'];
  studies: Study[];
  sourceRefs: Case['sourceRefs'];
  patientRef: string | null;
  /** Blind index of the patient identifier (HMAC-SM3), for grouping one patient's cases; null without one. */
  patientKey: string | null;
  relationIds: string[];
  fingerprint: string;
}

/** An uploaded key image as a case lists it (the bytes are fetched apart). */
export interface CaseImageMeta {
  id: string;
  mime: 'image/png' | 'image/jpeg';
  width: number;
  height: number;
  source: 'png' | 'jpeg' | 'dicom';
  caption: string;
  bytes: number;
}

interface DbRow {
  id: string;
  status: Case['status'];
  version: number;
  demo: boolean;
  disease_area: string;
  modality: string;
  body_part: string;
  title: string;
  findings_text: string;
  impression: string;
  diagnosis: Case['finalDiagnosis'];
  acceptable: string[];
  findings: StructuredFinding[];
  fields: Record<string, unknown>;
  teaching_points: string[];
  key_images: Case['keyImages'];
  studies: Study[];
  source_refs: Case['sourceRefs'];
  has_patient: boolean;
  relation_ids: string[];
  retired_ids: string[];
  images: CaseImageMeta[] | string | null;
  created_by: string;
  updated_at: string | Date;
  approved_by: string | null;
}

// Supporting relations retired since approval are looked up live, so the flag needs no write when a relation is retired.
const SELECT = `SELECT c.*, c.patient_ref IS NOT NULL AS has_patient,
  ARRAY(SELECT r.id FROM kg_relations r WHERE r.id = ANY(c.relation_ids) AND r.status = 'retired' ORDER BY r.id) AS retired_ids,
  (SELECT json_agg(json_build_object('id', i.id, 'mime', i.mime, 'width', i.width, 'height', i.height, 'source', i.source, 'caption', i.caption, 'bytes', octet_length(i.bytes))
     ORDER BY i.created_at, i.id) FROM case_images i WHERE i.case_id = c.id) AS images
  FROM cases c`;

function toCase(r: DbRow): Case {
  return {
    id: r.id, status: r.status, version: r.version, demo: r.demo, diseaseArea: r.disease_area, modality: r.modality, bodyPart: r.body_part,
    title: r.title, findingsText: r.findings_text, impression: r.impression, finalDiagnosis: r.diagnosis, acceptableDiagnoses: r.acceptable ?? [],
    structuredFindings: r.findings ?? [], fields: r.fields ?? {}, teachingPoints: r.teaching_points ?? [], keyImages: r.key_images ?? [],
    studies: r.studies ?? [], sourceRefs: r.source_refs ?? [], hasPatientRef: r.has_patient, relationIds: r.relation_ids ?? [],
    retiredRelationIds: r.retired_ids ?? [], images: (typeof r.images === 'string' ? JSON.parse(r.images) : r.images) ?? [], createdBy: r.created_by, updatedAt: new Date(r.updated_at).toISOString(), approvedBy: r.approved_by,
  };
}

const json = (v: unknown) => JSON.stringify(v);

/** The typical-case library (store/migrations/060_cases.sql). */
export class CasesRepository {
  constructor(private readonly db: Database) {}

  /** The case, or null when absent. */
  async get(id: string, q: Queryable = this.db): Promise<Case | null> {
    const { rows } = await q.query<DbRow>(`${SELECT} WHERE c.id = $1`, [id]);
    return rows[0] ? toCase(rows[0]) : null;
  }

  async fingerprints(q: Queryable, ids: string[]): Promise<Map<string, { fingerprint: string; status: string }>> {
    const { rows } = await q.query<{ id: string; fingerprint: string; status: string }>('SELECT id, fingerprint, status FROM cases WHERE id = ANY($1)', [ids]);
    return new Map(rows.map((r) => [r.id, r]));
  }

  /**
   * Insert or replace a case (a replaced case gets a new version). Idempotency is the caller's:
   * it compares fingerprints first and skips unchanged rows.
   */
  async upsert(q: Queryable, c: CaseRow, actor: string): Promise<void> {
    await q.query(
      `INSERT INTO cases (id, status, demo, disease_area, modality, body_part, title, findings_text, impression, diagnosis, acceptable, findings, fields,
         teaching_points, key_images, studies, source_refs, patient_ref, relation_ids, fingerprint, created_by, updated_by, approved_by, approved_at, patient_key)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$20,$21,$21, CASE WHEN $2 = 'approved' THEN $21 END, CASE WHEN $2 = 'approved' THEN now() END, $22)
       ON CONFLICT (id) DO UPDATE SET status = EXCLUDED.status, version = cases.version + 1, demo = EXCLUDED.demo, disease_area = EXCLUDED.disease_area,
         modality = EXCLUDED.modality, body_part = EXCLUDED.body_part, title = EXCLUDED.title, findings_text = EXCLUDED.findings_text,
         impression = EXCLUDED.impression, diagnosis = EXCLUDED.diagnosis, acceptable = EXCLUDED.acceptable, findings = EXCLUDED.findings,
         fields = EXCLUDED.fields, teaching_points = EXCLUDED.teaching_points, key_images = EXCLUDED.key_images, studies = EXCLUDED.studies,
         source_refs = EXCLUDED.source_refs, patient_ref = COALESCE(EXCLUDED.patient_ref, cases.patient_ref),
         patient_key = COALESCE(EXCLUDED.patient_key, cases.patient_key), relation_ids = EXCLUDED.relation_ids,
         fingerprint = EXCLUDED.fingerprint, updated_by = EXCLUDED.updated_by, updated_at = now(),
         approved_by = EXCLUDED.approved_by, approved_at = EXCLUDED.approved_at`,
      [c.id, c.status, c.demo, c.diseaseArea, c.modality, c.bodyPart, c.title, c.findingsText, c.impression, json(c.diagnosis), json(c.acceptable),
        json(c.findings), json(c.fields), json(c.teachingPoints), json(c.keyImages), json(c.studies), json(c.sourceRefs), c.patientRef, c.relationIds, c.fingerprint, actor, c.patientKey],
    );
  }

  async setStatus(q: Queryable, id: string, status: Case['status'], actor: string, relationIds?: string[]): Promise<void> {
    await q.query(
      `UPDATE cases SET status = $2, version = version + 1, updated_by = $3, updated_at = now(),
         approved_by = CASE WHEN $2 = 'approved' THEN $3 ELSE approved_by END, approved_at = CASE WHEN $2 = 'approved' THEN now() ELSE approved_at END,
         relation_ids = COALESCE($4, relation_ids)
       WHERE id = $1`,
      [id, status, actor, relationIds ?? null],
    );
  }

  async list(f: CaseFilter, page: { limit: number; offset: number }): Promise<{ total: number; items: Case[] }> {
    const conds: string[] = [];
    const params: unknown[] = [];
    const add = (sql: (p: string) => string, v: unknown) => {
      params.push(v);
      conds.push(sql(`$${params.length}`));
    };
    if (f.status) add((p) => `c.status = ${p}`, f.status);
    if (f.diseaseArea) add((p) => `c.disease_area = ${p}`, f.diseaseArea);
    if (f.modality) add((p) => `c.modality = ${p}`, f.modality);
    if (f.q) add((p) => `(c.title ILIKE ${p} OR c.findings_text ILIKE ${p} OR c.diagnosis->>'name' ILIKE ${p})`, `%${f.q.replace(/[\\%_]/g, (m) => `\\${m}`)}%`);
    const where = conds.length ? `WHERE ${conds.join(' AND ')}` : '';
    const [{ rows: n }, { rows }] = await Promise.all([
      this.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM cases c ${where}`, params),
      this.db.query<DbRow>(`${SELECT} ${where} ORDER BY c.status, c.disease_area, c.id LIMIT ${page.limit} OFFSET ${page.offset}`, params),
    ]);
    return { total: n[0]?.n ?? 0, items: rows.map(toCase) };
  }

  /** Every case of the given statuses (the similar-case index is built from these). */
  async all(statuses: Array<Case['status']>): Promise<Case[]> {
    const { rows } = await this.db.query<DbRow>(`${SELECT} WHERE c.status = ANY($1) ORDER BY c.id`, [statuses]);
    return rows.map(toCase);
  }

  /** The encrypted patient identifier and its blind index, when the case has one. */
  async patientOf(id: string): Promise<{ ref: string; key: string | null } | null> {
    const { rows } = await this.db.query<{ patient_ref: string | null; patient_key: string | null }>('SELECT patient_ref, patient_key FROM cases WHERE id = $1', [id]);
    return rows[0]?.patient_ref ? { ref: rows[0].patient_ref, key: rows[0].patient_key } : null;
  }

  /** Cases stored with a patient identifier before the blind index existed (088): the service fills their key in. */
  async unkeyedPatients(): Promise<Array<{ id: string; ref: string }>> {
    const { rows } = await this.db.query<{ id: string; patient_ref: string }>('SELECT id, patient_ref FROM cases WHERE patient_ref IS NOT NULL AND patient_key IS NULL');
    return rows.map((r) => ({ id: r.id, ref: r.patient_ref }));
  }

  async setPatientKey(id: string, key: string): Promise<void> {
    await this.db.query('UPDATE cases SET patient_key = $2 WHERE id = $1', [id, key]);
  }

  /** A patient's cases of the given statuses (any of the keys: one per loaded master key, so rotation keeps the group). */
  async byPatient(keys: string[], statuses: Array<Case['status']>): Promise<Case[]> {
    const { rows } = await this.db.query<DbRow>(`${SELECT} WHERE c.patient_key = ANY($1) AND c.status = ANY($2) ORDER BY c.id`, [keys, statuses]);
    return rows.map(toCase);
  }

  /** Store an uploaded key image; the same picture on the same case again returns the stored one (`created: false`). */
  async addImage(tx: Queryable, caseId: string, img: { id: string; mime: string; bytes: Buffer; width: number; height: number; source: string; sha256: string; caption: string }, actor: string): Promise<{ id: string; created: boolean }> {
    const { rows } = await tx.query<{ id: string }>(
      `INSERT INTO case_images (id, case_id, mime, bytes, width, height, source, sha256, caption, created_by) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10)
       ON CONFLICT (case_id, sha256) DO NOTHING RETURNING id`,
      [img.id, caseId, img.mime, img.bytes, img.width, img.height, img.source, img.sha256, img.caption, actor],
    );
    if (rows[0]) return { id: rows[0].id, created: true };
    const known = await tx.query<{ id: string }>('SELECT id FROM case_images WHERE case_id = $1 AND sha256 = $2', [caseId, img.sha256]);
    return { id: known.rows[0].id, created: false };
  }

  async imageBytes(caseId: string, imageId: string): Promise<{ mime: string; bytes: Buffer } | null> {
    const { rows } = await this.db.query<{ mime: string; bytes: Uint8Array }>('SELECT mime, bytes FROM case_images WHERE case_id = $1 AND id = $2', [caseId, imageId]);
    return rows[0] ? { mime: rows[0].mime, bytes: Buffer.from(rows[0].bytes) } : null;
  }

  async deleteImage(tx: Queryable, caseId: string, imageId: string): Promise<boolean> {
    const { rows } = await tx.query<{ id: string }>('DELETE FROM case_images WHERE case_id = $1 AND id = $2 RETURNING id', [caseId, imageId]);
    return rows.length > 0;
  }

  /** Changes whenever a case is written, a key image is added or removed, or a supporting relation changes status. */
  async signature(): Promise<string> {
    const { rows } = await this.db.query<{ sig: string }>(`SELECT concat_ws('|', count(*), max(updated_at), sum(version),
      (SELECT concat_ws(':', count(*), max(created_at)) FROM case_images)) AS sig FROM cases`);
    return rows[0]?.sig ?? '';
  }
}
