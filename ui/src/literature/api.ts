import type { LiteratureItem } from '../../../literature/records.repository.ts';
import type { Run, Watch, WatchInput } from '../../../literature/watch.schema.ts';
import { fetchJson, qs, request } from '../api.ts';

export type { Run, Watch, WatchInput };
export type WatchDraft = Omit<WatchInput, 'enabled'> & { enabled: boolean };

export interface LiteratureStatus {
  eutilsUrl: string;
  apiKeyConfigured: boolean;
  email: string | null;
  tool: string;
  requestsPerSecond: number;
  batchSize: number;
  timezone: string;
}

export type LiteratureRecord = LiteratureItem;

const enc = encodeURIComponent;

/** The literature-watch routes (api/literature.routes.ts). */
export const literatureApi = {
  status: (signal?: AbortSignal) => request<LiteratureStatus>('GET', '/api/literature/status', signal),
  watches: (signal?: AbortSignal) => request<{ items: Watch[] }>('GET', '/api/literature/watches', signal),
  create: (w: WatchDraft) => request<Watch>('POST', '/api/literature/watches', undefined, w),
  update: (id: string, w: WatchDraft) => request<Watch>('PUT', `/api/literature/watches/${enc(id)}`, undefined, w),
  remove: (id: string) => request<null>('DELETE', `/api/literature/watches/${enc(id)}`),
  runNow: (id: string) => request<{ id: string }>('POST', `/api/literature/watches/${enc(id)}/run`),
  runs: (p: { watchId?: string; limit?: number } = {}, signal?: AbortSignal) => request<{ items: Run[] }>('GET', `/api/literature/runs${qs(p)}`, signal),
  records: (p: { runId?: string; retracted?: boolean; q?: string; limit?: number } = {}, signal?: AbortSignal) =>
    request<{ total: number; items: LiteratureRecord[] }>('GET', `/api/literature/records${qs(p)}`, signal),
};

/** Upload a PubMed XML export; resolves with the import run. */
export async function importPubmedXml(file: File): Promise<Run> {
  const form = new FormData();
  form.append('file', file);
  const headers: Record<string, string> = { accept: 'application/json' };
  return fetchJson<Run>('/api/literature/import', { method: 'POST', body: form, headers });
}
