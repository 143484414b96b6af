import { AuditLog } from '../../audit/index.ts';
import { AppError, type EntityType, newId, sha256Hex } from '../../core/index.ts';
import type { Database } from '../../store/index.ts';
import type { EntitiesRepository } from '../entities.repository.ts';
import { toGraphEntity } from '../entities.repository.ts';
import { appendOutbox, recordHistory } from '../relations.repository.ts';
import { type ImportPlan, type PlanConflict, type PlanStep, planImport } from './import-plan.ts';
import { type ParsedTerminology, parseTerminology, type RowIssue, type VocabFormat } from './terminology.ts';
import type { VocabImport, VocabImportsRepository } from './vocab-imports.repository.ts';

export interface ImportRequest {
  bytes: Uint8Array;
  fileName: string;
  format: VocabFormat;
  /** Code system name for csv/skos files (icd10 and rf2 name their own). */
  system?: string;
  /** Entity type for concepts whose type the file does not give. */
  type?: EntityType;
}

/** What an import would do (the preview) or did. */
export interface ImportReport {
  format: VocabFormat;
  fileName: string;
  sha256: string;
  codeSystem: string;
  counts: ImportPlan['counts'] & { conflicts: number; warnings: number; errors: number };
  errors: RowIssue[];
  warnings: RowIssue[];
  conflicts: PlanConflict[];
  /** The first steps, to read before applying. */
  sample: PlanStep[];
  /** Set when applied. */
  importId?: string;
}

const LISTED = 200;

/**
 * Terminology import (CSV, SKOS/OWL, SNOMED CT RF2, ICD-10): preview, apply, list, undo. Preview parses,
 * validates and plans without writing; apply refuses a file with any row error (nothing is written) and
 * writes the whole plan in one transaction as one import, which undo reverses while nothing in the
 * graph depends on what it created.
 */
export class VocabImportsService {
  private readonly audit = new AuditLog();

  constructor(
    private readonly db: Database,
    private readonly imports: VocabImportsRepository,
    private readonly entities: EntitiesRepository,
    private readonly onChange: () => void,
  ) {}

  async preview(req: ImportRequest): Promise<ImportReport> {
    const { report } = await this.plan(req);
    return report;
  }

  async apply(req: ImportRequest, actor: string): Promise<ImportReport> {
    const parsed = await parseTerminology(req.bytes, req.format, { system: req.system, type: req.type });
    const { report, plan } = await this.plan(req, parsed);
    if (report.errors.length) {
      throw new AppError('IMPORT_INVALID', `文件有 ${report.errors.length} 处错误，未导入任何内容；首个错误：第 ${report.errors[0].line} 行 ${report.errors[0].message} / ${report.errors.length} row errors, nothing imported`, {
        field: 'file', details: { errors: report.errors.slice(0, LISTED) },
      });
    }
    if (!plan.steps.length) throw new AppError('VALIDATION_FAILED', '没有可导入的新内容 / nothing new to import', { field: 'file' });
    const id = newId('vimp');
    await this.db.transaction(async (tx) => {
      // Planned against a snapshot: a vocabulary that changed meanwhile is planned again inside the transaction.
      const fresh = planImport(parsed.records, await this.imports.snapshot(tx));
      const summary = { ...fresh.counts, conflicts: fresh.conflicts.length, warnings: report.warnings.length };
      const changes = await this.imports.apply(tx, { id, format: req.format, fileName: req.fileName, sha256: report.sha256, codeSystem: report.codeSystem, actor, summary }, fresh);
      const linked = await this.entities.getMany(changes.linked, tx);
      if (linked.length) await appendOutbox(tx, linked.map((e) => ({ type: 'entity.upsert' as const, entity: toGraphEntity(e) })));
      await recordHistory(tx, { action: 'vocab_imported', actor, after: { importId: id, fileName: req.fileName, ...summary } });
      await this.audit.append(tx, { actor, action: 'vocab.import', target: id, details: { format: req.format, fileName: req.fileName, sha256: report.sha256, ...summary } });
      report.counts = { ...fresh.counts, conflicts: fresh.conflicts.length, warnings: report.warnings.length, errors: 0 };
    });
    this.onChange();
    return { ...report, importId: id };
  }

  list(limit?: number): Promise<VocabImport[]> {
    return this.imports.list(limit);
  }

  async undo(id: string, actor: string): Promise<VocabImport> {
    await this.db.transaction(async (tx) => {
      const imp = await this.imports.lock(tx, id);
      if (!imp) throw new AppError('NOT_FOUND', `导入批次不存在 / unknown import ${id}`, { field: 'id' });
      if (imp.status === 'undone') throw new AppError('STATE_CONFLICT', `导入 ${id} 已撤销 / import already undone`, { field: 'id' });
      const deps = await this.imports.dependents(tx, imp.changes.created);
      if (deps.relations || deps.merges) {
        throw new AppError('STATE_CONFLICT', `该批导入的实体已被 ${deps.relations} 条关系或 ${deps.merges} 次合并使用，不能撤销；请先退役相关关系或撤销合并 / entities of this import are used by relations or merges`, {
          field: 'id', details: deps,
        });
      }
      const { candidatesUnlinked } = await this.imports.undo(tx, id, imp.changes, actor);
      const linked = await this.entities.getMany(imp.changes.linked, tx);
      if (linked.length) await appendOutbox(tx, linked.map((e) => ({ type: 'entity.upsert' as const, entity: toGraphEntity(e) })));
      await recordHistory(tx, { action: 'vocab_import_undone', actor, after: { importId: id, candidatesUnlinked } });
      await this.audit.append(tx, { actor, action: 'vocab.undo', target: id, details: { created: imp.changes.created.length, linked: imp.changes.linked.length, candidatesUnlinked } });
    });
    this.onChange();
    return (await this.imports.get(id)) as VocabImport;
  }

  private async plan(req: ImportRequest, parsed?: ParsedTerminology): Promise<{ report: ImportReport; plan: ImportPlan }> {
    parsed ??= await parseTerminology(req.bytes, req.format, { system: req.system, type: req.type });
    const plan = planImport(parsed.records, await this.imports.snapshot());
    const report: ImportReport = {
      format: req.format,
      fileName: req.fileName,
      sha256: sha256Hex(req.bytes),
      codeSystem: parsed.system,
      counts: { ...plan.counts, conflicts: plan.conflicts.length, warnings: parsed.warnings.length, errors: parsed.errors.length },
      errors: parsed.errors.slice(0, LISTED),
      warnings: parsed.warnings.slice(0, LISTED),
      conflicts: plan.conflicts.slice(0, LISTED),
      sample: plan.steps.slice(0, 20),
    };
    return { report, plan };
  }
}
