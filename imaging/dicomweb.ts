import { z } from 'zod';
import type { OutboundHttp, OutboundResponse } from '../connectors/index.ts';
import { AppError } from '../core/index.ts';
import type { NamedBytes } from './load.ts';

/** The PACS connector's config, secrets decrypted (connectors/ gives it). */
export interface PacsEndpoint {
  qidoUrl: string;
  wadoUrl: string;
  authType?: 'none' | 'basic' | 'bearer';
  username?: string;
  secret?: string;
}

/** A study as the picker shows it: no patient name, id or birth date (those never leave the PACS through YingZhi). */
export const PacsStudySchema = z.object({
  studyInstanceUid: z.string(),
  studyDate: z.string().nullable(),
  studyDescription: z.string().nullable(),
  modalities: z.array(z.string()),
  accessionNumber: z.string().nullable(),
  instances: z.number().int().nullable(),
});
export type PacsStudy = z.infer<typeof PacsStudySchema>;

export const PacsSeriesSchema = z.object({
  seriesInstanceUid: z.string(),
  modality: z.string().nullable(),
  seriesDescription: z.string().nullable(),
  seriesNumber: z.number().nullable(),
  instances: z.number().int().nullable(),
});
export type PacsSeries = z.infer<typeof PacsSeriesSchema>;

const UID = /^[0-9.]{1,64}$/;
/** A QIDO-RS or imaging-AI JSON answer larger than this is refused (study lists are small; the picker asks for a page). */
export const MAX_JSON_BYTES = 16 << 20;
const base = (u: string) => u.replace(/\/+$/, '');

function headers(ep: PacsEndpoint, accept: string): Record<string, string> {
  const h: Record<string, string> = { accept };
  if (ep.authType === 'basic') h.authorization = `Basic ${Buffer.from(`${ep.username ?? ''}:${ep.secret ?? ''}`).toString('base64')}`;
  if (ep.authType === 'bearer' && ep.secret) h.authorization = `Bearer ${ep.secret}`;
  return h;
}

/** A GET through the connector client (address checked at each call, no redirect followed), body read up to `maxBytes`. */
async function get(http: OutboundHttp, url: string, h: Record<string, string>, timeoutMs: number, maxBytes: number, tooLarge: () => AppError): Promise<OutboundResponse> {
  let res: OutboundResponse;
  try {
    res = await http.request(url, { method: 'GET', headers: h, timeoutMs, maxBytes });
  } catch (e) {
    const { category, detail } = e as { category?: string; detail?: string | null };
    if (category === 'RESPONSE_TOO_LARGE') throw tooLarge();
    if (category === 'NOT_ALLOWED') throw new AppError('TARGET_NOT_ALLOWED', `PACS 的地址不被连接允许列表允许 / the PACS address is not allowed by the connector allow-list (${detail ?? 'refused'})`);
    throw new AppError('PACS_UNAVAILABLE', `PACS 不可达 / the PACS is unreachable (${category ?? (e as Error).name})`);
  }
  if (res.status === 404) throw new AppError('NOT_FOUND', 'PACS 中没有该检查或序列 / the PACS has no such study or series', { field: 'studyUid' });
  if (res.status < 200 || res.status >= 300) throw new AppError('PACS_UNAVAILABLE', `PACS 返回 ${res.status} / the PACS answered ${res.status}`);
  return res;
}

/** A DICOM JSON attribute's first value (string or number), or null. */
function first(item: Record<string, { Value?: unknown[] }>, tag: string): unknown {
  return item[tag]?.Value?.[0] ?? null;
}
const str = (v: unknown) => (v === null || v === undefined ? null : typeof v === 'object' ? (((v as { Alphabetic?: string }).Alphabetic ?? null) as string | null) : String(v));

async function qido(http: OutboundHttp, ep: PacsEndpoint, path: string, timeoutMs: number): Promise<Array<Record<string, { Value?: unknown[] }>>> {
  const tooLarge = () => new AppError('PACS_UNAVAILABLE', `PACS 的 QIDO-RS 应答超过 ${MAX_JSON_BYTES >> 20} MB / the QIDO-RS answer is larger than ${MAX_JSON_BYTES >> 20} MB`);
  const { body: bytes } = await get(http, `${base(ep.qidoUrl)}${path}`, headers(ep, 'application/dicom+json'), timeoutMs, MAX_JSON_BYTES, tooLarge);
  const text = bytes.toString('utf8');
  if (!text.trim()) return [];
  try {
    const body = JSON.parse(text);
    if (!Array.isArray(body)) throw new Error('not an array');
    return body;
  } catch {
    throw new AppError('PACS_UNAVAILABLE', 'PACS 的 QIDO-RS 应答不是 DICOM JSON / the PACS QIDO-RS answer is not DICOM JSON');
  }
}

