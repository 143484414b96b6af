import { AuditLog } from '../../audit/index.ts';
import { AppError, type Keyring } from '../../core/index.ts';
import { GRAPH_ENTITY_TYPES, type GraphEvidence, PREDICATES } from '../../graph/index.ts';
import { type Database, inReadSnapshot } from '../../store/index.ts';
import { csvDocument, cypherString, cypherValue } from './escape.ts';
import {
  compareText, type EntityLine, type EvidenceItem, type HeaderLine, provenanceOf, type RelationLine, TRANSFER_FORMAT, TRANSFER_VERSION,
} from './format.ts';
import { signExport } from './signature.ts';
import { type AliasRow, type EvidenceRow, readAliases, readKnowledge } from './transfer.repository.ts';

export type ExportFormat = 'jsonl' | 'csv-nodes' | 'csv-edges' | 'cypher';

type ExportEntity = Omit<EntityLine, 'kind'>;
type ExportEvidence = EvidenceItem & Pick<GraphEvidence, 'sourceId' | 'chunkId'>;
type ExportRelation = Omit<RelationLine, 'kind' | 'evidence'> & { version: number; evidence: ExportEvidence[] };

interface KnowledgeSnapshot {
  entities: ExportEntity[];
  relations: ExportRelation[];
}

const ALIAS_KIND_ORDER = { name: 0, alias: 1, merged: 2 } as const;

/**
 * Export the reviewed knowledge — the system of record, not the graph store — as JSON lines (the
 * lossless format `importGraph` reads back), CSV nodes or edges, or a Cypher script. Records a
 * `data.export` audit entry (format, counts).
 *
 * What is exported:
 *  - every relation, active and retired. An endpoint merged into another entity is written as the
 *    entity it was merged into (only retired relations can still point at one: a merge moves active ones);
 *  - every entity such a relation refers to, plus every entity created by review or import. Merged
 *    entities are left out (their names live on as `merged` aliases of the target), and so are lexicon
 *    entities no relation uses: every instance seeds the same lexicon itself, and the file stays the size
 *    of the reviewed knowledge rather than of the vocabulary.
 * Lines are sorted by id and evidence by content, in code-unit order, so two exports of the same
 * knowledge differ only in the header's `exportedAt` (and the signature). With a keyring the JSON lines end
 * with a signature line (signature.ts), which is what lets `importGraph` on this installation trust the
 * file again. The CSV and Cypher exports hold the same entities;
 * CSV edges include retired relations (with their status), the Cypher script only what the graph
 * shows (active relations), laid out as the Neo4j store lays it out (graph/neo4j-schema.ts).
 */
export async function exportGraph(db: Database, format: ExportFormat, opts: { actor: string; keyring?: Keyring | null }): Promise<string> {
  const snap = await readSnapshot(db);
  let body: string;
  let counts: Record<string, number>;
  switch (format) {
    case 'jsonl':
      counts = { entities: snap.entities.length, relations: snap.relations.length, evidence: snap.relations.reduce((n, r) => n + r.evidence.length, 0) };
      body = renderJsonl(snap, counts as HeaderLine['counts']);
      if (opts.keyring) body = signExport(body, opts.keyring);
      break;
    case 'csv-nodes':
      counts = { entities: snap.entities.length };
      body = renderCsvNodes(snap);
      break;
    case 'csv-edges':
      counts = { relations: snap.relations.length };
      body = renderCsvEdges(snap);
      break;
    case 'cypher': {
      const active = snap.relations.filter((r) => r.status === 'active');
      counts = { entities: snap.entities.length, relations: active.length };
      body = renderCypher(snap.entities, active);
      break;
    }
    default:
      throw new AppError('VALIDATION_FAILED', `未知导出格式 / unknown export format ${String(format)}`, { field: 'format' });
  }
  const signed = format === 'jsonl' && Boolean(opts.keyring);
  await new AuditLog().append(db, { actor: opts.actor, action: 'data.export', target: null, details: { format, counts, ...(signed ? { signed } : {}) } });
  return body;
}

