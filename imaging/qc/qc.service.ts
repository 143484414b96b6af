import { createHash } from 'node:crypto';
import { AuditLog } from '../../audit/index.ts';
import { AppError, type Logger, newId } from '../../core/index.ts';
import type { Database } from '../../store/index.ts';
import type { NamedBytes } from '../load.ts';
import { parseDicomFiles } from '../readers/dicom-series.ts';
import type { ReadLimits } from '../readers/limits.ts';
import { checkSeries } from './protocol-qc.ts';
import { protocolRules } from './protocol-check.ts';
import type { Dashboard, ProtocolRules, QcResult, QcRun } from './qc.schema.ts';
import { QcRepository } from './qc.repository.ts';

/**
 * Check every image series among a set of DICOM files (no storage): the CLI and the service share it.
 * `timeZone` (YZ_TIMEZONE) reads header times that carry no UTC offset.
 */
export function protocolQc(files: NamedBytes[], limits: ReadLimits, timeZone = 'Asia/Shanghai'): { results: QcResult[]; keys: string[]; skipped: string[] } {
  const { images, skipped } = parseDicomFiles(files, limits);
  if (images.size === 0) throw new AppError('IMAGE_UNREADABLE', `没有找到 DICOM 图像 / no DICOM image among ${files.length} file(s)`, { field: 'file' });
  const version = protocolRules().version;
  const results: QcResult[] = [];
  const keys: string[] = [];
  for (const [uid, list] of images) {
    results.push(checkSeries(uid, list, timeZone));
    const h = createHash('sha256').update(version);
    for (const f of [...list].sort((a, b) => a.name.localeCompare(b.name))) h.update(f.bytes);
    keys.push(h.digest('hex'));
  }
  return { results, keys, skipped };
}

/** Protocol and image-quality QC: check uploaded series, store runs (idempotent per series and rules version), dashboard. */
export class QcService {
  readonly repo: QcRepository;
  private readonly audit = new AuditLog();

  constructor(private readonly deps: { db: Database; log: Logger; limits: ReadLimits; timeZone: string }) {
    this.repo = new QcRepository(deps.db, deps.timeZone);
  }

  rules(): ProtocolRules {
    return protocolRules();
  }

  async check(files: NamedBytes[], actor: string): Promise<{ runs: QcRun[]; skipped: string[] }> {
    const { results, keys, skipped } = protocolQc(files, this.deps.limits, this.deps.timeZone);
    const runs = await this.deps.db.transaction(async (tx) => {
      const out: QcRun[] = [];
      for (let n = 0; n < results.length; n++) out.push(await this.repo.upsert(tx, newId('qc'), keys[n], results[n], actor));
      await this.audit.append(tx, { actor, action: 'imaging.qc', target: out.length === 1 ? out[0].id : null, details: { runs: out.map((r) => r.id), statuses: out.map((r) => r.status) } });
      return out;
    });
    this.deps.log.info({ series: runs.length, statuses: runs.map((r) => r.status) }, 'protocol QC stored');
    return { runs, skipped };
  }

  async get(id: string): Promise<QcRun> {
    const r = await this.repo.get(id);
    if (!r) throw new AppError('NOT_FOUND', `质控记录不存在 / unknown QC run ${id}`, { field: 'id' });
    return r;
  }

  list(f: { scanner?: string; status?: string; examType?: string; limit?: number }): Promise<QcRun[]> {
    return this.repo.list(f);
  }

  dashboard(groupBy: 'scanner' | 'protocol', days: number): Promise<Dashboard> {
    return this.repo.dashboard(groupBy, days);
  }
}
