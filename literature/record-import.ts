import { evidenceLevelFromPublicationTypes, type PreparedImportDeps, storePrepared } from '../ingest/index.ts';
import type { Queryable } from '../store/index.ts';
import type { PubmedRecord } from './pubmed-record.ts';
import { retractedTargets } from './pubmed-record.ts';
import type { ParsedArticleSet } from './pubmed-xml.ts';
import { PUBMED_RECORD_MIME, recordBytes, recordDocument, recordHash } from './record-document.ts';
import type { RecordsRepository } from './records.repository.ts';
import { type RunCounts, runTag } from './watches.repository.ts';

export interface RecordImportDeps {
  records: RecordsRepository;
  prepared: PreparedImportDeps;
}

export interface ImportContext {
  runId: string | null;
  /** Authored demo records (demo/pubmed): stored as demo sources. */
  demo: boolean;
  /** Recorded as the new sources' uploader: who imported the file, or `watch:<id>` for a watch run. */
  uploadedBy: string;
}

/** Tags on the candidate triples of imported records: the review queue's "new literature" filter. */
export const NEW_LITERATURE_TAG = 'new_literature';
export const REVISED_LITERATURE_TAG = 'revised_literature';

/**
 * Import one batch of parsed records in the caller's transaction. A PMID seen before with the same
 * content is left alone; a revised record becomes a new version of its source (the old one is
 * superseded); a retraction — by publication type, a RetractionIn link, or a notice arriving
 * before or after the article — marks the source and flags the relations it backs.
 */
export async function importBatch(tx: Queryable, deps: RecordImportDeps, set: ParsedArticleSet, ctx: ImportContext): Promise<RunCounts> {
  const counts: RunCounts = { fetched: set.records.length + set.skipped.length, newRecords: 0, updated: 0, unchanged: 0, retracted: 0, skipped: set.skipped.length };
  const records = latestPerPmid(set.records);
  const pmids = records.map((r) => r.pmid);
  const stored = await deps.records.byPmids(tx, pmids);
  const pendingNotices = await deps.records.pendingRetractions(tx, pmids);
  const unchanged: string[] = [];
  const tags = ctx.runId ? [NEW_LITERATURE_TAG, runTag(ctx.runId)] : [NEW_LITERATURE_TAG];

  const fresh: Array<{ record: PubmedRecord; hash: string; revision: boolean }> = [];
  for (const r of records) {
    const hash = recordHash(r);
    const before = stored.get(r.pmid);
    if (before?.recordHash === hash || (before && (await deps.records.isKnownContent(tx, hash)))) {
      unchanged.push(r.pmid);
      counts.unchanged++;
    } else {
      fresh.push({ record: r, hash, revision: Boolean(before) });
      if (before) counts.updated++;
      else counts.newRecords++;
    }
  }
  const sources = await storePrepared(tx, deps.prepared, fresh.map(({ record: r, hash, revision }) => {
    const doc = recordDocument(r);
    return {
      doc, lineageKey: `pubmed:${r.pmid}`, contentHash: hash, bytes: recordBytes(r), fileName: `pubmed-${r.pmid}.json`, mime: PUBMED_RECORD_MIME,
      kind: 'literature' as const, title: r.title, publisher: r.journal ?? r.journalAbbrev, version: r.revisedDate ? `PMID ${r.pmid} · ${r.revisedDate}` : `PMID ${r.pmid}`,
      year: r.year, language: doc.language, evidenceLevel: evidenceLevelFromPublicationTypes(r.publicationTypes), demo: ctx.demo, demoApprovals: false, uploadedBy: ctx.uploadedBy,
      tags: revision ? [...tags, REVISED_LITERATURE_TAG] : tags,
    };
  }));
  await deps.records.upsertMany(tx, fresh.map((f, i) => ({ record: f.record, sourceId: sources[i].id, hash: f.hash })), ctx.runId);

  for (const r of records) {
    const notice = pendingNotices.get(r.pmid);
    if (r.retracted || notice) {
      if (await deps.records.markRetracted(tx, r.pmid, notice ?? r.links.find((l) => l.type === 'RetractionIn')?.pmid ?? null)) counts.retracted++;
    }
    for (const target of r.isRetractionNotice ? retractedTargets(r) : []) {
      if (await deps.records.markRetracted(tx, target, r.pmid)) counts.retracted++;
      else await deps.records.rememberRetraction(tx, target, r.pmid);
    }
  }
  await deps.records.touch(tx, unchanged, ctx.runId);
  return counts;
}

/** Within one answer a PMID may appear twice (a mirror's merged export): keep the latest revision. */
function latestPerPmid(records: PubmedRecord[]): PubmedRecord[] {
  const byPmid = new Map<string, PubmedRecord>();
  for (const r of records) {
    const prev = byPmid.get(r.pmid);
    if (!prev || (r.revisedDate ?? '') >= (prev.revisedDate ?? '')) byPmid.set(r.pmid, r);
  }
  return [...byPmid.values()];
}
