import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initAuditChain } from '../audit/index.ts';
import { randomBytes } from 'node:crypto';
import { createLogger, Keyring, newId } from '../core/index.ts';
import { type GraphEvent, PgGraphStore } from '../graph/index.ts';
import { type Candidate, exportGraph, importGraph, signExport } from '../knowledge/index.ts';
import { GraphProjector } from '../knowledge/projector.ts';
import { RelationsRepository } from '../knowledge/relations.repository.ts';
import { csvField, cypherString } from '../knowledge/transfer/escape.ts';
import type { Runtime } from '../runtime/index.ts';
import { type Database, migrate, PgliteDatabase } from '../store/index.ts';
import { testRuntime } from './helpers/runtime.ts';

const LUAD = 'dis.lung_adenocarcinoma';
const GGN = 'sign.ground_glass_nodule';
const LOBULATION = 'sign.lobulation';
const SPICULATION = 'sign.spiculation';
const TB = 'dis.pulmonary_tuberculosis';
const RESECTION = 'treat.surgical_resection';

/** Hostile to every format: comma, double and single quote, backslash, newline. */
const TITLE_A = '肺结节诊治指南, "2024" 版\n附录';
const NEW_NAME = `晕征 "halo" \\ O'Neil`;
const NEW_EN = 'halo, sign';

/** Data builder: a ready source row (the transfer code never reads its pages or chunks). */
async function newSource(db: Database, s: { title: string; kind: string; version: string | null; year: number | null; publisher?: string }): Promise<string> {
  const id = newId('src');
  await db.query(
    `INSERT INTO sources (id, lineage_key, version_no, content_hash, kind, title, publisher, version, year, language, file_name, mime, byte_size, status, chunk_count)
     VALUES ($1, $1, 1, $1, $2, $3, $4, $5, $6, 'zh', 'x.md', 'text/markdown', 1, 'ready', 0)`,
    [id, s.kind, s.title, s.publisher ?? null, s.version, s.year],
  );
  return id;
}

type Side = { id: string | null; text: string };
let seq = 0;

/** Data builder: one candidate as an extractor would propose it. */
async function propose(rt: Runtime, sourceId: string, t: { s: Side; p: Candidate['predicate']; o: Side; page: number | null; quote: string; confidence?: number }): Promise<string> {
  const quoteStart = seq++ * 100;
  await rt.db.transaction((tx) =>
    rt.knowledge.candidates.insertMany(tx, [{
      subject: { text: t.s.text, entityId: t.s.id, type: null }, predicate: t.p, object: { text: t.o.text, entityId: t.o.id, type: null },
      certainty: 'present', qualifiers: {}, quote: t.quote, quoteStart, quoteEnd: quoteStart + t.quote.length, confidence: t.confidence ?? 0.9,
      sourceId, chunkId: null, page: t.page, extractor: 'rules', extractorVersion: 'rules-1.3',
    }]),
  );
  const { rows } = await rt.db.query<{ id: string }>('SELECT id FROM kg_candidates WHERE source_id = $1 AND quote_start = $2', [sourceId, quoteStart]);
  return rows[0].id;
}

/** An empty installation holding this test's key: migrated, its audit chain bound to the key (as at start). */
async function freshDatabase(): Promise<Database> {
  const db = await PgliteDatabase.open();
  await migrate(db);
  await initAuditChain(db, keyring);
  return db;
}

const TABLES = ['kg_entities', 'kg_aliases', 'kg_candidates', 'kg_relations', 'kg_evidence', 'kg_history', 'kg_outbox', 'sources', 'audit_log'];

