/**
 * Typed client for the YingZhi HTTP API: one function per route. Every non-2xx answer becomes an
 * ApiError carrying the server's `{ error: { code, message, field } }`, so pages can show `message`.
 * Only TYPES come from the server contract; nothing of the server is bundled.
 */
import type { z } from 'zod';
import type { Citation as ChatCitation, ChatEvent, ChatLang, CheckedSentence, Conversation, ConversationMessage, ConversationSummary } from '../../agents/index.ts';
import type { ChunkViewDto, JobDto, ReadySchema, SearchHit, SearchResponse, SourceDto, UploadResultDto } from '../../api/contract.ts';
import type { Certainty, GraphEntity, GraphRelation, Predicate, Subgraph } from '../../graph/types.ts';
import type { Candidate, CandidateFilter } from '../../knowledge/candidates.repository.ts';
import type { Entity } from '../../knowledge/entities.repository.ts';
import type { Merge } from '../../knowledge/merge.service.ts';
import type { ProjectionStatus } from '../../knowledge/projector.ts';
import type { HistoryEntry, Relation } from '../../knowledge/relations.repository.ts';
import type { ResolutionSuggestion } from '../../knowledge/resolution.ts';
import type { ApprovalEdit, BulkResult } from '../../knowledge/review.service.ts';
import type { LlmStatus } from '../../llm/index.ts';
import type { PageTable } from './tables.ts';

export type { ApprovalEdit, BulkResult, Candidate, Certainty, ChatCitation, ChatEvent, ChatLang, CheckedSentence, ChunkViewDto, Conversation, ConversationMessage, ConversationSummary, Entity, GraphEntity, GraphRelation, HistoryEntry, JobDto, Merge, Predicate, ProjectionStatus, Relation, ResolutionSuggestion, SearchHit, SearchResponse, SourceDto, UploadResultDto };
export type LlmStatusDto = LlmStatus;
export type ReadyDto = z.infer<typeof ReadySchema>;
export type SourceKind = SourceDto['kind'];
export type SourceStatus = SourceDto['status'];
export type JobStatus = JobDto['status'];
export type SearchMode = SearchResponse['mode'];
export interface SourceListDto {
  items: SourceDto[];
  total: number;
}
export interface JobListDto {
  items: JobDto[];
  total: number;
  counts: Record<string, number>;
}
export interface PageDto {
  page: number;
  text: string;
  tables: PageTable[];
  pageCount: number;
}

export const SOURCE_KINDS: readonly SourceKind[] = ['guideline', 'textbook', 'literature', 'case', 'other'];
export const JOB_STATUSES: readonly JobStatus[] = ['queued', 'running', 'succeeded', 'failed', 'cancelled', 'quarantined'];
export const UPLOAD_ACCEPT = '.pdf,.md,.markdown,.html,.htm,.txt';

export class ApiError extends Error {
  readonly code: string;
  readonly status: number;
  readonly field?: string;
  readonly details?: Record<string, unknown>;

  constructor(status: number, code: string, message: string, field?: string, details?: Record<string, unknown>) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.field = field;
    this.details = details;
  }
}

interface ErrorBody {
  error?: {
    code?: unknown;
    message?: unknown;
    field?: unknown;
    details?: unknown;
  };
}

/** Turns any error body (or a non-JSON one, e.g. from a proxy) into an ApiError. */
export function toApiError(status: number, body: unknown, fallbackText = ''): ApiError {
  const e = (body as ErrorBody | null)?.error;
  if (e && typeof e.message === 'string') {
    return new ApiError(
      status,
      typeof e.code === 'string' ? e.code : `HTTP_${status}`,
      e.message,
      typeof e.field === 'string' ? e.field : undefined,
      e.details && typeof e.details === 'object' ? (e.details as Record<string, unknown>) : undefined,
    );
  }
  const text = fallbackText.trim().slice(0, 300);
  return new ApiError(status, status === 0 ? 'NETWORK' : `HTTP_${status}`, text || (status === 0 ? 'Network error' : `HTTP ${status}`));
}

type Query = Record<string, string | number | boolean | undefined | null | readonly string[]>;

export function qs(params: Query): string {
  const sp = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined || v === null || v === '') continue;
    if (Array.isArray(v)) {
      if (v.length) sp.set(k, v.join(','));
    } else sp.set(k, String(v));
  }
  const s = sp.toString();
  return s ? `?${s}` : '';
}

