import type { JobDto } from '../../../api/contract.ts';
import type { AiResultRow, Dashboard, Lesion, MeasurementResult, PacsSeries, PacsStudy, QcRun, StoredVolumeMeta } from '../../../imaging/index.ts';
import type { MeasurementSummary } from '../../../imaging/measure-request.schema.ts';
import { ApiError, fetchJson, qs, request } from '../api.ts';

export type { AiResultRow, Dashboard, Lesion, MeasurementResult, MeasurementSummary, PacsSeries, PacsStudy, QcRun, StoredVolumeMeta };

export type MeasureAnswer = { status: 'measured'; measurement: MeasurementResult; summary: MeasurementSummary } | { status: 'queued'; job: JobDto };

const enc = encodeURIComponent;
const post = <T>(url: string, form: FormData) => fetchJson<T>(url, { method: 'POST', body: form, headers: { accept: 'application/json' } });

/** Typed voxels of one slice, as the server stores them (x-yz-dtype). */
export type SliceData = Int16Array | Float32Array | Uint8Array | Uint16Array;

async function slice(key: string, k: number, signal?: AbortSignal): Promise<SliceData> {
  const res = await fetch(`/api/imaging/volumes/${enc(key)}/slices/${k}`, { signal });
  if (!res.ok) {
    const text = await res.text();
    let body: unknown = null;
    try {
      body = JSON.parse(text);
    } catch {
      body = null;
    }
    throw body && typeof body === 'object' && 'error' in body ? new ApiError(res.status, String((body as { error: { code: string } }).error.code), String((body as { error: { message: string } }).error.message)) : new ApiError(res.status, `HTTP_${res.status}`, text.slice(0, 200));
  }
  const buf = await res.arrayBuffer();
  const dtype = res.headers.get('x-yz-dtype');
  if (dtype === 'int16') return new Int16Array(buf);
  if (dtype === 'uint8') return new Uint8Array(buf);
  if (dtype === 'uint16') return new Uint16Array(buf);
  return new Float32Array(buf);
}

/** The imaging routes (api/imaging.routes.ts, api/protocol-qc.routes.ts). */
export const imagingApi = {
  measure: (form: FormData) => post<MeasureAnswer>('/api/measure', form),
  list: (p: { studyUid?: string; limit?: number } = {}, signal?: AbortSignal) => request<{ items: MeasurementSummary[] }>('GET', `/api/measurements${qs(p)}`, signal),
  get: (id: string, signal?: AbortSignal) => request<{ measurement: MeasurementResult; summary: MeasurementSummary }>('GET', `/api/measurements/${enc(id)}`, signal),
  csvUrl: (id: string) => `/api/measurements/${enc(id)}/features.csv`,
  volume: (key: string, signal?: AbortSignal) => request<StoredVolumeMeta>('GET', `/api/imaging/volumes/${enc(key)}`, signal),
  slice,
  job: (id: string, signal?: AbortSignal) => request<JobDto>('GET', `/api/jobs/${enc(id)}`, signal),
  pacsStudies: (p: { date?: string; limit?: number } = {}, signal?: AbortSignal) => request<{ items: PacsStudy[] }>('GET', `/api/imaging/pacs/studies${qs(p)}`, signal),
  pacsSeries: (studyUid: string, signal?: AbortSignal) => request<{ items: PacsSeries[] }>('GET', `/api/imaging/pacs/studies/${enc(studyUid)}/series`, signal),
  aiResults: (p: { studyUid?: string; limit?: number } = {}, signal?: AbortSignal) => request<{ items: AiResultRow[]; configured: boolean }>('GET', `/api/imaging/ai/results${qs(p)}`, signal),
  aiImport: (doc: unknown) => request<AiResultRow>('POST', '/api/imaging/ai/results', undefined, doc),
  qcCheck: (form: FormData) => post<{ runs: QcRun[]; skipped: string[] }>('/api/protocol-qc', form),
  qcRuns: (p: { status?: string; scanner?: string; limit?: number } = {}, signal?: AbortSignal) => request<{ items: QcRun[] }>('GET', `/api/protocol-qc/runs${qs(p)}`, signal),
  qcDashboard: (p: { groupBy: 'scanner' | 'protocol'; days: number }, signal?: AbortSignal) => request<Dashboard>('GET', `/api/protocol-qc/dashboard${qs(p)}`, signal),
};
