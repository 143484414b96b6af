import type { ImagingConfig, Lexicon, Logger } from '../core/index.ts';
import type { Database, JobHandler, JobQueue } from '../store/index.ts';
import type { AiResultRow, AiTask } from './ai/ai.schemas.ts';
import { AiService, type ConnectorEndpoints } from './ai/ai.service.ts';
import { listSeries, type PacsSeries, type PacsStudy, searchStudies } from './dicomweb.ts';
import type { MeasurementResult } from './measurement.schema.ts';
import { MeasurementService } from './measurement.service.ts';
import { QcService } from './qc/qc.service.ts';

const PACS_QUERY_TIMEOUT_MS = 15_000;

/** What the chat tools may read from imaging (agents/ depends on this port, never on the services). */
export interface ImagingToolPort {
  /** Is an enabled imaging-AI connector configured? */
  aiConfigured(): Promise<boolean>;
  /** Imaging-AI requests and results of a study, newest first. */
  aiResults(studyUid: string, task?: AiTask): Promise<AiResultRow[]>;
  /** Stored measurements by measurement id, StudyInstanceUID or cached image key (newest first, at most 5). */
  measurementsFor(ref: string): Promise<MeasurementResult[]>;
}

export interface ImagingDeps {
  db: Database;
  jobs: JobQueue;
  log: Logger;
  lexicon: Lexicon;
  config: ImagingConfig;
  connectors: ConnectorEndpoints;
  /** YZ_TIMEZONE: how DICOM wall-clock times and dashboard weeks are read. */
  timeZone: string;
  wake?: () => void;
}

/** The imaging capability wired once: measurements, protocol/image-quality QC, imaging AI. */
export class Imaging {
  readonly measurements: MeasurementService;
  readonly qc: QcService;
  readonly ai: AiService;
  private readonly connectors: ConnectorEndpoints;

  constructor(deps: ImagingDeps) {
    this.connectors = deps.connectors;
    this.measurements = new MeasurementService({ db: deps.db, jobs: deps.jobs, log: deps.log, config: deps.config, connectors: deps.connectors, wake: deps.wake });
    this.qc = new QcService({ db: deps.db, log: deps.log, limits: { maxBytes: deps.config.maxBytes }, timeZone: deps.timeZone });
    this.ai = new AiService({ db: deps.db, jobs: deps.jobs, log: deps.log, lexicon: deps.lexicon, connectors: deps.connectors, client: deps.config.ai, wake: deps.wake });
  }

  /** Studies on the PACS (QIDO-RS), for the Measure page's picker. */
  async pacsStudies(q: { date?: string; accession?: string; modality?: string; limit: number }): Promise<PacsStudy[]> {
    return searchStudies(this.connectors.http, await this.measurements.pacsEndpoint(), q, PACS_QUERY_TIMEOUT_MS);
  }

  async pacsSeries(studyUid: string): Promise<PacsSeries[]> {
    return listSeries(this.connectors.http, await this.measurements.pacsEndpoint(), studyUid, PACS_QUERY_TIMEOUT_MS);
  }

  jobHandlers(): Record<string, JobHandler> {
    return { ...this.measurements.jobHandlers(), ...this.ai.jobHandlers() };
  }

  toolPort(): ImagingToolPort {
    return {
      aiConfigured: () => this.ai.configured(),
      aiResults: (studyUid, task) => this.ai.list({ studyUid, task, limit: 5 }),
      measurementsFor: async (ref) => {
        if (/^msr_[0-9a-f]{24}$/.test(ref)) {
          const one = await this.measurements.repo.get(ref);
          return one ? [one.result] : [];
        }
        const rows = /^img_[0-9a-f]+$/.test(ref) ? (await this.measurements.list({ limit: 200 })).filter((r) => r.imageKey === ref) : await this.measurements.list({ studyUid: ref, limit: 5 });
        const out: MeasurementResult[] = [];
        for (const r of rows.slice(0, 5)) {
          const full = await this.measurements.repo.get(r.id);
          if (full) out.push(full.result);
        }
        return out;
      },
    };
  }
}