/**
 * Signals of the UI's own repeated polling (useInterval after its first tick): their requests say so
 * with `X-YZ-Background: 1`, so they keep a page current without keeping an idle session alive.
 */
const backgroundSignals = new WeakSet<AbortSignal>();
export function markBackground(signal: AbortSignal): AbortSignal {
  backgroundSignals.add(signal);
  return signal;
}

export async function request<T>(method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', url: string, signal?: AbortSignal, json?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (json !== undefined) headers['content-type'] = 'application/json';
  if (signal && backgroundSignals.has(signal)) headers['x-yz-background'] = '1';
  return fetchJson<T>(url, { method, signal, headers, body: json === undefined ? undefined : JSON.stringify(json) });
}

/** fetch + JSON body; a network failure or any non-2xx answer becomes an ApiError (aborts pass through). */
export async function fetchJson<T>(url: string, init: RequestInit): Promise<T> {
  let res: Response;
  try {
    res = await fetch(url, init);
  } catch (e) {
    if ((e as Error)?.name === 'AbortError') throw e;
    throw new ApiError(0, 'NETWORK', `无法连接服务器 / cannot reach the server (${(e as Error)?.message ?? e})`);
  }
  const text = await res.text();
  let body: unknown = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    body = null;
  }
  if (!res.ok) {
    if (res.status === 401) notifyUnauthenticated();
    throw toApiError(res.status, body, text);
  }
  return body as T;
}

/** A 401 from any route means the session ended: the auth provider (security/auth.tsx) shows the login page. */
export const UNAUTHENTICATED_EVENT = 'yingzhi:unauthenticated';
export function notifyUnauthenticated(): void {
  window.dispatchEvent(new Event(UNAUTHENTICATED_EVENT));
}

const enc = encodeURIComponent;

export interface SearchParams {
  q: string;
  top?: number;
  kind?: readonly string[];
  yearFrom?: number;
  yearTo?: number;
  language?: 'zh' | 'en';
  includeSuperseded?: boolean;
  mode?: SearchMode;
  /** Ask for `why` on each hit (retrieval test page). */
  explain?: boolean;
  /** Collection ids to search within; none: every collection the user may see. */
  collection?: readonly string[];
}

export const api = {
  search: (p: SearchParams, signal?: AbortSignal) =>
    request<SearchResponse>(
      'GET',
      `/api/search${qs({ q: p.q, top: p.top, kind: p.kind, yearFrom: p.yearFrom, yearTo: p.yearTo, language: p.language, includeSuperseded: p.includeSuperseded ? 'true' : undefined, mode: p.mode, explain: p.explain ? 'true' : undefined, collection: p.collection })}`,
      signal,
    ),
  chunk: (id: string, signal?: AbortSignal) => request<ChunkViewDto>('GET', `/api/chunks/${enc(id)}`, signal),
  sources: (p: { kind?: string; status?: string; sort?: string; limit?: number; offset?: number } = {}, signal?: AbortSignal) =>
    request<SourceListDto>('GET', `/api/sources${qs(p)}`, signal),
  source: (id: string, signal?: AbortSignal) => request<SourceDto>('GET', `/api/sources/${enc(id)}`, signal),
  page: (id: string, page: number, signal?: AbortSignal) => request<PageDto>('GET', `/api/sources/${enc(id)}/pages/${page}`, signal),
  /** Current sources an upload of this file name would meet (shown before the upload is confirmed). */
  nameMatches: (fileName: string, sha256?: string, signal?: AbortSignal) =>
    request<{ nameKey: string; matches: SourceDto[]; duplicate: SourceDto | null }>('GET', `/api/sources/name-matches${qs({ fileName, sha256 })}`, signal),
  unsupersede: (id: string) => request<{ restored: SourceDto; detached: SourceDto }>('POST', `/api/sources/${enc(id)}/unsupersede`),
  jobs: (p: { status?: string; kind?: string; limit?: number; offset?: number } = {}, signal?: AbortSignal) => request<JobListDto>('GET', `/api/jobs${qs(p)}`, signal),
  job: (id: string, signal?: AbortSignal) => request<JobDto>('GET', `/api/jobs/${enc(id)}`, signal),
  retryJob: (id: string) => request<JobDto>('POST', `/api/jobs/${enc(id)}/retry`),
  cancelJob: (id: string) => request<JobDto>('POST', `/api/jobs/${enc(id)}/cancel`),
  ready: (signal?: AbortSignal) => readyz(signal),
  ...knowledgeApi(),
};

