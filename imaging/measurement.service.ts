import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { AuditLog } from '../audit/index.ts';
import { AppError, type ImagingConfig, isAppError, type Logger, newId, sha256Hex } from '../core/index.ts';
import type { Database, Job, JobHandler, JobQueue } from '../store/index.ts';
import type { ConnectorEndpoints } from './ai/ai.service.ts';
import { type PacsEndpoint, retrieveSeries } from './dicomweb.ts';
import { loadImage, loadMask, type NamedBytes } from './load.ts';
import { scrubPatientFields } from './readers/scrub.ts';
import { alignMask, type MaskVolume } from './mask.ts';
import { measure } from './measure/measure.ts';
import type { MeasureRequestOptions } from './measure-request.schema.ts';
import type { MeasurementResult } from './measurement.schema.ts';
import { type MeasurementRow, MeasurementsRepository } from './measurements.repository.ts';
import type { Volume } from './volume.ts';
import { type StoredVolumeMeta, VolumeStore } from './volume-store.ts';

export const MEASURE_JOB = 'imaging.measure';

/** A series on the PACS (DICOMweb through the `pacs` connector) instead of uploaded image files. */
export interface PacsSeriesRef {
  studyUid: string;
  seriesUid: string;
  connectorId?: string;
}

export interface MeasurementInput {
  /** Uploaded image files (one NIfTI, or one DICOM series); empty when `pacs` names the series. */
  image: NamedBytes[];
  pacs?: PacsSeriesRef;
  mask: NamedBytes;
  /** The unenhanced phase, for the enhancement descriptor. */
  pre?: NamedBytes[];
  options: MeasureRequestOptions;
  actor: string;
  /** Link the result to a source (a case document). */
  sourceId?: string;
}

export type MeasureOutcome = { status: 'measured'; measurement: MeasurementResult; row: MeasurementRow } | { status: 'queued'; job: Job };

export interface MeasurementServiceDeps {
  db: Database;
  jobs: JobQueue;
  log: Logger;
  config: ImagingConfig;
  connectors: ConnectorEndpoints;
  /** Wake the job workers after a measurement is queued. */
  wake?: () => void;
}

/** A WADO-RS series retrieve may move hundreds of MB. */
const PACS_TIMEOUT_MS = 120_000;

/**
 * Measurement use cases: measure uploaded files in the request when small, or spool them and queue a
 * durable, resumable job when large (progress per step); store each result (idempotent by its id) with the
 * image and mask in the volume cache for the slice viewer; read results back and export them as CSV.
 */
export class MeasurementService {
  readonly repo: MeasurementsRepository;
  readonly volumes: VolumeStore;

  private readonly audit = new AuditLog();

  constructor(private readonly deps: MeasurementServiceDeps) {
    this.repo = new MeasurementsRepository(deps.db);
    this.volumes = new VolumeStore(deps.config.dir, deps.config.retentionDays);
  }

  jobHandlers(): Record<string, JobHandler> {
    return { [MEASURE_JOB]: { run: (job) => this.runJob(job), onError: (job, e) => this.onJobError(job, e) } };
  }

  /** Measure now (inputs up to YZ_IMAGING_SYNC_MB) or queue a job (larger inputs). */
  async submit(input: MeasurementInput): Promise<MeasureOutcome> {
    // Patient fields never reach the spool, a hash or a result.
    scrubPatientFields([...input.image, input.mask, ...(input.pre ?? [])]);
    const total = [...input.image, input.mask, ...(input.pre ?? [])].reduce((n, f) => n + f.bytes.byteLength, 0);
    if (total > this.deps.config.maxBytes) {
      throw new AppError('FILE_TOO_LARGE', `影像输入 ${Math.round(total / 1048576)} MB 超过上限 / imaging input of ${Math.round(total / 1048576)} MB exceeds YZ_IMAGING_MAX_MB`, { field: 'image' });
    }
    if (input.sourceId && !(await this.repo.sourceExists(input.sourceId))) {
      throw new AppError('NOT_FOUND', `来源不存在 / unknown source ${input.sourceId}`, { field: 'sourceId' });
    }
    if (input.pacs) await this.pacsEndpoint(input.pacs.connectorId);
    if (total <= this.deps.config.syncBytes && !input.pacs) {
      const { result, row } = await this.measureAndStore(input, null, true);
      return { status: 'measured', measurement: result, row };
    }
    const spoolId = newId('spool');
    const dir = this.spoolDir(spoolId);
    for (const [part, files] of [['image', input.image], ['mask', [input.mask]], ['pre', input.pre ?? []]] as const) {
      mkdirSync(path.join(dir, part), { recursive: true });
      for (const [n, f] of files.entries()) writeFileSync(path.join(dir, part, `${String(n).padStart(5, '0')}-${safeName(f.name)}`), f.bytes);
    }
    const job = await this.deps.db.transaction(async (tx) => {
      const queued = await this.deps.jobs.enqueue(tx, MEASURE_JOB, { spoolId, options: input.options, actor: input.actor, sourceId: input.sourceId ?? null, pacs: input.pacs ?? null }, { dedupeKey: `${MEASURE_JOB}:${spoolId}`, maxAttempts: 3 });
      await this.audit.append(tx, { actor: input.actor, action: 'imaging.measure', target: queued.id, details: { queued: true, pacs: Boolean(input.pacs), sourceId: input.sourceId ?? null } });
      return queued;
    });
    this.deps.wake?.();
    return { status: 'queued', job };
  }