/** One consistent read (REPEATABLE READ): the counts in the header match the lines below it. */
async function readSnapshot(db: Database): Promise<KnowledgeSnapshot> {
  return inReadSnapshot(db, async (tx) => {
    const raw = await readKnowledge(tx);
    const mergedInto = new Map(raw.entities.map((e) => [e.id, e.merged_into]));
    const canonical = (id: string): string => {
      let current = id;
      for (let hops = 0; hops < 16; hops++) {
        const next = mergedInto.get(current);
        if (!next) return current;
        current = next;
      }
      return current;
    };
    const evidence = groupBy(raw.evidence, (e) => e.relation_id);
    const relations: ExportRelation[] = raw.relations
      .map((r) => ({
        id: r.id,
        subjectId: canonical(r.subject_id),
        predicate: r.predicate as ExportRelation['predicate'],
        objectId: canonical(r.object_id),
        certainty: r.certainty as ExportRelation['certainty'],
        qualifiers: sortKeys(r.qualifiers ?? {}),
        confidence: r.confidence,
        status: r.status,
        retiredReason: r.retired_reason,
        demo: r.demo,
        version: r.version,
        evidence: (evidence.get(r.id) ?? []).map(toEvidence).sort(compareEvidence),
      }))
      .sort((a, b) => compareText(a.id, b.id));
    const wanted = new Set(relations.flatMap((r) => [r.subjectId, r.objectId]));
    for (const e of raw.entities) if (e.origin !== 'lexicon' && !e.merged_into) wanted.add(e.id);
    const aliases = groupBy(await readAliases(tx, [...wanted]), (a) => a.entity_id);
    const entities: ExportEntity[] = raw.entities
      .filter((e) => wanted.has(e.id))
      .map((e) => ({
        id: e.id,
        type: e.type as ExportEntity['type'],
        nameZh: e.name_zh,
        nameEn: e.name_en,
        codes: sortKeys(e.codes ?? {}),
        definition: e.definition,
        aliases: (aliases.get(e.id) ?? []).sort(compareAliases).map((a) => ({ surface: a.surface, kind: a.kind })),
      }))
      .sort((a, b) => compareText(a.id, b.id));
    return { entities, relations };
  });
}

function renderJsonl(snap: KnowledgeSnapshot, counts: HeaderLine['counts']): string {
  const header: HeaderLine = { kind: 'header', format: TRANSFER_FORMAT, version: TRANSFER_VERSION, exportedAt: new Date().toISOString(), counts };
  const lines = [JSON.stringify(header)];
  for (const e of snap.entities) {
    const line: EntityLine = { kind: 'entity', ...e };
    lines.push(JSON.stringify(line));
  }
  for (const r of snap.relations) {
    const line: RelationLine = {
      kind: 'relation', id: r.id, subjectId: r.subjectId, predicate: r.predicate, objectId: r.objectId, certainty: r.certainty,
      qualifiers: r.qualifiers, confidence: r.confidence, status: r.status, retiredReason: r.retiredReason, demo: r.demo,
      evidence: r.evidence.map((e) => ({ source: e.source, page: e.page, quote: e.quote, extractor: e.extractor, extractorVersion: e.extractorVersion })),
    };
    lines.push(JSON.stringify(line));
  }
  return `${lines.join('\n')}\n`;
}

/** Surfaces other than the two names, as the graph shows them. */
const extraAliases = (e: ExportEntity): string[] => e.aliases.filter((a) => a.kind !== 'name').map((a) => a.surface).sort(compareText);

function renderCsvNodes(snap: KnowledgeSnapshot): string {
  return csvDocument(
    ['id', 'type', 'name_zh', 'name_en', 'aliases', 'codes'],
    snap.entities.map((e) => [e.id, e.type, e.nameZh, e.nameEn, extraAliases(e).join('|'), JSON.stringify(e.codes)]),
  );
}

function renderCsvEdges(snap: KnowledgeSnapshot): string {
  return csvDocument(
    ['id', 'subject_id', 'predicate', 'object_id', 'certainty', 'confidence', 'status', 'source_titles'],
    snap.relations.map((r) => [
      r.id, r.subjectId, r.predicate, r.objectId, r.certainty, r.confidence, r.status,
      [...new Set(r.evidence.map((e) => e.source.title))].join('|'),
    ]),
  );
}

/**
 * Labels and relationship types are spliced into the script, so they must come from the closed lists;
 * the stored columns carry no CHECK constraint, hence the test here.
 */