// ---------- knowledge graph: review queue, entities, relations, graph store ----------

export type CandidateStatus = Candidate['status'];
export type EntityType = Entity['type'];
export type Extractor = Candidate['extractor'];
/** The review filter as the UI sends it (status chooses the tab; the rest also drives bulk-by-filter). */
export type CandidateQuery = Omit<CandidateFilter, 'status'> & { status?: CandidateStatus };
export interface CandidateListDto {
  total: number;
  /** Counts by status over the whole queue (not filtered): the tab badges. */
  counts: Record<string, number>;
  items: Candidate[];
}
export type CandidateDetailDto = Candidate & { history: HistoryEntry[] };
export type RelationDetailDto = Relation & { history: HistoryEntry[] };
export type EntityDetailDto = Entity & { similar: ResolutionSuggestion[] };
export type SubgraphDto = Subgraph;
export interface GraphStatsDto {
  graph: { entities: number; relations: number; byType: Record<string, number>; byPredicate: Record<string, number> };
  review: Record<string, number>;
  relations: { active: number; retired: number };
  projection: ProjectionStatus;
  predicates: string[];
}
export interface GraphFilterQuery {
  predicates?: readonly Predicate[];
  types?: readonly EntityType[];
  sources?: readonly string[];
  certainty?: readonly Certainty[];
}
export interface ReviewBody {
  comment?: string;
  expectedVersion?: number;
}
export type ApproveBody = ReviewBody & { edit?: ApprovalEdit; overrideConflict?: boolean };
export type BulkBody = { action: 'approve' | 'reject'; comment?: string } & ({ ids: string[] } | { filter: Omit<CandidateFilter, 'status'>; confirmCount?: number });
export type ExportFormat = 'jsonl' | 'csv-nodes' | 'csv-edges' | 'cypher';

export const CANDIDATE_STATUSES: readonly CandidateStatus[] = ['pending', 'approved', 'rejected'];
export const EXPORT_FORMATS: readonly ExportFormat[] = ['jsonl', 'csv-nodes', 'csv-edges', 'cypher'];
export const exportUrl = (format: ExportFormat) => `/api/graph/export${qs({ format })}`;

function graphQuery(f: GraphFilterQuery): Query {
  return { predicates: f.predicates, types: f.types, sources: f.sources, certainty: f.certainty };
}

function knowledgeApi() {
  return {
    candidates: (p: CandidateQuery & { limit?: number; offset?: number }, signal?: AbortSignal) =>
      request<CandidateListDto>('GET', `/api/kg/candidates${qs({ ...p, conflict: p.conflict || undefined, unresolved: p.unresolved || undefined })}`, signal),
    candidate: (id: string, signal?: AbortSignal) => request<CandidateDetailDto>('GET', `/api/kg/candidates/${enc(id)}`, signal),
    approve: (id: string, body: ApproveBody) => request<Candidate>('POST', `/api/kg/candidates/${enc(id)}/approve`, undefined, body),
    reject: (id: string, body: ReviewBody) => request<Candidate>('POST', `/api/kg/candidates/${enc(id)}/reject`, undefined, body),
    bulk: (body: BulkBody) => request<BulkResult>('POST', '/api/kg/candidates/bulk', undefined, body),
    extract: (body: { engine: 'rules' | 'llm'; sourceId?: string }) => request<{ jobs: JobDto[] }>('POST', '/api/kg/extract', undefined, body),
    relation: (id: string, signal?: AbortSignal) => request<RelationDetailDto>('GET', `/api/kg/relations/${enc(id)}`, signal),
    retireRelation: (id: string, reason: string) => request<Relation>('POST', `/api/kg/relations/${enc(id)}/retire`, undefined, { reason }),
    entities: (p: { q: string; type?: EntityType; limit?: number }, signal?: AbortSignal) => request<{ items: Entity[] }>('GET', `/api/kg/entities${qs(p)}`, signal),
    entity: (id: string, signal?: AbortSignal) => request<EntityDetailDto>('GET', `/api/kg/entities/${enc(id)}`, signal),
    resolve: (p: { text: string; type?: string }, signal?: AbortSignal) => request<{ items: ResolutionSuggestion[] }>('GET', `/api/kg/resolve${qs(p)}`, signal),
    merge: (body: { intoId: string; comment?: string } & ({ fromId: string } | { fromSurface: string })) => request<Merge>('POST', '/api/kg/merges', undefined, body),
    undoMerge: (id: string) => request<Merge>('POST', `/api/kg/merges/${enc(id)}/undo`),
    neighbours: (id: string, p: GraphFilterQuery & { depth?: number; limit?: number }, signal?: AbortSignal) =>
      request<SubgraphDto>('GET', `/api/graph/neighbours/${enc(id)}${qs({ ...graphQuery(p), depth: p.depth, limit: p.limit })}`, signal),
    subgraph: (p: GraphFilterQuery & { limit?: number }, signal?: AbortSignal) => request<SubgraphDto>('GET', `/api/graph/subgraph${qs({ ...graphQuery(p), limit: p.limit })}`, signal),
    graphStats: (signal?: AbortSignal) => request<GraphStatsDto>('GET', '/api/graph/stats', signal),
  };
}