async function rowCounts(db: Database): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const t of TABLES) out[t] = (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${t}`)).rows[0].n;
  return out;
}

/** What a relation states and on what evidence, independent of ids and timestamps. */
async function statements(db: Database): Promise<string[]> {
  const { items } = await new RelationsRepository(db).list({}, { limit: 1000, offset: 0 });
  return items
    .map((r) => JSON.stringify([r.subject.id, r.predicate, r.object.id, r.certainty, r.status, r.qualifiers, r.evidence.map((e) => [e.sourceTitle, e.page, e.quote]).sort()]))
    .sort();
}

/** Minimal RFC 4180 reader, to check what a spreadsheet would see. */
function readCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted && c === '"' && text[i + 1] === '"') {
      field += '"';
      i++;
    } else if (quoted && c === '"') {
      quoted = false;
    } else if (quoted) {
      field += c;
    } else if (c === '"') {
      quoted = true;
    } else if (c === ',' || (c === '\r' && text[i + 1] === '\n')) {
      row.push(field);
      field = '';
      if (c === '\r') {
        rows.push(row);
        row = [];
        i++;
      }
    } else {
      field += c;
    }
  }
  return rows;
}

/** The string literals of a Cypher statement, decoded; throws on an unterminated literal. */
function cypherLiterals(stmt: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < stmt.length; i++) {
    if (stmt[i] !== "'") continue;
    let s = '';
    for (i++; ; i++) {
      if (i >= stmt.length) throw new Error(`unterminated literal in ${stmt}`);
      const c = stmt[i];
      if (c === "'") break;
      if (c === '\n') throw new Error('raw newline inside a literal');
      if (c !== '\\') {
        s += c;
      } else if (stmt[i + 1] === 'u') {
        s += String.fromCharCode(Number.parseInt(stmt.slice(i + 2, i + 6), 16));
        i += 5;
      } else {
        s += stmt[i + 1];
        i++;
      }
    }
    out.push(s);
  }
  return out;
}

/** The file without its signature line (the lines the format defines). */
const body = (jsonl: string) => jsonl.replace(/\{"kind":"signature"[^\n]*\n$/, '');
const withoutTimestamp = (jsonl: string) => body(jsonl).replace(/"exportedAt":"[^"]*"/, '"exportedAt":"-"');
/** This installation's master key in these tests: its exports are signed, and it trusts them. */
const KEY = randomBytes(16).toString('hex');
const keyring = new Keyring(Buffer.from(KEY, 'hex'));

describe('graph export and import', () => {
  let rt: Runtime;
  let target: Database;
  let jsonl: string;
  let newEntityId: string;
  let retiredId: string;

  beforeAll(async () => {
    rt = await testRuntime({ YZ_AUTO_EXTRACT: 'off', YZ_MASTER_KEY: KEY });
    const a = await newSource(rt.db, { title: TITLE_A, kind: 'guideline', version: '2024版', year: 2024, publisher: '中华医学会放射学分会' });
    const b = await newSource(rt.db, { title: '胸部影像诊断学', kind: 'textbook', version: '第2版', year: 2019 });
    const review = rt.knowledge.review;
    const s = (id: string, text: string): Side => ({ id, text });
    // Two sources agree on one relation.
    await review.approve(await propose(rt, a, { s: s(LUAD, '肺腺癌'), p: 'has_sign', o: s(GGN, '磨玻璃结节'), page: 3, quote: '肺腺癌常表现为磨玻璃结节。' }), { actor: 'dr.li' });
    await review.approve(await propose(rt, b, { s: s(LUAD, '肺腺癌'), p: 'has_sign', o: s(GGN, 'GGN'), page: 12, quote: 'GGN, "mixed"\n多见于腺癌' }), { actor: 'dr.wang' });
    // Edited before approval.
    await review.approve(await propose(rt, b, { s: s(LUAD, '肺腺癌'), p: 'has_sign', o: s(LOBULATION, '分叶征'), page: 5, quote: '肺腺癌可见分叶征。' }), {
      actor: 'dr.li', edit: { certainty: 'possible', qualifiers: { modality: 'CT' } },
    });
    // Approved, then retired.
    const retired = await review.approve(await propose(rt, a, { s: s(TB, '肺结核'), p: 'has_sign', o: s(SPICULATION, '毛刺征'), page: 7, quote: '肺结核偶见毛刺征。' }), { actor: 'dr.li' });
    retiredId = retired.relationId as string;
    await review.retire(retiredId, { actor: 'dr.li', reason: 'superseded by the 2025 guideline' });
    // A reviewer-created entity with aliases.
    const created = await review.approve(await propose(rt, a, { s: s(LUAD, '肺腺癌'), p: 'has_sign', o: { id: null, text: '晕征' }, page: 9, quote: '部分肺腺癌可见晕征。' }), {
      actor: 'dr.wang', edit: { objectNew: { type: 'Sign', nameZh: NEW_NAME, nameEn: NEW_EN, aliases: ['CT halo', 'halo\nsign'] } },
    });
    newEntityId = (await rt.knowledge.relations.get(created.relationId as string))?.object.id as string;
    // No page, full confidence.
    await review.approve(await propose(rt, a, { s: s(LUAD, '肺腺癌'), p: 'treated_by', o: s(RESECTION, '手术切除'), page: null, quote: '早期肺腺癌首选手术切除。', confidence: 1 }), { actor: 'dr.li' });
    jsonl = await exportGraph(rt.db, 'jsonl', { actor: 'dr.export', keyring });
    target = await freshDatabase();
  });

  afterAll(async () => {
    await target?.close();
    await rt?.close();
  });

  it('exports a header, the entities and the relations, sorted, with evidence and provenance, and signs the file', async () => {
    const all = jsonl.trimEnd().split('\n').map((l) => JSON.parse(l));
    expect(all.at(-1)).toEqual({ kind: 'signature', alg: 'HMAC-SM3', keyId: keyring.activeKeyId, mac: expect.stringMatching(/^[0-9a-f]{64}$/) });
    const lines = all.slice(0, -1);
    expect(lines[0]).toMatchObject({ kind: 'header', format: 'yingzhi-kg', version: 1, counts: { entities: 7, relations: 5, evidence: 6 } });
    const entities = lines.filter((l) => l.kind === 'entity');
    const relations = lines.filter((l) => l.kind === 'relation');
    expect(entities.map((e) => e.id)).toEqual([...entities.map((e) => e.id)].sort());
    expect(entities.map((e) => e.id)).toEqual(expect.arrayContaining([LUAD, GGN, LOBULATION, TB, SPICULATION, RESECTION, newEntityId]));
    expect(entities.map((e) => e.id)).not.toContain('dis.nsclc'); // lexicon-only, no relation
    expect(entities.find((e) => e.id === newEntityId)).toEqual({
      kind: 'entity', id: newEntityId, type: 'Sign', nameZh: NEW_NAME, nameEn: NEW_EN, codes: {}, definition: null,
      aliases: [{ surface: NEW_EN, kind: 'name' }, { surface: NEW_NAME, kind: 'name' }, { surface: 'CT halo', kind: 'alias' }, { surface: 'halo\nsign', kind: 'alias' }],
    });
    expect(entities.find((e) => e.id === LUAD)).toMatchObject({ type: 'Disease', nameZh: '肺腺癌', codes: { icd10: 'C34.9' } });
    expect(relations.map((r) => r.id)).toEqual([...relations.map((r) => r.id)].sort());
    const ggn = relations.find((r) => r.objectId === GGN);
    expect(ggn.evidence).toEqual([
      { source: { title: TITLE_A, version: '2024版', year: 2024, kind: 'guideline', publisher: '中华医学会放射学分会' }, page: 3, quote: '肺腺癌常表现为磨玻璃结节。', extractor: 'rules', extractorVersion: 'rules-1.3' },
      { source: { title: '胸部影像诊断学', version: '第2版', year: 2019, kind: 'textbook', publisher: null }, page: 12, quote: 'GGN, "mixed"\n多见于腺癌', extractor: 'rules', extractorVersion: 'rules-1.3' },
    ]);
    expect(relations.find((r) => r.objectId === LOBULATION)).toMatchObject({ certainty: 'possible', qualifiers: { modality: 'CT' }, status: 'active' });
    expect(relations.find((r) => r.id === retiredId)).toMatchObject({ status: 'retired', retiredReason: 'superseded by the 2025 guideline', demo: false });
    const { rows } = await rt.db.query<{ details: { format: string; counts: Record<string, number> } }>("SELECT details FROM audit_log WHERE action = 'data.export' AND actor = 'dr.export'");
    expect(rows[0].details).toEqual({ format: 'jsonl', counts: { entities: 7, relations: 5, evidence: 6 }, signed: true });
  });

  it('signed round trip: import into an empty database holding the key, export again — the same file but for the timestamp', async () => {
    expect(await importGraph(target, jsonl, { actor: 'dr.import', keyring })).toEqual({ entities: 7, relations: 5, skipped: 0, candidates: 0, signature: 'valid', sourceId: null });
    const again = await exportGraph(target, 'jsonl', { actor: 'dr.export', keyring });
    expect(withoutTimestamp(again)).toBe(withoutTimestamp(jsonl));
    expect(await statements(target)).toEqual(await statements(rt.db));

    const { rows: cands } = await target.query<{ extractor: string; status: string; tags: string[]; reviewed_by: string }>('SELECT extractor, status, tags, reviewed_by FROM kg_candidates');
    expect(cands).toHaveLength(6);
    for (const c of cands) expect(c).toEqual({ extractor: 'import', status: 'approved', tags: ['extractor:rules'], reviewed_by: 'dr.import' });
    const { rows: sources } = await target.query<{ title: string; mime: string; status: string; lineage_key: string }>('SELECT title, mime, status, lineage_key FROM sources ORDER BY title');
    expect(sources.map((s) => s.title).sort()).toEqual([TITLE_A, '胸部影像诊断学'].sort());
    for (const s of sources) expect(s).toMatchObject({ mime: 'application/x-yingzhi-import', status: 'ready', lineage_key: expect.stringMatching(/^import:[0-9a-f]{64}$/) });
    const { rows: history } = await target.query<{ n: number }>("SELECT count(*)::int AS n FROM kg_history WHERE action = 'imported' AND actor = 'dr.import'");
    expect(history[0].n).toBe(7 + 5);
    const { rows: origins } = await target.query<{ origin: string }>('SELECT DISTINCT origin FROM kg_entities');
    expect(origins).toEqual([{ origin: 'import' }]);
    const { rows: audit } = await target.query<{ details: Record<string, unknown> }>("SELECT details FROM audit_log WHERE action = 'data.import'");
    expect(audit[0].details).toMatchObject({ signature: 'valid', entities: 7, relations: 5, skipped: 0, evidence: 6, sourcesCreated: 2 });
  });

  it('writes outbox events the graph store follows, in the shapes review writes', async () => {
    const { rows } = await target.query<{ event: GraphEvent }>('SELECT event FROM kg_outbox ORDER BY seq');
    const events = rows.map((r) => r.event);
    expect(events.filter((e) => e.type === 'entity.upsert')).toHaveLength(7);
    const upserts = events.filter((e) => e.type === 'relation.upsert');
    expect(upserts).toHaveLength(4); // the retired relation never reaches a graph
    expect(upserts.map((e) => e.relation.id)).not.toContain(retiredId);
    const relations = new RelationsRepository(target);
    for (const e of upserts) expect(e.relation).toEqual(await relations.snapshot(target, e.relation.id));
    expect(events.findIndex((e) => e.type === 'relation.upsert')).toBeGreaterThan(events.findLastIndex((e) => e.type === 'entity.upsert'));

    const store = new PgGraphStore(target);
    await new GraphProjector(target, store, createLogger('silent')).catchUp();
    const hood = await store.neighbours(LUAD, { depth: 1 });
    expect(hood.edges.map((e) => e.objectId).sort()).toEqual([GGN, LOBULATION, RESECTION, newEntityId].sort());
    expect(hood.nodes.find((n) => n.id === newEntityId)).toMatchObject({ nameZh: NEW_NAME, aliases: ['CT halo', 'halo\nsign'] });
  });

  it('re-importing the same file skips everything and writes nothing but the audit entry', async () => {
    const before = await rowCounts(target);
    expect(await importGraph(target, jsonl, { actor: 'dr.import', keyring })).toMatchObject({ entities: 0, relations: 0, skipped: 12, signature: 'valid' });
    expect(await rowCounts(target)).toEqual({ ...before, audit_log: before.audit_log + 1 });
  });

  it('a signed file altered after export is refused, and nothing is written', async () => {
    const tampered = jsonl.replace('肺腺癌常表现为磨玻璃结节。', '肺腺癌从不表现为磨玻璃结节。');
    expect(tampered).not.toBe(jsonl);
    const fresh = await freshDatabase();
    try {
      const before = await rowCounts(fresh);
      for (const file of [tampered, jsonl.replace(/"mac":"[0-9a-f]{4}/, '"mac":"0000'), jsonl.replace(/\{"kind":"signature".*\n$/, '{"kind":"signature","alg":"none"}\n')]) {
        const err = await importGraph(fresh, file, { actor: 'mallory', keyring }).catch((e) => e);
        expect(err).toMatchObject({ code: 'IMPORT_SIGNATURE_INVALID', status: 422, field: 'signature' });
      }
      expect(await rowCounts(fresh)).toEqual(before);
    } finally {
      await fresh.close();
    }
  });

  it('an unsigned (or foreign-signed) import creates only pending candidates cited to the file, and chat cannot cite them', async () => {
    // Another installation: its own key, the lexicon's entities, nothing reviewed.
    const other = await testRuntime({ YZ_AUTO_EXTRACT: 'off', YZ_MASTER_KEY: randomBytes(16).toString('hex') });
    try {
      const before = await rowCounts(other.db);
      const forged = body(jsonl); // the same facts, without (or with a stripped) signature
      const result = await importGraph(other.db, forged, { actor: 'dr.import', keyring: other.keyring, fileName: 'kg-from-elsewhere.jsonl' });
      // 4 active relations carry 5 evidence items; the retired one and all 7 entity lines are skipped.
      expect(result).toEqual({ entities: 0, relations: 0, skipped: 8, candidates: 5, signature: 'unsigned', sourceId: expect.any(String) });
      const after = await rowCounts(other.db);
      expect(after).toEqual({ ...before, kg_candidates: before.kg_candidates + 5, sources: before.sources + 1, audit_log: before.audit_log + 1 });

      const { rows: cands } = await other.db.query<{ status: string; extractor: string; tags: string[]; source_id: string; subject_id: string | null; object_id: string | null; object_text: string; quote: string; page: number | null }>(
        'SELECT status, extractor, tags, source_id, subject_id, object_id, object_text, quote, page FROM kg_candidates',
      );
      for (const c of cands) expect(c).toMatchObject({ status: 'pending', extractor: 'import', source_id: result.sourceId, page: null, tags: expect.arrayContaining(['import:unsigned']) });
      expect(cands.every((c) => c.subject_id === LUAD)).toBe(true); // known here: linked
      expect(cands.find((c) => c.object_text === NEW_NAME)?.object_id).toBeNull(); // defined only by the file: left to resolve
      const ggn = cands.find((c) => c.quote.startsWith('肺腺癌常表现为磨玻璃结节。')) as { quote: string };
      expect(ggn.quote).toContain(`claimed by the import file, unverified: ${TITLE_A} · 2024版 · 2024 · p.3`);
      const { rows: src } = await other.db.query<{ title: string; kind: string; file_name: string; chunk_count: number; n: number }>(
        'SELECT s.title, s.kind, s.file_name, s.chunk_count, octet_length(f.bytes)::int AS n FROM sources s JOIN source_files f ON f.source_id = s.id WHERE s.id = $1',
        [result.sourceId],
      );
      expect(src[0]).toEqual({ title: '未签名的图谱导入文件 / Unsigned graph import: kg-from-elsewhere.jsonl', kind: 'other', file_name: 'kg-from-elsewhere.jsonl', chunk_count: 0, n: Buffer.byteLength(forged) });
      const { rows: audit } = await other.db.query<{ details: Record<string, unknown> }>("SELECT details FROM audit_log WHERE action = 'data.import'");
      expect(audit[0].details).toMatchObject({ signature: 'unsigned', queuedForReview: true, candidates: 5, skipped: 8, sourceId: result.sourceId });

      // Nothing reached the graph, so a question about it finds no approved relation and never cites the file's claims.
      await other.knowledge.projector.catchUp();
      expect((await other.knowledge.graph.neighbours(LUAD, { depth: 1 })).edges).toEqual([]);
      const events: unknown[] = [];
      const answer = await other.chat.ask({ message: '肺腺癌有哪些影像征象？', actor: 'resident' }, (e) => events.push(e));
      const said = JSON.stringify({ answer, events });
      for (const claim of ['肺腺癌常表现为磨玻璃结节', TITLE_A.slice(0, 8), String(result.sourceId), '晕征']) expect(said).not.toContain(claim);

      // The same file again adds nothing; the file signed by another installation's key is reviewed the same way.
      expect(await importGraph(other.db, forged, { actor: 'dr.import', keyring: other.keyring })).toMatchObject({ candidates: 0, sourceId: result.sourceId });
      const foreign = await importGraph(other.db, jsonl, { actor: 'dr.import', keyring: other.keyring, fileName: 'signed-elsewhere.jsonl' });
      expect(foreign).toMatchObject({ signature: 'foreign', relations: 0, candidates: 5 });
      expect((await other.db.query<{ n: number }>('SELECT count(*)::int AS n FROM kg_relations')).rows[0].n).toBe(0);
    } finally {
      await other.close();
    }
  });

  it('reports every bad line by number and writes nothing', async () => {
    const [header, ...rest] = body(jsonl).trimEnd().split('\n');
    const entity = rest.find((l) => l.includes(`"id":"${LUAD}"`)) as string;
    const relation = JSON.parse(rest.find((l) => l.includes(`"objectId":"${GGN}"`)) as string);
    const bad = [
      header,
      entity,
      '{"kind":"entity","id":"x.broken",', // line 3: not JSON
      rest.find((l) => l.includes(`"id":"${GGN}"`)),
      JSON.stringify({ ...relation, id: 'rel_unknown_predicate', predicate: 'causes' }), // line 5
      JSON.stringify({ ...relation, id: 'rel_dangling', objectId: 'dis.nope' }), // line 6
      JSON.stringify({ ...relation, id: 'rel_misfit', subjectId: GGN, objectId: LUAD }), // line 7: a Sign cannot have a sign
      JSON.stringify({ ...relation, id: 'rel_dangling' }), // line 8: duplicate id
      JSON.stringify({ kind: 'relation', id: 'rel_bad_year', subjectId: LUAD, predicate: 'has_sign', objectId: GGN, certainty: 'present', confidence: 2, status: 'active', evidence: [{ source: { title: 't', kind: 'guideline', year: 1800 }, quote: 'q', extractor: 'rules', extractorVersion: '1' }] }),
    ].join('\n');
    for (const db of [rt.db, target]) {
      const before = await rowCounts(db);
      const err = await importGraph(db, bad, { actor: 'dr.import', keyring }).catch((e) => e);
      expect(err).toMatchObject({ code: 'IMPORT_INVALID', status: 400, field: 'line' });
      expect(err.message).toContain('第 3 行');
      expect(err.message).toContain('line 3');
      const errors = err.details.errors as { line: number; field: string; message: string }[];
      expect(errors.map((e) => [e.line, e.field])).toEqual([
        [3, 'json'],
        [5, 'predicate'],
        [6, 'objectId'],
        [7, 'subjectId'],
        [8, 'id'],
        [9, 'confidence'],
        [9, 'evidence.0.source.year'],
      ]);
      expect(errors[2].message).toContain('dis.nope');
      expect(err.details.errorCount).toBe(7);
      expect(await rowCounts(db)).toEqual(before);
    }
  });

  it('refuses a file without a proper header, or cut short', async () => {
    const lines = body(jsonl).trimEnd().split('\n');
    const v2 = [lines[0].replace('"version":1', '"version":2'), ...lines.slice(1)].join('\n');
    await expect(importGraph(target, v2, { actor: 'x' })).rejects.toMatchObject({ code: 'IMPORT_INVALID', details: { errors: [{ line: 1, field: 'version' }] } });
    const headless = lines.slice(1).join('\n');
    await expect(importGraph(target, headless, { actor: 'x' })).rejects.toMatchObject({ details: { errors: [{ line: 1, field: 'kind' }] } });
    const cut = lines.slice(0, -1).join('\n');
    await expect(importGraph(target, cut, { actor: 'x' })).rejects.toMatchObject({ details: { errors: [{ line: 1, field: 'counts.relations' }, { line: 1, field: 'counts.evidence' }] } });
    await expect(importGraph(target, '\n \n', { actor: 'x' })).rejects.toMatchObject({ details: { errors: [{ line: 1, message: expect.stringContaining('empty') }] } });
  });

  it('a relation may name entities only the database holds; an active statement already held is skipped', async () => {
    const header = JSON.parse(jsonl.split('\n')[0]);
    const rel = (id: string, objectId: string) => ({ kind: 'relation', id, subjectId: LUAD, predicate: 'has_sign', objectId, certainty: 'present', qualifiers: {}, confidence: 0.7, status: 'active', retiredReason: null, demo: false, evidence: [{ source: { title: '新指南', version: null, year: 2025, kind: 'guideline', publisher: null }, page: 1, quote: '引文。', extractor: 'llm', extractorVersion: 'qwen' }] });
    const file = [
      JSON.stringify({ ...header, counts: { entities: 0, relations: 2, evidence: 2 } }),
      JSON.stringify(rel('rel_new_spiculation', SPICULATION)),
      JSON.stringify(rel('rel_same_statement_as_ggn', GGN)),
    ].join('\n');
    expect(await importGraph(target, signExport(`${file}\n`, keyring), { actor: 'dr.import', keyring })).toMatchObject({ entities: 0, relations: 1, skipped: 1 });
    const out = await exportGraph(target, 'jsonl', { actor: 'dr.export' });
    expect(out).toContain('"id":"rel_new_spiculation"');
    expect(out).not.toContain('rel_same_statement_as_ggn');
    expect(out).toContain('"extractor":"llm","extractorVersion":"qwen"');
  });

  it('CSV: fields with commas, quotes and newlines survive; formulas are defused', async () => {
    const nodes = await exportGraph(rt.db, 'csv-nodes', { actor: 'dr.export' });
    expect(nodes.startsWith('\uFEFFid,type,name_zh,name_en,aliases,codes\r\n')).toBe(true);
    const nodeRows = readCsv(nodes.slice(1));
    expect(nodeRows).toHaveLength(1 + 7);
    expect(nodeRows.every((r) => r.length === 6)).toBe(true);
    expect(nodeRows.find((r) => r[0] === newEntityId)).toEqual([newEntityId, 'Sign', NEW_NAME, NEW_EN, 'CT halo|halo\nsign', '{}']);
    expect(nodeRows.find((r) => r[0] === LUAD)?.[5]).toBe('{"icd10":"C34.9"}');

    const edges = await exportGraph(rt.db, 'csv-edges', { actor: 'dr.export' });
    const edgeRows = readCsv(edges.slice(1));
    expect(edgeRows[0]).toEqual(['id', 'subject_id', 'predicate', 'object_id', 'certainty', 'confidence', 'status', 'source_titles']);
    expect(edgeRows).toHaveLength(1 + 5);
    const ggn = edgeRows.find((r) => r[3] === GGN) as string[];
    expect(ggn.slice(1, 7)).toEqual([LUAD, 'has_sign', GGN, 'present', '0.9', 'active']);
    expect(ggn[7]).toBe(`${TITLE_A}|胸部影像诊断学`);
    expect(edgeRows.find((r) => r[0] === retiredId)?.[6]).toBe('retired');

    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
    expect(csvField('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`);
    expect(csvField('-1+1')).toBe("'-1+1");
    expect(csvField(-0.5)).toBe('-0.5');
    expect(csvField(null)).toBe('');
  });

  it('Cypher: one statement per line, string literals escaped, only what the graph shows', async () => {
    expect(cypherString(`O'Neil \\ "x"\nnext`)).toBe(`'O\\'Neil \\\\ "x"\\u000anext'`);
    const script = await exportGraph(rt.db, 'cypher', { actor: 'dr.export' });
    const lines = script.trimEnd().split('\n');
    for (const l of lines) expect(l.startsWith('//') || l.endsWith(';')).toBe(true);
    const statementsOnly = lines.filter((l) => !l.startsWith('//'));
    expect(statementsOnly.filter((l) => l.startsWith('MERGE (n:Entity'))).toHaveLength(7);
    expect(statementsOnly.filter((l) => l.startsWith('MATCH'))).toHaveLength(4);
    expect(script).not.toContain(retiredId);
    const halo = statementsOnly.find((l) => l.includes(newEntityId) && l.startsWith('MERGE')) as string;
    expect(halo).toContain('SET n:Sign,');
    // Decoding the literals gives back exactly the stored values: nothing ended a literal early.
    expect(cypherLiterals(halo)).toEqual([newEntityId, 'Sign', NEW_NAME, NEW_EN, 'CT halo', 'halo\nsign', '{}']);
    const ggnEdge = statementsOnly.find((l) => l.startsWith('MATCH') && l.includes(`{id: '${GGN}'}`)) as string;
    expect(ggnEdge).toContain('-[r:HAS_SIGN {id:');
    const evidence = JSON.parse(cypherLiterals(ggnEdge).at(-1) as string);
    expect(evidence.map((e: { quote: string }) => e.quote)).toEqual(['肺腺癌常表现为磨玻璃结节。', 'GGN, "mixed"\n多见于腺癌']);
    expect(statementsOnly.find((l) => l.includes(`{id: '${RESECTION}'}`) && l.startsWith('MATCH'))).toContain('r.confidence = 1.0,');
    for (const l of statementsOnly) expect(() => cypherLiterals(l)).not.toThrow();
  });

  it('a relation still naming a merged entity is exported with the entity it was merged into, so the file stays self-contained', async () => {
    await rt.knowledge.merges.mergeEntity(SPICULATION, LOBULATION, { actor: 'dr.li' });
    const out = await exportGraph(rt.db, 'jsonl', { actor: 'dr.export', keyring });
    const lines = body(out).trimEnd().split('\n').map((l) => JSON.parse(l));
    expect(lines.find((l) => l.id === retiredId)).toMatchObject({ subjectId: TB, objectId: LOBULATION, status: 'retired' });
    expect(lines.map((l) => l.id)).not.toContain(SPICULATION);
    expect(lines.find((l) => l.id === LOBULATION).aliases).toContainEqual({ surface: '毛刺征', kind: 'merged' });
    const fresh = await freshDatabase();
    try {
      expect(await importGraph(fresh, out, { actor: 'dr.import', keyring })).toMatchObject({ entities: 6, relations: 5, skipped: 0, signature: 'valid' });
    } finally {
      await fresh.close();
    }
  });
});