function checkLabel(type: string): string {
  if (!(GRAPH_ENTITY_TYPES as readonly string[]).includes(type)) throw new AppError('INTERNAL', `unknown entity type ${type} in kg_entities`);
  return type;
}

function checkRelType(predicate: string): string {
  if (!(PREDICATES as readonly string[]).includes(predicate)) throw new AppError('INTERNAL', `unknown predicate ${predicate} in kg_relations`);
  return predicate.toUpperCase();
}

function renderCypher(entities: ExportEntity[], relations: ExportRelation[]): string {
  const out = [
    `// ${TRANSFER_FORMAT} Cypher export, ${new Date().toISOString()}: ${entities.length} entities, ${relations.length} active relations`,
    'CREATE CONSTRAINT graph_entity_id IF NOT EXISTS FOR (n:Entity) REQUIRE n.id IS UNIQUE;',
  ];
  for (const e of entities) {
    out.push(
      `MERGE (n:Entity {id: ${cypherString(e.id)}}) SET n:${checkLabel(e.type)}, n.type = ${cypherString(e.type)}, n.nameZh = ${cypherValue(e.nameZh)}, ` +
        `n.nameEn = ${cypherValue(e.nameEn)}, n.aliases = ${cypherValue(extraAliases(e))}, n.codes = ${cypherValue(JSON.stringify(e.codes))};`,
    );
  }
  for (const r of relations) {
    const graphEvidence: GraphEvidence[] = r.evidence.map((e) => ({
      sourceId: e.sourceId, sourceTitle: e.source.title, version: e.source.version, year: e.source.year, page: e.page, chunkId: e.chunkId, quote: e.quote,
    }));
    out.push(
      `MATCH (a:Entity {id: ${cypherString(r.subjectId)}}), (b:Entity {id: ${cypherString(r.objectId)}}) ` +
        `MERGE (a)-[r:${checkRelType(r.predicate)} {id: ${cypherString(r.id)}}]->(b) ` +
        `SET r.certainty = ${cypherValue(r.certainty)}, r.qualifiers = ${cypherValue(JSON.stringify(r.qualifiers))}, ` +
        `r.confidence = ${cypherValue(r.confidence, { float: true })}, r.version = ${cypherValue(r.version)}, ` +
        `r.sourceIds = ${cypherValue([...new Set(r.evidence.map((e) => e.sourceId))])}, r.evidence = ${cypherValue(JSON.stringify(graphEvidence))}, ` +
        `r.demo = ${cypherValue(r.demo)};`,
    );
  }
  return `${out.join('\n')}\n`;
}

function toEvidence(e: EvidenceRow): ExportEvidence {
  return {
    source: { title: e.title, version: e.version, year: e.year, kind: e.kind, publisher: e.publisher },
    page: e.page,
    quote: e.quote,
    extractor: provenanceOf(e.extractor, e.tags ?? []),
    extractorVersion: e.extractor_version,
    sourceId: e.source_id,
    chunkId: e.chunk_id,
  };
}

/** Evidence by content (source, page, quote, engine): the order survives an import, whose rows are all new. */
function compareEvidence(a: ExportEvidence, b: ExportEvidence): number {
  return (
    compareText(a.source.title, b.source.title) ||
    compareText(a.source.version ?? '', b.source.version ?? '') ||
    (a.source.year ?? 0) - (b.source.year ?? 0) ||
    (a.page ?? -1) - (b.page ?? -1) ||
    compareText(a.quote, b.quote) ||
    compareText(a.extractor, b.extractor) ||
    compareText(a.extractorVersion, b.extractorVersion) ||
    compareText(a.source.kind, b.source.kind) ||
    compareText(a.source.publisher ?? '', b.source.publisher ?? '')
  );
}

function compareAliases(a: AliasRow, b: AliasRow): number {
  return ALIAS_KIND_ORDER[a.kind] - ALIAS_KIND_ORDER[b.kind] || compareText(a.surface, b.surface);
}

function sortKeys(o: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => compareText(a, b)));
}

function groupBy<T>(items: T[], key: (item: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = out.get(k);
    if (list) list.push(item);
    else out.set(k, [item]);
  }
  return out;
}