/** /readyz answers 503 with the same body when degraded: that is still a readable status. */
async function readyz(signal?: AbortSignal): Promise<ReadyDto> {
  const res = await fetch('/readyz', {
    signal,
    headers: { accept: 'application/json' },
  });
  const body = (await res.json().catch(() => null)) as ReadyDto | null;
  if (body && typeof body === 'object' && 'status' in body && 'database' in body) return body;
  throw toApiError(res.status, body);
}

export interface UploadMeta {
  kind?: string;
  title?: string;
  publisher?: string;
  version?: string;
  year?: string;
  language?: string;
  /** Versioning choice when current sources share the file name: a source id to supersede, or "true" for a separate source. */
  supersedes?: string;
  separate?: string;
}

export interface UploadHandle {
  /** Resolves with 202 (queued) or 409 (duplicate) results; rejects with ApiError otherwise. */
  done: Promise<UploadResultDto>;
  abort(): void;
}

/**
 * SHA-256 of a file as lower-case hex, or undefined where the browser offers no Web Crypto (pages served
 * over plain HTTP from a non-local address are not a secure context).
 */
export async function fileSha256(file: Blob): Promise<string | undefined> {
  if (!globalThis.crypto?.subtle) return undefined;
  const digest = await crypto.subtle.digest('SHA-256', await file.arrayBuffer());
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/** POST /api/sources with XMLHttpRequest, for upload progress events (fetch has none). */
export function uploadSource(file: File, meta: UploadMeta, onProgress: (sent: number, total: number) => void): UploadHandle {
  const xhr = new XMLHttpRequest();
  const form = new FormData();
  // Metadata first: the server reads parts in order, and fields after the file are still accepted.
  for (const [k, v] of Object.entries(meta)) if (v !== undefined && String(v).trim() !== '') form.append(k, String(v).trim());
  form.append('file', file, file.name);
  const done = new Promise<UploadResultDto>((resolve, reject) => {
    xhr.open('POST', '/api/sources');
    xhr.setRequestHeader('accept', 'application/json');
    xhr.upload.onprogress = (ev) => onProgress(ev.loaded, ev.lengthComputable ? ev.total : file.size);
    xhr.onload = () => {
      let body: unknown = null;
      try {
        body = JSON.parse(xhr.responseText);
      } catch {
        body = null;
      }
      if (xhr.status === 202 || (xhr.status === 409 && (body as UploadResultDto | null)?.status === 'duplicate')) {
        onProgress(file.size, file.size);
        resolve(body as UploadResultDto);
      } else reject(toApiError(xhr.status, body, xhr.responseText));
    };
    xhr.onerror = () => reject(new ApiError(0, 'NETWORK', '上传失败：无法连接服务器 / upload failed: cannot reach the server'));
    xhr.onabort = () => reject(new ApiError(0, 'ABORTED', '上传已取消 / upload cancelled'));
    xhr.send(form);
  });
  return { done, abort: () => xhr.abort() };
}
