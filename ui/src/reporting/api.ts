import type { AiResultRow, MeasurementResult } from '../../../imaging/index.ts';
import type { MeasurementSummary } from '../../../imaging/measure-request.schema.ts';
import type { Draft, DraftSummary, Push, PushFormat, PushTarget, QcFlag, QcResult, RenderedValue, ReportValues, SecondOpinion, TemplateSummary } from '../../../reporting/index.ts';
import { qs, request } from '../api.ts';

export type { AiResultRow, Draft, DraftSummary, MeasurementResult, MeasurementSummary, Push, PushFormat, PushTarget, QcFlag, QcResult, RenderedValue, ReportValues, SecondOpinion, TemplateSummary };

export interface DraftBody {
  measurementId?: string;
  lesion?: string;
  aiResultId?: string;
  findingIndex?: number;
  values?: Partial<ReportValues>;
  templateId?: string;
  rewrite?: boolean;
}

const enc = encodeURIComponent;

/** The reporting routes (api/reporting.routes.ts). */
export const reportsApi = {
  templates: (signal?: AbortSignal) => request<{ items: TemplateSummary[] }>('GET', '/api/reports/templates', signal),
  draft: (body: DraftBody) => request<Draft>('POST', '/api/reports/drafts', undefined, body),
  get: (id: string, signal?: AbortSignal) => request<Draft>('GET', `/api/reports/drafts/${enc(id)}`, signal),
  list: (p: { measurementId?: string; limit?: number } = {}, signal?: AbortSignal) => request<{ items: DraftSummary[] }>('GET', `/api/reports/drafts${qs(p)}`, signal),
  exportUrl: (id: string, format: 'text' | 'fhir' | 'hl7') => `/api/reports/drafts/${enc(id)}/export?format=${format}`,
  qc: (text: string, templateId?: string) => request<QcResult>('POST', '/api/reports/qc', undefined, { text, templateId }),
  secondOpinion: (text: string) => request<SecondOpinion>('POST', '/api/reports/qc/second-opinion', undefined, { text }),
  revise: (id: string, body: { findings: string; impression: string }) => request<Draft>('POST', `/api/reports/drafts/${enc(id)}/revisions`, undefined, body),
  pushTargets: (signal?: AbortSignal) => request<{ items: PushTarget[] }>('GET', '/api/reports/push-targets', signal),
  push: (id: string, connectorId: string, format: PushFormat) => request<Push>('POST', `/api/reports/drafts/${enc(id)}/push`, undefined, { connectorId, format }),
  pushes: (id: string, signal?: AbortSignal) => request<{ items: Push[] }>('GET', `/api/reports/drafts/${enc(id)}/pushes`, signal),
  retryPush: (pushId: string) => request<Push>('POST', `/api/reports/pushes/${enc(pushId)}/retry`),
  aiResults: (signal?: AbortSignal) => request<{ items: AiResultRow[] }>('GET', '/api/imaging/ai/results?status=succeeded&limit=50', signal),
  measurements: (signal?: AbortSignal) => request<{ items: MeasurementSummary[] }>('GET', '/api/measurements?limit=50', signal),
  measurement: (id: string, signal?: AbortSignal) => request<{ measurement: MeasurementResult }>('GET', `/api/measurements/${enc(id)}`, signal),
};
