import { AuditLog } from '../audit/index.ts';
import { AppError, type Lexicon, type Logger, newId, type Tokenizer } from '../core/index.ts';
import type { AiResultRow, MeasurementResult } from '../imaging/index.ts';
import type { LlmProvider } from '../llm/index.ts';
import type { Database, JobHandler, JobQueue } from '../store/index.ts';
import type { Draft, DraftRequest, DraftRevision, DraftSummary } from './draft.schema.ts';
import { DraftsRepository } from './drafts.repository.ts';
import { draftText, renderDraft } from './engine.ts';
import { toFhir } from './export/fhir.ts';
import { parseHl7, toHl7 } from './export/hl7.ts';
import { guard } from './guard.ts';
import { type ResolvedValues, valuesFromAi, valuesFromMeasurement } from './inputs.ts';
import { type PushTargets, ReportOutbox } from './push/outbox.ts';
import { assertReportText, type QcResult, ReportQc } from './qc/qc.ts';
import { type SecondOpinion, secondOpinion } from './qc/second-opinion.ts';
import { rewriteDraft } from './rewrite.ts';
import { ReportStructurer, type StructuredReport } from './structure/structure.ts';
import { type TemplateSummary, TemplateSummarySchema, templates } from './templates.ts';
import { type FindingType, parseReportValues } from './values.schema.ts';

export interface ReportingDeps {
  db: Database;
  lexicon?: Lexicon;
  /** With the lexicon: post-structuring, and QC of counts and sides finding by finding. */
  tokenizer?: Tokenizer;
  /** The active model, or null (YZ_LLM=none): read at each draft, it can be switched. */
  llm: () => LlmProvider | null;
  measurement: (id: string) => Promise<MeasurementResult>;
  aiResult: (id: string) => Promise<AiResultRow>;
  /** The outbox's queue and targets (RIS connectors in REST mode); without them pushing is unavailable. */
  jobs?: JobQueue;
  pushTargets?: PushTargets;
  log?: Logger;
  pushTimeoutMs?: number;
  wake?: () => void;
}

