import { AuditLog } from '../../audit/index.ts';
import { AppError, isAppError, type Keyring, newId, sha256Hex, surfaceKey } from '../../core/index.ts';
import type { GraphEvent, GraphRelation } from '../../graph/index.ts';
import type { Database, Queryable } from '../../store/index.ts';
import { EntitiesRepository, toGraphEntity } from '../entities.repository.ts';
import { assertTypesFit } from '../predicates.ts';
import { appendOutbox } from '../relations.repository.ts';
import { compareText, type EntityLine, PROVENANCE_TAG, type RelationLine, sourceIdentity } from './format.ts';
import {
  activeStatements, entitiesByIds, existingRelationIds, findOrCreateSource, insertAliases, insertCandidates, insertEntities, insertEvidence,
  insertHistory, insertRelations, type NewAliasRow, type NewCandidateRow, type NewEvidenceRow, statementKey,
} from './transfer.repository.ts';
import { queueForReview } from './import-review.ts';
import { type SignatureStatus, verifyExport } from './signature.ts';
import { type ImportError, type Numbered, type ParsedFile, parseFile } from './validate.ts';

export interface ImportResult {
  /** Entities created (signed imports only). */
  entities: number;
  /** Approved relations created (signed imports only). */
  relations: number;
  /** Lines left as they are: already present (same id, or the same active statement), or not reviewable (retired). */
  skipped: number;
  /** Pending candidates queued for expert review (imports not signed by this installation). */
  candidates: number;
  /** `valid`: signed by this installation's export key and intact; `unsigned` or `foreign`: reviewed like any extraction. */
  signature: SignatureStatus;
  /** The source standing for an unsigned file, cited as its candidates' evidence; null for a signed import. */
  sourceId: string | null;
}

export interface ImportOptions {
  actor: string;
  /** This installation's keys: a file signed with one of them is trusted. Null or absent: every file is reviewed. */
  keyring?: Keyring | null;
  /** The uploaded file's name (shown on the source an unsigned import creates). */
  fileName?: string;
}

/** The error body lists at most this many problems (with the total); the message names the first. */
const MAX_REPORTED_ERRORS = 1000;

interface Endpoint {
  id: string;
  type: string;
  nameZh: string;
  /** The entity exists in this database (not only in the file). */
  local: boolean;
}

export interface PlannedRelation extends Numbered<RelationLine> {
  subject: Endpoint;
  object: Endpoint;
}

export interface ImportPlan {
  newEntities: EntityLine[];
  relations: PlannedRelation[];
  skipped: number;
}

/**
 * Import a JSON-lines export (see format.ts). First the signature (signature.ts): a file signed by this
 * installation's export key and intact is trusted; one signed by us but altered is refused
 * (IMPORT_SIGNATURE_INVALID); any other file — unsigned, or signed elsewhere — is not trusted: its facts
 * become pending candidates in the review queue, cited to a source standing for the file itself
 * (import-review.ts), and reach neither the graph nor chat until an expert approves them.
 *
 * Then every line is validated — JSON, schema, header
 * first with the right format and version, entity types and predicates from the closed lists,
 * duplicate ids, relation endpoints present in the file or the database, predicate domain and range,
 * header counts — and every problem is collected; if there is any, IMPORT_INVALID lists them by line
 * (`details.errors`) and nothing is written. Otherwise one transaction writes, for a trusted file:
 *  - entities not yet known, with origin `import`, and their aliases (an entity id that exists is left
 *    as it is, aliases included);
 *  - one placeholder source per distinct evidence source (title, version, year), or the existing one;
 *  - relations under their original ids; a relation whose id exists, or whose active statement
 *    (subject, predicate, object) another relation already holds, is skipped. An endpoint merged away
 *    in this database is replaced by the entity it was merged into, as a merge does to active relations;
 *  - per evidence item an approved candidate (extractor `import`, reviewed by the importer) and its
 *    evidence row; history rows (`imported`); outbox events so graph stores follow; a `data.import` audit entry.
 */
export async function importGraph(db: Database, text: string, opts: ImportOptions): Promise<ImportResult> {
  const { body, status } = verifyExport(text, opts.keyring ?? null);
  const errors: ImportError[] = [];
  const file = parseFile(body, errors);
  const entities = new EntitiesRepository(db);
  return db.transaction(async (tx) => {
    // Checked in the writing transaction; a statement approved concurrently still cannot be doubled (unique active index).
    const plan = await checkAgainstDatabase(tx, entities, file, errors);
    if (errors.length) throw importInvalid(errors);
    if (status !== 'valid') return queueForReview(tx, file, plan, { actor: opts.actor, text, fileName: opts.fileName ?? 'graph-import.jsonl', signature: status });
    return { ...(await write(tx, entities, file, plan, opts.actor)), candidates: 0, signature: status, sourceId: null };
  });
}