  /** The enabled PACS connector (the given one, else the first), secrets decrypted; NOT_CONFIGURED without one. */
  async pacsEndpoint(connectorId?: string): Promise<PacsEndpoint> {
    const ep = await this.deps.connectors.endpointOf('pacs', connectorId);
    if (!ep) throw new AppError('NOT_CONFIGURED', '尚未配置 PACS 连接器（集成页面）/ no PACS connector is configured (Connectors page)', { field: 'pacs' });
    return ep.config as unknown as PacsEndpoint;
  }

  async get(id: string): Promise<{ row: MeasurementRow; result: MeasurementResult }> {
    const found = await this.repo.get(id);
    if (!found) throw new AppError('NOT_FOUND', `测量结果不存在 / unknown measurement ${id}`, { field: 'id' });
    return found;
  }

  list(filter: { studyUid?: string; sourceId?: string; limit?: number }): Promise<MeasurementRow[]> {
    return this.repo.list(filter);
  }

  volumeMeta(key: string): StoredVolumeMeta {
    const m = this.volumes.meta(key);
    if (!m) throw new AppError('NOT_FOUND', `影像缓存中没有 ${key}（可能已过期）/ no cached volume ${key} (it may have expired; measure again)`, { field: 'key' });
    return m;
  }

  slice(key: string, k: number) {
    return this.volumes.slice(key, k);
  }

  /** Every citable number of a result as CSV: lesion, label, name, key, value, unit, ref. */
  async featuresCsv(id: string): Promise<string> {
    const { result } = await this.get(id);
    const names = new Map<string, { label: number; labelName: string | null }>(result.volumes.map((v) => [`L${v.label}`, { label: v.label, labelName: v.name }]));
    for (const l of result.lesions) names.set(l.ref, l);
    // Label names come from the uploaded SEG/RTSTRUCT: text that a spreadsheet would run as a formula is
    // prefixed with an apostrophe (numbers, negative ones included, are left as numbers).
    const esc = (v: unknown) => {
      let s = String(v ?? '');
      if (typeof v === 'string' && /^[=+\-@\t\r]/.test(s)) s = `'${s}`;
      return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
    };
    const lines = ['lesion,label,label_name,key,value,unit,ref'];
    for (const q of result.quantities) {
      const l = names.get(q.lesion);
      lines.push([q.lesion, l?.label, l?.labelName ?? '', q.key, q.value, q.unit, q.ref].map(esc).join(','));
    }
    return `\ufeff${lines.join('\r\n')}\r\n`;
  }

  /** Read, measure and store one input; shared by the request path and the job. */
  private async measureAndStore(input: Omit<MeasurementInput, 'sourceId'> & { sourceId?: string | null }, job: Job | null, audited = false): Promise<{ result: MeasurementResult; row: MeasurementRow }> {
    const limits = { maxBytes: this.deps.config.maxBytes };
    const progress = async (done: number, step: string) => {
      if (job) await this.deps.jobs.progress(this.deps.db, job.id, step, done, 3);
    };
    await progress(0, 'read');
    const image = loadImage(input.image, { limits, modality: input.options.modality });
    const mask = alignMask(loadMask(input.mask, image.geometry, { limits, threshold: input.options.threshold }), image.geometry);
    const pre = input.pre?.length ? loadImage(input.pre, { limits, modality: image.modality === 'unknown' ? undefined : image.modality }) : null;
    await progress(1, 'measure');
    const result = measure(image, mask, { ...input.options, pre });
    await progress(2, 'store');
    const { imageKey, maskKey } = this.cache(image, mask, result);
    const row = await this.deps.db.transaction(async (tx) => {
      const stored = await this.repo.upsert(tx, result, { imageKey, maskKey, sourceId: input.sourceId ?? null, jobId: job?.id ?? null, actor: input.actor });
      // A request measured at once is audited here; a queued one was audited when it was queued.
      if (audited) {
        await this.audit.append(tx, { actor: input.actor, action: 'imaging.measure', target: result.id, details: { image: result.provenance.image.kind, modality: result.provenance.modality, lesions: result.lesions.length, sourceId: input.sourceId ?? null } });
      }
      return stored;
    });
    this.deps.log.info({ measurementId: result.id, lesions: result.lesions.length, ms: result.timingsMs.total }, 'measurement stored');
    return { result, row };
  }

