import type { BulkPreview } from '../../../knowledge/candidates.repository.ts';
import type { TermProposal } from '../../../knowledge/term-proposals.repository.ts';
import type { TermDecision } from '../../../knowledge/term-proposals.service.ts';
import type { VocabFormat } from '../../../knowledge/vocabulary/terminology.ts';
import type { VocabImport } from '../../../knowledge/vocabulary/vocab-imports.repository.ts';
import type { ImportReport } from '../../../knowledge/vocabulary/vocab-imports.service.ts';
import { type CandidateQuery, fetchJson, qs, request } from '../api.ts';

export type { BulkPreview, ImportReport, TermDecision, TermProposal, VocabFormat, VocabImport };
export type BulkPreviewDto = BulkPreview & { limit: number; confirmationRequired: boolean };
export const VOCAB_FORMATS: readonly VocabFormat[] = ['csv', 'skos', 'rf2', 'icd10'];

const enc = encodeURIComponent;

export interface ImportForm {
  file: File;
  format: VocabFormat;
  system?: string;
  type?: string;
}

function formData(f: ImportForm): FormData {
  const fd = new FormData();
  fd.set('format', f.format);
  if (f.system) fd.set('system', f.system);
  if (f.type) fd.set('type', f.type);
  fd.set('file', f.file, f.file.name);
  return fd;
}

/** The vocabulary routes (api/vocabulary.routes.ts) and the bulk-approval preview. */
export const vocabularyApi = {
  terms: (p: { status?: string; kind?: string; q?: string; limit?: number; offset?: number }, signal?: AbortSignal) =>
    request<{ total: number; counts: Record<string, number>; items: TermProposal[] }>('GET', `/api/kg/terms${qs(p)}`, signal),
  approveTerm: (id: string, decision: TermDecision, comment?: string) => request<TermProposal>('POST', `/api/kg/terms/${enc(id)}/approve`, undefined, { decision, comment }),
  rejectTerm: (id: string, comment?: string) => request<TermProposal>('POST', `/api/kg/terms/${enc(id)}/reject`, undefined, { comment }),
  previewImport: (f: ImportForm) => fetchJson<ImportReport>('/api/kg/vocabulary/imports/preview', { method: 'POST', body: formData(f), headers: { accept: 'application/json' } }),
  applyImport: (f: ImportForm) => fetchJson<ImportReport>('/api/kg/vocabulary/imports', { method: 'POST', body: formData(f), headers: { accept: 'application/json' } }),
  imports: (signal?: AbortSignal) => request<{ items: VocabImport[] }>('GET', '/api/kg/vocabulary/imports', signal),
  undoImport: (id: string) => request<VocabImport>('POST', `/api/kg/vocabulary/imports/${enc(id)}/undo`),
  bulkPreview: (filter: Omit<CandidateQuery, 'status'>, signal?: AbortSignal) =>
    request<BulkPreviewDto>('POST', '/api/kg/candidates/bulk/preview', signal, { filter: { ...filter, conflict: filter.conflict || undefined, unresolved: filter.unresolved || undefined }, sample: 8 }),
};