async function checkAgainstDatabase(
  tx: Queryable,
  entities: EntitiesRepository,
  file: ParsedFile,
  errors: ImportError[],
): Promise<ImportPlan> {
  const ids = new Set([...file.entities.keys(), ...file.relations.flatMap((r) => [r.value.subjectId, r.value.objectId])]);
  const known = await entitiesByIds(tx, [...ids]);
  // Endpoints merged away here stand for their canonical entity, as for every active relation after a merge.
  const canonicalOf = new Map<string, string>();
  for (const e of known.values()) if (e.merged_into) canonicalOf.set(e.id, await entities.canonicalId(e.id, tx));
  const missing = [...new Set(canonicalOf.values())].filter((id) => !known.has(id));
  for (const [id, e] of await entitiesByIds(tx, missing)) known.set(id, e);

  const endpoint = (id: string): Endpoint | 'broken' | null => {
    const here = known.get(canonicalOf.get(id) ?? id);
    if (here) return { id: here.id, type: here.type, nameZh: here.name_zh, local: true };
    const inFile = file.entities.get(id);
    if (inFile) return { id, type: inFile.value.type, nameZh: inFile.value.nameZh, local: false };
    return file.brokenEntityIds.has(id) ? 'broken' : null;
  };
  const checked: PlannedRelation[] = [];
  for (const r of file.relations) {
    const err = (field: string, message: string) => errors.push({ line: r.line, field, message });
    const subject = endpoint(r.value.subjectId);
    const object = endpoint(r.value.objectId);
    for (const [field, side, id] of [['subjectId', subject, r.value.subjectId], ['objectId', object, r.value.objectId]] as const) {
      if (side === null) err(field, `实体 ${id} 既不在文件中也不在数据库中 / entity ${id} is neither in this file nor in the database`);
    }
    if (!subject || !object || subject === 'broken' || object === 'broken') continue;
    try {
      assertTypesFit(r.value.predicate, subject, object);
    } catch (e) {
      if (!isAppError(e)) throw e;
      err(e.field ?? 'predicate', e.message);
      continue;
    }
    if (r.value.status === 'active' && subject.id === object.id) {
      err('objectId', '主语和宾语是同一实体 / subject and object are the same entity');
      continue;
    }
    checked.push({ ...r, subject, object });
  }

  const existingIds = await existingRelationIds(tx, checked.map((r) => r.value.id));
  const activeInFile = new Map<string, number>();
  for (const r of checked) {
    if (r.value.status !== 'active') continue;
    const key = statementKey(r.subject.id, r.value.predicate, r.object.id);
    const other = activeInFile.get(key);
    if (other !== undefined) {
      errors.push({ line: r.line, field: 'objectId', message: `第 ${other} 行已有相同的有效关系 / line ${other} already states the same active relation` });
    } else activeInFile.set(key, r.line);
  }
  const fresh = checked.filter((r) => !existingIds.has(r.value.id));
  const held = await activeStatements(tx, fresh.filter((r) => r.value.status === 'active').map((r) => ({ s: r.subject.id, p: r.value.predicate, o: r.object.id })));
  const relations = fresh.filter((r) => r.value.status !== 'active' || !held.has(statementKey(r.subject.id, r.value.predicate, r.object.id)));
  const newEntities = [...file.entities.values()].filter((e) => !known.has(e.value.id)).map((e) => e.value);
  const skipped = file.entities.size - newEntities.length + file.relations.length - relations.length;
  return { newEntities, relations, skipped };
}

function importInvalid(errors: ImportError[]): AppError {
  errors.sort((a, b) => a.line - b.line);
  const first = errors[0];
  return new AppError(
    'IMPORT_INVALID',
    `导入文件有 ${errors.length} 处错误，未写入任何数据；第 ${first.line} 行（${first.field}）：${first.message} / ` +
      `import rejected, nothing written: ${errors.length} error(s), first on line ${first.line}`,
    { field: 'line', details: { errors: errors.slice(0, MAX_REPORTED_ERRORS), errorCount: errors.length } },
  );
}