export const EXPORT_FORMATS = ['text', 'fhir', 'hl7'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** Report drafting, storage with provenance, exports for RIS and report QC. */
export class Reporting {
  readonly qc: ReportQc;
  private readonly structurer: ReportStructurer | null;
  /** Pushes to RIS / webhook targets, with retries and visible state (null without a job queue). */
  readonly outbox: ReportOutbox | null;
  private readonly repo = new DraftsRepository();
  private readonly audit = new AuditLog();

  constructor(private readonly deps: ReportingDeps) {
    this.qc = new ReportQc(deps.lexicon, deps.tokenizer);
    this.structurer = deps.lexicon && deps.tokenizer ? new ReportStructurer(deps.lexicon, deps.tokenizer) : null;
    this.outbox = deps.jobs && deps.pushTargets && deps.log
      ? new ReportOutbox({ db: deps.db, jobs: deps.jobs, log: deps.log, targets: deps.pushTargets, draft: (id) => this.get(id), timeoutMs: deps.pushTimeoutMs ?? 10_000, wake: deps.wake })
      : null;
  }

  jobHandlers(): Record<string, JobHandler> {
    return this.outbox?.jobHandlers() ?? {};
  }

  /** The outbox, or STATE_CONFLICT when this process has none (a CLI without the job queue). */
  pushes(): ReportOutbox {
    if (!this.outbox) throw new AppError('STATE_CONFLICT', '推送不可用（没有任务队列）/ pushing is unavailable here (no job queue)');
    return this.outbox;
  }

  /** Resolve the inputs, render the template, let the model rewrite when asked and configured (guarded), store, audit. */
  async draft(req: DraftRequest, actor: string): Promise<Draft> {
    const { values, sources } = await this.resolve(req);
    const t = renderDraft(values, sources, req.templateId);
    const templateText = draftText(t);
    let findings = t.findings;
    let impression = t.impression;
    let engine: Draft['engine'] = 'template';
    let engineNote: string;
    let llm: Draft['llm'] = { status: 'not_configured', model: null, prompt: null, reason: null, issues: [], candidate: null };
    const model = req.rewrite ? this.deps.llm() : null;
    if (!req.rewrite) {
      llm = { ...llm, status: 'not_requested' };
      engineNote = '模板引擎（未请求大模型改写）/ template engine (no rewrite requested)';
    } else if (!model) {
      engineNote = '模板引擎：未配置大模型（YZ_LLM=none）/ template engine: no model configured (YZ_LLM=none)';
    } else {
      const out = await rewriteDraft(model, { findings, impression, reference: templateText }, req.style);
      if (out.status === 'accepted') {
        findings = out.findings;
        impression = out.impression;
        engine = 'llm';
        engineNote = `大模型 ${out.model} 改写，已通过数值/侧别/肺段校验 / rewritten by ${out.model}, passed the numeric/side/segment guard`;
        llm = { status: 'accepted', model: out.model, prompt: out.prompt, reason: null, issues: [], candidate: null };
      } else {
        engineNote = out.reason;
        llm = { status: out.status, model: out.model, prompt: out.prompt, reason: out.reason, issues: out.status === 'rejected' ? out.issues : [], candidate: out.status === 'rejected' ? out.candidate : null };
      }
    }
    const id = newId('rpt');
    const draft: Draft = {
      id,
      createdAt: new Date().toISOString(),
      createdBy: actor,
      source: {
        kind: req.measurementId ? 'measurement' : req.aiResultId ? 'ai' : 'typed',
        measurementId: req.measurementId ?? null,
        lesion: req.measurementId ? (req.lesion ?? null) : null,
        aiResultId: req.aiResultId ?? null,
        findingIndex: req.aiResultId ? req.findingIndex : null,
      },
      values,
      templateId: t.templateId,
      templateVersion: t.templateVersion,
      engine,
      engineNote,
      llm,
      findings,
      impression,
      followUpText: t.followUpText,
      followUp: t.followUp,
      templateText,
      text: draftText({ findings, impression, followUpText: t.followUpText }),
      renderedValues: t.values,
      notes: t.notes,
      provenanceUrl: `/reports/drafts/${id}`,
      revision: null,
    };
    await this.deps.db.transaction(async (tx) => {
      await this.repo.insert(tx, draft);
      await this.audit.append(tx, {
        actor,
        action: 'report.draft',
        target: id,
        details: { template: `${t.templateId}@${t.templateVersion}`, engine, llm: llm.status, measurementId: draft.source.measurementId, aiResultId: draft.source.aiResultId },
      });
    });
    return draft;
  }

  /**
   * A radiologist's edit, stored as a new draft that names the one it revises (same inputs, values and follow-up).
   * The guard compares the edit with the template text: a value not in the inputs is reported, not refused —
   * the radiologist is the author — and the Draft page shows it.
   */
  async revise(parentId: string, edit: DraftRevision, actor: string): Promise<Draft> {
    const parent = await this.get(parentId);
    const id = newId('rpt');
    const text = draftText({ findings: edit.findings, impression: edit.impression, followUpText: parent.followUpText });
    const draft: Draft = {
      ...parent,
      id,
      createdAt: new Date().toISOString(),
      createdBy: actor,
      engine: 'edited',
      engineNote: `${actor} 编辑（修订 ${parent.id}）/ edited by ${actor} (revises ${parent.id})`,
      findings: edit.findings,
      impression: edit.impression,
      text,
      provenanceUrl: `/reports/drafts/${id}`,
      revision: { of: parent.id, guard: guard(`${edit.findings}\n${edit.impression}`, parent.templateText) },
    };
    await this.deps.db.transaction(async (tx) => {
      await this.repo.insert(tx, draft);
      await this.audit.append(tx, { actor, action: 'report.draft', target: id, details: { op: 'revise', of: parent.id, guardOk: draft.revision?.guard.ok ?? true } });
    });
    return draft;
  }

  async get(id: string): Promise<Draft> {
    const d = await this.repo.get(this.deps.db, id);
    if (!d) throw new AppError('NOT_FOUND', `报告草稿不存在 / unknown report draft ${id}`, { field: 'id' });
    return d;
  }

  list(filter: { measurementId?: string; limit: number }): Promise<DraftSummary[]> {
    return this.repo.list(this.deps.db, filter);
  }

  /** The draft for RIS: plain text (with the provenance URL), FHIR R4 Bundle, or HL7 v2 ORU^R01 (parsed back before it leaves). */
  async export(id: string, format: ExportFormat, baseUrl = ''): Promise<{ contentType: string; body: string }> {
    const d = await this.get(id);
    if (format === 'fhir') return { contentType: 'application/fhir+json; charset=utf-8', body: JSON.stringify(toFhir(d, baseUrl), null, 2) };
    if (format === 'hl7') {
      const msg = toHl7(d, baseUrl);
      parseHl7(msg);
      return { contentType: 'application/hl7-v2; charset=utf-8', body: msg };
    }
    return { contentType: 'text/plain; charset=utf-8', body: `${d.text}\n\n来源 / provenance: ${baseUrl}${d.provenanceUrl}（${d.templateId}@${d.templateVersion}，${d.engine === 'llm' ? `大模型 ${d.llm.model}` : '模板引擎'}）` };
  }

  /** The templates a draft can be written with (default first within each finding type). */
  templateList(findingType?: FindingType): TemplateSummary[] {
    return templates()
      .filter((t) => !findingType || t.findingType === findingType)
      .sort((a, b) => a.findingType.localeCompare(b.findingType) || Number(b.default) - Number(a.default) || a.id.localeCompare(b.id))
      .map((t) => TemplateSummarySchema.parse(t));
  }

  check(text: string, templateId?: string): QcResult {
    return this.qc.check(text, templateId);
  }

  /** The configured model's second opinion on a report, checked against the text and labelled; says so when there is no model. */
  async secondOpinion(text: string, templateId?: string): Promise<SecondOpinion> {
    const rules = this.qc.check(text, templateId);
    return secondOpinion(this.deps.llm(), text, rules.flags);
  }

  /** A free-text report → findings with spans (rules, no model); nothing is stored. */
  structure(text: string): StructuredReport {
    assertReportText(text);
    if (!this.structurer) throw new AppError('STATE_CONFLICT', '未加载词表，无法结构化 / no lexicon loaded: post-structuring is unavailable');
    return this.structurer.structure(text);
  }

  private async resolve(req: DraftRequest): Promise<ResolvedValues> {
    const overrides = req.values ?? {};
    if (req.measurementId) return valuesFromMeasurement(await this.deps.measurement(req.measurementId), req.lesion, overrides);
    if (req.aiResultId) {
      const row = await this.deps.aiResult(req.aiResultId);
      if (row.status !== 'succeeded') throw new AppError('STATE_CONFLICT', `AI 结果 ${row.id} 尚未完成（${row.status}）/ AI result ${row.id} is ${row.status}`, { field: 'aiResultId' });
      return valuesFromAi(row, req.findingIndex, overrides);
    }
    return { values: parseReportValues(overrides), sources: {} };
  }
}