  private cache(image: Volume, mask: MaskVolume, result: MeasurementResult): { imageKey: string; maskKey: string } {
    const imageKey = `img_${image.source.sha256.slice(0, 32)}`;
    const maskKey = `msk_${sha256Hex(`${mask.sha256}:${imageKey}:${mask.threshold ?? ''}`).slice(0, 32)}`;
    this.volumes.put(imageKey, image.geometry, image.data, image.modality, defaultWindow(image, result));
    this.volumes.put(maskKey, mask.geometry, mask.labels, 'mask', { center: 0, width: 1 });
    return { imageKey, maskKey };
  }

  private spoolDir(id: string): string {
    return path.join(this.deps.config.dir, 'spool', id);
  }

  private async runJob(job: Job): Promise<void> {
    const spoolId = String(job.payload.spoolId ?? '');
    if (!/^spool_[0-9a-z]+$/.test(spoolId)) throw new AppError('VALIDATION_FAILED', `bad spool id ${spoolId}`);
    const dir = this.spoolDir(spoolId);
    const read = (part: string): NamedBytes[] => {
      const d = path.join(dir, part);
      try {
        return readdirSync(d).sort().map((f) => ({ name: f.replace(/^\d{5}-/, ''), bytes: readFileSync(path.join(d, f)) }));
      } catch {
        throw new AppError('NOT_FOUND', `待测量的文件已不存在 / the queued input files are gone (${spoolId})`, { field: 'spoolId' });
      }
    };
    const [mask] = read('mask');
    const pacs = job.payload.pacs as PacsSeriesRef | null;
    let image = read('image');
    if (pacs) {
      await this.deps.jobs.progress(this.deps.db, job.id, 'retrieve', 0, 3);
      image = scrubPatientFields(await retrieveSeries(this.deps.connectors.http, await this.pacsEndpoint(pacs.connectorId), pacs.studyUid, pacs.seriesUid, { timeoutMs: PACS_TIMEOUT_MS, maxBytes: this.deps.config.maxBytes }));
    }
    const { result } = await this.measureAndStore(
      { image, mask, pre: read('pre'), options: job.payload.options as MeasureRequestOptions, actor: String(job.payload.actor ?? 'system'), sourceId: (job.payload.sourceId as string | null) ?? null },
      job,
    );
    await this.deps.db.transaction(async (tx) => {
      await this.deps.jobs.progress(tx, job.id, 'done', 3, 3);
      await this.deps.jobs.succeed(tx, job.id, { measurementId: result.id, lesions: result.lesions.length });
    });
    rmSync(dir, { recursive: true, force: true });
    this.volumes.prune();
  }

  private async onJobError(job: Job, e: unknown): Promise<void> {
    const info = isAppError(e) ? { code: e.code, message: e.message } : { code: 'INTERNAL', message: String((e as Error)?.message ?? e) };
    // Bad input will not improve on retry: fail at once and drop the spooled files.
    const permanent = isAppError(e) && e.status < 500;
    const after = await this.deps.jobs.fail(job.id, info, permanent);
    if (after?.status === 'failed') rmSync(this.spoolDir(String(job.payload.spoolId ?? 'x')), { recursive: true, force: true });
  }
}

const safeName = (s: string) => s.replace(/[^A-Za-z0-9._-]+/g, '_').slice(-120) || 'file';

/** The display window: the DICOM header's, else lung for air-containing lesions, soft tissue otherwise; MR from percentiles. */
function defaultWindow(image: Volume, result: MeasurementResult): { center: number; width: number } {
  const c = Number(image.meta.windowCenter);
  const w = Number(image.meta.windowWidth);
  const lesionMean = result.lesions[0]?.intensity.mean ?? 0;
  if (image.modality === 'CT') {
    if (lesionMean < -200) return { center: -600, width: 1500 };
    if (Number.isFinite(c) && w > 0 && image.meta.windowCenter !== null) return { center: c, width: w };
    return { center: 40, width: 400 };
  }
  // Signal images: the 1st–99th percentile of a sample.
  const d = image.data;
  const step = Math.max(1, Math.floor(d.length / 200_000));
  const sample: number[] = [];
  for (let i = 0; i < d.length; i += step) sample.push(d[i]);
  sample.sort((a, b) => a - b);
  const lo = sample[Math.floor(sample.length * 0.01)] ?? 0;
  const hi = sample[Math.floor(sample.length * 0.99)] ?? 1;
  return { center: (lo + hi) / 2, width: Math.max(1, hi - lo) };
}