/** QIDO-RS study search (by date range YYYYMMDD[-YYYYMMDD] and/or accession number). */
export async function searchStudies(http: OutboundHttp, ep: PacsEndpoint, q: { date?: string; accession?: string; modality?: string; limit: number }, timeoutMs: number): Promise<PacsStudy[]> {
  const params = new URLSearchParams({ limit: String(q.limit), includefield: '00081030,00080061,00201208,00080050,00080020' });
  if (q.date) params.set('StudyDate', q.date);
  if (q.accession) params.set('AccessionNumber', q.accession);
  if (q.modality) params.set('ModalitiesInStudy', q.modality);
  const rows = await qido(http, ep, `/studies?${params}`, timeoutMs);
  return rows
    .map((r) => ({
      studyInstanceUid: String(first(r, '0020000D') ?? ''),
      studyDate: str(first(r, '00080020')),
      studyDescription: str(first(r, '00081030')),
      modalities: ((r['00080061']?.Value ?? []) as unknown[]).map(String),
      accessionNumber: str(first(r, '00080050')),
      instances: first(r, '00201208') === null ? null : Number(first(r, '00201208')),
    }))
    .filter((s) => UID.test(s.studyInstanceUid));
}

/** QIDO-RS series of a study. */
export async function listSeries(http: OutboundHttp, ep: PacsEndpoint, studyUid: string, timeoutMs: number): Promise<PacsSeries[]> {
  if (!UID.test(studyUid)) throw new AppError('VALIDATION_FAILED', `无效的 StudyInstanceUID / invalid StudyInstanceUID ${studyUid}`, { field: 'studyUid' });
  const rows = await qido(http, ep, `/studies/${studyUid}/series?includefield=0008103E,00200011,00201209`, timeoutMs);
  return rows
    .map((r) => ({
      seriesInstanceUid: String(first(r, '0020000E') ?? ''),
      modality: str(first(r, '00080060')),
      seriesDescription: str(first(r, '0008103E')),
      seriesNumber: first(r, '00200011') === null ? null : Number(first(r, '00200011')),
      instances: first(r, '00201209') === null ? null : Number(first(r, '00201209')),
    }))
    .filter((s) => UID.test(s.seriesInstanceUid));
}

/**
 * WADO-RS retrieve of a whole series as Part-10 files (multipart/related; type="application/dicom"), the
 * parts split at the boundary the response declares. The files are hostile input like any upload.
 */
export async function retrieveSeries(http: OutboundHttp, ep: PacsEndpoint, studyUid: string, seriesUid: string, opts: { timeoutMs: number; maxBytes: number }): Promise<NamedBytes[]> {
  if (!UID.test(studyUid) || !UID.test(seriesUid)) throw new AppError('VALIDATION_FAILED', '无效的 UID / invalid study or series UID', { field: 'seriesUid' });
  const tooLarge = () => new AppError('FILE_TOO_LARGE', '序列超过影像上限 / the series exceeds YZ_IMAGING_MAX_MB', { field: 'seriesUid' });
  const { headers: answered, body } = await get(http, `${base(ep.wadoUrl)}/studies/${studyUid}/series/${seriesUid}`, headers(ep, 'multipart/related; type="application/dicom"'), opts.timeoutMs, opts.maxBytes, tooLarge);
  const type = answered['content-type'] ?? '';
  const boundary = /boundary="?([^";]+)"?/i.exec(type)?.[1];
  if (!/^multipart\/related/i.test(type) || !boundary) throw new AppError('PACS_UNAVAILABLE', `PACS 的 WADO-RS 应答不是 multipart/related / the WADO-RS answer is ${type || 'untyped'}, not multipart/related`);
  return splitMultipart(body, boundary).map((bytes, n) => ({ name: `wado-${String(n + 1).padStart(5, '0')}.dcm`, bytes }));
}

/** Bodies of a multipart message (headers dropped). */
export function splitMultipart(body: Buffer, boundary: string): Buffer[] {
  const delim = Buffer.from(`--${boundary}`);
  const parts: Buffer[] = [];
  let at = body.indexOf(delim);
  while (at >= 0) {
    const start = at + delim.length;
    if (body.subarray(start, start + 2).toString() === '--') break;
    const next = body.indexOf(delim, start);
    if (next < 0) break;
    const part = body.subarray(start, next);
    const headerEnd = part.indexOf('\r\n\r\n');
    if (headerEnd >= 0) {
      let content = part.subarray(headerEnd + 4);
      if (content.subarray(-2).toString() === '\r\n') content = content.subarray(0, -2);
      parts.push(Buffer.from(content));
    }
    at = next;
  }
  return parts;
}