async function write(tx: Queryable, entities: EntitiesRepository, file: ParsedFile, plan: ImportPlan, actor: string): Promise<Pick<ImportResult, 'entities' | 'relations' | 'skipped'>> {
  const { newEntities, relations } = plan;
  await insertEntities(tx, newEntities.map((e) => ({ id: e.id, type: e.type, name_zh: e.nameZh, name_en: e.nameEn, codes: e.codes, definition: e.definition })));
  await insertAliases(tx, newEntities.flatMap(aliasRows));

  const sources = new Map<string, string>();
  let sourcesCreated = 0;
  for (const ev of relations.flatMap((r) => r.value.evidence)) {
    const key = sourceIdentity(ev.source);
    if (sources.has(key)) continue;
    const s = await findOrCreateSource(tx, ev.source);
    sources.set(key, s.id);
    if (s.created) sourcesCreated++;
  }

  const stored = await insertRelations(tx, relations.map((r) => ({
    id: r.value.id, subject_id: r.subject.id, predicate: r.value.predicate, object_id: r.object.id, certainty: r.value.certainty,
    qualifiers: r.value.qualifiers, confidence: r.value.confidence, status: r.value.status, retired_reason: r.value.retiredReason, demo: r.value.demo,
  })));
  // Candidate ids share a prefix and count up, so evidence keeps the file's order wherever it is listed by candidate id.
  const idBase = newId('cand');
  const candidates: NewCandidateRow[] = [];
  const evidence: NewEvidenceRow[] = [];
  for (const r of relations) {
    r.value.evidence.forEach((ev, i) => {
      const id = `${idBase}${String(candidates.length).padStart(7, '0')}`;
      const sourceId = sources.get(sourceIdentity(ev.source)) as string;
      candidates.push({
        id, fingerprint: sha256Hex(['import', r.value.id, i, sourceIdentity(ev.source), ev.page, ev.quote].join('\u0001')),
        subject_text: r.subject.nameZh, subject_id: r.subject.id, predicate: r.value.predicate, object_text: r.object.nameZh, object_id: r.object.id,
        certainty: r.value.certainty, qualifiers: r.value.qualifiers, source_id: sourceId, page: ev.page, quote: ev.quote,
        extractor_version: ev.extractorVersion, confidence: r.value.confidence, tags: [`${PROVENANCE_TAG}${ev.extractor}`],
        relation_id: r.value.id, reviewed_by: actor, demo: r.value.demo,
      });
      evidence.push({ relation_id: r.value.id, candidate_id: id, source_id: sourceId, page: ev.page, quote: ev.quote });
    });
  }
  await insertCandidates(tx, candidates);
  await insertEvidence(tx, evidence);
  await insertHistory(tx, [
    ...newEntities.map((e) => ({ relation_id: null, entity_id: e.id, action: 'imported', actor, after: { type: e.type, nameZh: e.nameZh } })),
    ...relations.map((r) => ({
      relation_id: r.value.id, entity_id: null, action: 'imported', actor,
      after: { subjectId: r.subject.id, predicate: r.value.predicate, objectId: r.object.id, certainty: r.value.certainty, status: r.value.status },
    })),
  ]);

  await appendOutbox(tx, await graphEvents(tx, entities, newEntities, relations, stored, sources));
  const result = { entities: newEntities.length, relations: relations.length, skipped: plan.skipped };
  await new AuditLog().append(tx, {
    actor, action: 'data.import', target: null,
    details: { ...result, signature: 'valid', evidence: evidence.length, sourcesCreated, exportedAt: file.header?.value.exportedAt ?? null },
  });
  return result;
}

/** The names (as `name`) unless listed already, then the listed aliases. */
function aliasRows(e: EntityLine): NewAliasRow[] {
  const rows: NewAliasRow[] = e.aliases.map((a) => ({ entity_id: e.id, key: surfaceKey(a.surface), surface: a.surface, kind: a.kind }));
  const keys = new Set(rows.map((r) => r.key));
  for (const name of [e.nameZh, e.nameEn]) {
    const key = surfaceKey(name);
    if (key && !keys.has(key)) {
      keys.add(key);
      rows.push({ entity_id: e.id, key, surface: name, kind: 'name' });
    }
  }
  return rows;
}

/**
 * Events for the graph stores, in the shapes ReviewService.emitRelation writes: every new entity and
 * every endpoint of an imported active relation, then the active relations (version 1, confidence as
 * stored). Retired relations were never in any graph, so they need no event.
 */
async function graphEvents(
  tx: Queryable,
  repo: EntitiesRepository,
  newEntities: EntityLine[],
  relations: PlannedRelation[],
  stored: Map<string, number>,
  sources: Map<string, string>,
): Promise<GraphEvent[]> {
  const active = relations.filter((r) => r.value.status === 'active');
  const ids = [...new Set([...newEntities.map((e) => e.id), ...active.flatMap((r) => [r.subject.id, r.object.id])])];
  const entities = (await repo.getMany(ids, tx)).sort((a, b) => compareText(a.id, b.id));
  const events: GraphEvent[] = entities.map((e) => ({ type: 'entity.upsert', entity: toGraphEntity(e) }));
  for (const r of active) {
    const evidence = r.value.evidence.map((ev) => ({
      sourceId: sources.get(sourceIdentity(ev.source)) as string, sourceTitle: ev.source.title, version: ev.source.version, year: ev.source.year,
      page: ev.page, chunkId: null, quote: ev.quote,
    }));
    const relation: GraphRelation = {
      id: r.value.id, subjectId: r.subject.id, predicate: r.value.predicate, objectId: r.object.id, certainty: r.value.certainty,
      qualifiers: r.value.qualifiers as Record<string, string>, confidence: stored.get(r.value.id) ?? r.value.confidence, version: 1,
      sourceIds: [...new Set(evidence.map((e) => e.sourceId))], evidence, demo: r.value.demo,
    };
    events.push({ type: 'relation.upsert', relation });
  }
  return events;
}
