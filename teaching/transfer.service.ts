import { AuditLog } from '../audit/index.ts';
import { AppError } from '../core/index.ts';
import type { Knowledge } from '../knowledge/index.ts';
import type { Database } from '../store/index.ts';
import type { BankRepository, QuestionFilter } from './bank.repository.ts';
import { checkItem } from './checks.ts';
import type { QuestionBank } from './bank.service.ts';
import type { Exam } from './exam.schemas.ts';
import type { FigureRef, QuestionDraft } from './question.schemas.ts';
import { type ExportFigure, type ExportRow, exportDocxPaper, exportMoodleXml, exportQtiPackage, exportXlsx, type ExportProblem, type ItemRow, LABELS_FOR_IMPORT, parseMoodleXml, parseXlsx, type RowError, rowOf, validateMoodleXml, validateQtiPackage } from './transfer/index.ts';

export const EXPORT_FORMATS = ['xlsx', 'moodle', 'qti', 'docx'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];
export const IMPORT_FORMATS = ['xlsx', 'moodle'] as const;
export type ImportFormat = (typeof IMPORT_FORMATS)[number];

export const EXPORT_TYPES: Record<ExportFormat, { mime: string; ext: string }> = {
  xlsx: { mime: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', ext: 'xlsx' },
  moodle: { mime: 'application/xml; charset=utf-8', ext: 'moodle.xml' },
  qti: { mime: 'application/zip', ext: 'qti21.zip' },
  docx: { mime: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document', ext: 'docx' },
};

export interface ImportReport {
  format: ImportFormat;
  rows: number;
  errors: RowError[];
  /** Ids of the drafts written (empty on a dry run). */
  questionIds: string[];
}

/**
 * Exchange with other systems: export the bank as xlsx (the teachers' template), Moodle XML or a QTI 2.1
 * package (audited as data.export); import xlsx or Moodle XML as drafts after validating every row —
 * schema, knowledge points that exist, key among options, distinct options, no duplicate of the bank or of
 * another row — and nothing is written when any row is wrong (IMPORT_INVALID lists the rows).
 */
export class TransferService {
  private readonly audit = new AuditLog();

  constructor(
    private readonly db: Database,
    private readonly repo: BankRepository,
    private readonly bank: QuestionBank,
    private readonly knowledge: Knowledge,
  ) {}

  async exportBank(format: ExportFormat, filter: QuestionFilter, actor: string): Promise<{ body: Buffer | string; count: number }> {
    const items = [];
    for (let offset = 0; ; offset += 200) {
      const page = await this.repo.list(filter, { limit: 200, offset });
      items.push(...page.items);
      if (page.items.length < 200) break;
    }
    const rows: ExportRow[] = [];
    for (const q of items) rows.push({ ...rowOf(q), ...(await this.figureOf(q.figure)) });
    const names = new Map((await this.knowledge.entities.getMany([...new Set(rows.flatMap((r) => r.tags))])).map((e) => [e.id, e.nameZh || e.nameEn]));
    const body =
      format === 'xlsx' ? await exportXlsx(rows)
      : format === 'moodle' ? exportMoodleXml(rows, (t) => names.get(t) ?? t)
      : format === 'docx' ? await exportDocxPaper(rows, { subtitle: `共 ${rows.length} 题 · 导出于 ${new Date().toISOString().slice(0, 10)}` })
      : await exportQtiPackage(rows);
    // What leaves for another system is checked against that format's rules first: a broken file is never handed out.
    const problems = format === 'moodle' ? validateMoodleXml(body as string) : format === 'qti' ? await validateQtiPackage(body as Buffer) : [];
    if (problems.length) throw exportInvalid(format, problems);
    await this.audit.append(this.db, { actor, action: 'data.export', target: null, details: { what: 'questions', format, count: rows.length, filter } });
    return { body, count: rows.length };
  }

  /**
   * An exam as a Word paper: its items in the exam's order at the versions the exam pinned, figures embedded,
   * the answer key after a page break (explanations from the bank where the item is still at the pinned version).
   * Audited as data.export.
   */
  async exportExamPaper(exam: Exam, actor: string): Promise<Buffer> {
    const rows: ExportRow[] = [];
    for (const it of exam.items) {
      const current = await this.repo.get(it.questionId);
      rows.push({
        type: it.type, stem: it.stem, options: it.options.map((o) => o.text), key: it.key, tags: it.tags, level: it.level,
        explanation: current?.version === it.version ? current.explanation : '',
        ...(await this.figureOf(it.figure)),
      });
    }
    const minutes = `限时 ${exam.timeLimitMinutes} 分钟`;
    const body = await exportDocxPaper(rows, { title: exam.title, subtitle: `共 ${rows.length} 题 · ${minutes} · 导出于 ${new Date().toISOString().slice(0, 10)}` });
    await this.audit.append(this.db, { actor, action: 'data.export', target: exam.id, details: { what: 'exam_paper', format: 'docx', count: rows.length } });
    return body;
  }

  /** The figure an item shows, with its bytes, for an export (none when the item has no figure). */
  private async figureOf(ref: FigureRef | null | undefined): Promise<{ figure?: ExportFigure }> {
    if (!ref) return {};
    const meta = await this.bank.figureMeta(ref.figureId);
    if (!meta) return {};
    const { bytes } = await this.bank.figureBytes(ref.figureId);
    const ext = meta.mime === 'image/png' ? 'png' : 'jpg';
    return { figure: { name: `${meta.id}.${ext}`, mime: meta.mime, bytes, width: meta.width, height: meta.height, synthetic: meta.synthetic, region: ref.region } };
  }

  async importFile(format: ImportFormat, bytes: Buffer, actor: string, opts: { dryRun?: boolean; fileName?: string } = {}): Promise<ImportReport> {
    const parsed = format === 'xlsx' ? await parseXlsx(bytes) : parseMoodleXml(bytes.toString('utf8'));
    const errors = [...parsed.errors];
    const drafts: QuestionDraft[] = [];
    const graph = await this.bank.factGraph();
    const dups = await this.bank.duplicateIndex();
    for (const [i, r] of parsed.rows.entries()) {
      const row = parsed.numbers[i];
      const tags = await this.resolveTags(r, row, errors);
      const draft: QuestionDraft = {
        type: r.type, template: 'import', engine: 'manual', stem: r.stem,
        options: r.options.map((text, i) => ({ label: LABELS_FOR_IMPORT[i], text, entityId: graph.resolve(text)?.id ?? null })),
        key: r.key, explanation: r.explanation, citations: { relationIds: [], passages: [] }, claim: null, diseaseId: tags[0] ?? null, tags,
        difficulty: { easy: 0.3, medium: 0.5, hard: 0.7 }[r.level], level: r.level, factKey: null,
      };
      const problem = checkItem(draft, graph, dups);
      if (problem) errors.push({ row, field: problem.code === 'KEY_NOT_IN_OPTIONS' || problem.code === 'KEY_COUNT' ? 'key' : 'options', message: problem.message });
      else dups.add(`row:${row}`, draft);
      drafts.push(draft);
    }
    errors.sort((a, b) => a.row - b.row);
    if (errors.length) {
      throw new AppError('IMPORT_INVALID', `导入文件有 ${errors.length} 处错误，未写入任何题目 / ${errors.length} row error(s), nothing imported: ${errors.slice(0, 3).map((e) => `第 ${e.row} 行 ${e.field}：${e.message}`).join('；')}`, {
        field: 'file', details: { errors },
      });
    }
    if (opts.dryRun) return { format, rows: drafts.length, errors: [], questionIds: [] };
    const ids = await this.db.transaction(async (tx) => {
      const ids = await this.repo.insertDrafts(tx, drafts, actor);
      await this.audit.append(tx, { actor, action: 'data.import', target: opts.fileName ?? null, details: { what: 'questions', format, rows: ids.length } });
      return ids;
    });
    return { format, rows: drafts.length, errors: [], questionIds: ids };
  }

  /** Tags as entity ids: ids or names/aliases the vocabulary knows; anything else is a row error. */
  private async resolveTags(r: ItemRow, row: number, errors: RowError[]): Promise<string[]> {
    const out: string[] = [];
    for (const t of r.tags) {
      const e = (await this.knowledge.entities.get(t)) ?? (await this.knowledge.entities.byExactSurface(t))[0];
      if (e) out.push(await this.knowledge.entities.canonicalId(e.id));
      else errors.push({ row, field: 'tags', message: `知识点“${t}”不是知识库中的实体 / unknown knowledge point` });
    }
    return [...new Set(out)];
  }
}

function exportInvalid(format: string, problems: ExportProblem[]): AppError {
  const first = problems.slice(0, 3).map((p) => `${p.file} ${p.element}: ${p.message}`).join('; ');
  return new AppError('INTERNAL', `导出的 ${format} 文件未通过格式校验 / the ${format} export failed its format check: ${first}`, { details: { problems } });
}
