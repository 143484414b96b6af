/** The review page's state lives in the URL (linkable, survives reload); this maps it both ways. */
import { CANDIDATE_STATUSES, type CandidateQuery, type CandidateStatus, type Extractor, type Predicate } from '../api.ts';
import { PREDICATES } from '../kg/vocab.ts';

export const PAGE_SIZE = 50;
export const EXTRACTORS: readonly Extractor[] = ['rules', 'llm', 'import'];
export const CONFIDENCE_STEPS = [0.5, 0.6, 0.7, 0.8, 0.9] as const;

export interface ReviewQuery {
  status: CandidateStatus;
  sourceId?: string;
  predicate?: Predicate;
  entityId?: string;
  /** Shown in the entity filter box; not sent to the server. */
  entityName?: string;
  extractor?: Extractor;
  minConfidence?: number;
  q?: string;
  conflict?: boolean;
  unresolved?: boolean;
  /** A candidate tag, e.g. `pubmed_run:<id>` from the literature page. */
  tag?: string;
  /** "New literature since my last review": tagged new_literature and created after this reviewer's last decision. */
  newSince?: boolean;
  offset: number;
}

const oneOf = <T extends string>(v: string | null, allowed: readonly T[]): T | undefined => (v && (allowed as readonly string[]).includes(v) ? (v as T) : undefined);

export function readQuery(sp: URLSearchParams): ReviewQuery {
  const min = Number(sp.get('min'));
  const offset = Number(sp.get('offset'));
  return {
    status: oneOf(sp.get('status'), CANDIDATE_STATUSES) ?? 'pending',
    sourceId: sp.get('source') || undefined,
    predicate: oneOf(sp.get('predicate'), PREDICATES),
    entityId: sp.get('entity') || undefined,
    entityName: sp.get('entityName') || undefined,
    extractor: oneOf(sp.get('extractor'), EXTRACTORS),
    minConfidence: min > 0 && min <= 1 ? min : undefined,
    q: sp.get('q')?.trim() || undefined,
    conflict: sp.get('conflict') === '1' || undefined,
    unresolved: sp.get('unresolved') === '1' || undefined,
    tag: sp.get('tag')?.trim().slice(0, 50) || undefined,
    newSince: sp.get('new') === '1' || undefined,
    offset: Number.isInteger(offset) && offset > 0 ? offset : 0,
  };
}

export function writeQuery(q: ReviewQuery): URLSearchParams {
  const sp = new URLSearchParams();
  const set = (k: string, v: string | number | boolean | undefined) => {
    if (v !== undefined && v !== '' && v !== false) sp.set(k, v === true ? '1' : String(v));
  };
  if (q.status !== 'pending') set('status', q.status);
  set('source', q.sourceId);
  set('predicate', q.predicate);
  set('entity', q.entityId);
  set('entityName', q.entityId ? q.entityName : undefined);
  set('extractor', q.extractor);
  set('min', q.minConfidence);
  set('q', q.q);
  set('conflict', q.conflict);
  set('unresolved', q.unresolved);
  set('tag', q.tag);
  set('new', q.newSince);
  if (q.offset) set('offset', q.offset);
  return sp;
}

/**
 * The filter without tab and paging: what the server queries, and what bulk-by-filter acts on.
 * `reviewer` is the signed-in username, for "new literature since my last review".
 */
export function filterOf(q: ReviewQuery, reviewer?: string): Omit<CandidateQuery, 'status'> {
  return {
    sourceId: q.sourceId,
    predicate: q.predicate,
    entityId: q.entityId,
    extractor: q.extractor,
    minConfidence: q.minConfidence,
    q: q.q,
    conflict: q.conflict,
    unresolved: q.unresolved,
    tag: q.tag ?? (q.newSince ? 'new_literature' : undefined),
    newSinceReviewOf: q.newSince ? reviewer : undefined,
  };
}

export function hasFilter(q: ReviewQuery): boolean {
  return Object.values(filterOf(q)).some((v) => v !== undefined);
}
