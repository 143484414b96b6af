import { AuditLog } from '../../audit/index.ts';
import { sha256Hex } from '../../core/index.ts';
import type { Queryable } from '../../store/index.ts';
import { PROVENANCE_TAG } from './format.ts';
import type { ImportPlan, ImportResult, PlannedRelation } from './import.ts';
import type { SignatureStatus } from './signature.ts';
import { createImportFileSource, insertPendingCandidates, type PendingCandidateRow } from './transfer.repository.ts';
import type { ParsedFile } from './validate.ts';

/** Tag of every candidate an untrusted import proposed (the review queue shows it). */
export const UNSIGNED_IMPORT_TAG = 'import:unsigned';

/**
 * The untrusted path of a graph import: the file's active relations become pending candidates, one per
 * evidence item, and nothing else is written — no entities, no relations, no outbox events, no sources
 * named after the file's claims. Their evidence source is one source standing for the file itself
 * (titled as an unsigned import, holding the original bytes); the source, page and quote the file
 * claims are kept in the candidate's quote, marked as a claim, for the reviewer to check. An endpoint
 * this database knows is linked; one only the file defines is left for the reviewer to resolve.
 * Retired relations are not proposed (skipped). Re-importing the same file adds nothing.
 */
export async function queueForReview(
  tx: Queryable,
  file: ParsedFile,
  plan: ImportPlan,
  opts: { actor: string; text: string; fileName: string; signature: Exclude<SignatureStatus, 'valid'> },
): Promise<ImportResult> {
  const source = await createImportFileSource(tx, { text: opts.text, fileName: opts.fileName, signature: opts.signature });
  const active = plan.relations.filter((r) => r.value.status === 'active');
  const rows = active.flatMap((r) => candidatesOf(r, source.id));
  const candidates = await insertPendingCandidates(tx, rows);
  // Nothing but candidates is written: every entity line, and every relation line not proposed, is skipped.
  const skipped = file.entities.size + file.relations.length - active.length;
  const result: ImportResult = { entities: 0, relations: 0, skipped, candidates, signature: opts.signature, sourceId: source.id };
  await new AuditLog().append(tx, {
    actor: opts.actor, action: 'data.import', target: source.id,
    details: {
      signature: opts.signature, queuedForReview: true, candidates, proposed: rows.length, skipped, sourceId: source.id,
      fileSha256: source.sha256, fileName: opts.fileName, exportedAt: file.header?.value.exportedAt ?? null,
    },
  });
  return result;
}

function candidatesOf(r: PlannedRelation, sourceId: string): PendingCandidateRow[] {
  return r.value.evidence.map((ev, i) => {
    const claimed = [ev.source.title, ev.source.version, ev.source.year, ev.page === null ? null : `p.${ev.page}`].filter((x) => x !== null && x !== '').join(' · ');
    const quote = `${ev.quote}\n〔导入文件声称的出处，未核实 / claimed by the import file, unverified: ${claimed}〕`;
    return {
      fingerprint: sha256Hex(['import-review', sourceId, r.value.id, i].join('\u0001')),
      subject_text: r.subject.nameZh, subject_id: r.subject.local ? r.subject.id : null,
      predicate: r.value.predicate,
      object_text: r.object.nameZh, object_id: r.object.local ? r.object.id : null,
      certainty: r.value.certainty, qualifiers: r.value.qualifiers, source_id: sourceId, quote,
      extractor_version: `import:${ev.extractorVersion}`.slice(0, 200), confidence: r.value.confidence,
      tags: [UNSIGNED_IMPORT_TAG, `${PROVENANCE_TAG}${ev.extractor}`],
    };
  });
}
