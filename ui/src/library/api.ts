import type { DeletionPlanDto, PassageDto, SourcePatchDto } from '../../../api/contract.ts';
import { type JobDto, qs, request, type SourceDto } from '../api.ts';

export type { DeletionPlanDto, PassageDto, SourcePatchDto };

export type Shelf = 'documents' | 'literature';
export type SourceSort = 'created' | 'title' | 'year' | 'updated';

export interface SourceQuery {
  shelf?: Shelf;
  kind?: string;
  q?: string;
  status?: string;
  /** true: only current versions (not superseded). */
  current?: boolean;
  sort?: SourceSort;
  order?: 'asc' | 'desc';
  limit?: number;
  offset?: number;
  /** Only the sources of this collection (id or name). */
  collection?: string;
}

/** A listed source with the collections (visible to the reader) it belongs to. */
export type ListedSourceDto = SourceDto & { collections?: Array<{ id: string; name: string }> };

export interface SourcePageDto {
  items: ListedSourceDto[];
  total: number;
  byKind: Record<string, number>;
}

const enc = encodeURIComponent;

/** Knowledge-base management routes (api/sources.routes.ts, api/chunks.routes.ts). */
export const libraryApi = {
  list: (p: SourceQuery, signal?: AbortSignal) => request<SourcePageDto>('GET', `/api/sources${qs({ ...p })}`, signal),
  deletionPlan: (id: string, signal?: AbortSignal) => request<DeletionPlanDto>('GET', `/api/sources/${enc(id)}/deletion`, signal),
  remove: (id: string, reason?: string) => request<DeletionPlanDto>('DELETE', `/api/sources/${enc(id)}${qs({ reason })}`),
  edit: (id: string, patch: SourcePatchDto) => request<SourceDto>('PATCH', `/api/sources/${enc(id)}`, undefined, patch),
  reparse: (id: string, chunkChars?: number) => request<{ source: SourceDto; job: JobDto }>('POST', `/api/sources/${enc(id)}/reparse`, undefined, chunkChars ? { chunkChars } : {}),
  passages: (id: string, p: { limit?: number; offset?: number; disabled?: boolean }, signal?: AbortSignal) =>
    request<{ items: PassageDto[]; total: number }>('GET', `/api/sources/${enc(id)}/passages${qs({ ...p, disabled: p.disabled === undefined ? undefined : String(p.disabled) })}`, signal),
  disablePassage: (id: string, reason: string) => request<{ id: string }>('POST', `/api/chunks/${enc(id)}/disable`, undefined, { reason }),
  enablePassage: (id: string) => request<{ id: string }>('POST', `/api/chunks/${enc(id)}/enable`),
  fileUrl: (id: string) => `/api/sources/${enc(id)}/file`,
};

/** A PubMed record's id from its stored version text (`PMID 123 · 2026-07-03`), or null. */
export function pmidOf(s: SourceDto): string | null {
  return /PMID\s*(\d+)/.exec(s.version ?? '')?.[1] ?? null;
}
