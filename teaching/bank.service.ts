import { AuditLog } from '../audit/index.ts';
import { AppError } from '../core/index.ts';
import type { Knowledge } from '../knowledge/index.ts';
import type { LlmProvider } from '../llm/index.ts';
import type { Database } from '../store/index.ts';
import type { BankRepository, QuestionFilter } from './bank.repository.ts';
import { checkItem, DuplicateIndex } from './checks.ts';
import { levelOf } from './difficulty.ts';
import type { QuestionEngine } from './engine.ts';
import { type Fact, type FactEntity, FactGraph } from './fact-graph.ts';
import { GuidelineTablesRepository } from './guideline-tables.repository.ts';
import { readFigure, type WindowLevel } from '../imaging/index.ts';
import { type FigureMeta, FiguresRepository } from './figures.repository.ts';
import { generateItems } from './generator.ts';
import { LlmEngine, type PassageRetriever } from './llm.engine.ts';
import { type FigureRef, type GenerateRequest, GenerateRequestSchema, type Question, type QuestionDraft, type QuestionEdit, type Rejection } from './question.schemas.ts';
import { TemplateEngine } from './templates.engine.ts';

export interface GenerateResult {
  /** The engine that wrote the items (`templates` when an LLM was asked for but none is configured). */
  engine: 'templates' | 'llm';
  engineVersion: string;
  /** Set when the engine differs from the one asked for, saying why. */
  note: string | null;
  subject: FactEntity;
  items: Question[];
  possible: number;
  rejected: Rejection[];
  notes: string[];
}

export interface QuestionBankDeps {
  db: Database;
  repo: BankRepository;
  knowledge: Knowledge;
  /** The active model, or null (YZ_LLM=none): read at each use. */
  llm: () => LlmProvider | null;
  retrieve: PassageRetriever;
}

/** The question bank's use cases: generate drafts, edit (new version), approve, retire; every change audited. */
export class QuestionBank {
  private readonly audit = new AuditLog();
  private readonly templates = new TemplateEngine();

  private readonly tables: GuidelineTablesRepository;
  private readonly figures: FiguresRepository;

  constructor(private readonly deps: QuestionBankDeps) {
    this.tables = new GuidelineTablesRepository(deps.db);
    this.figures = new FiguresRepository(deps.db);
  }

  /** Store an uploaded figure after validating its bytes (readFigure); audited `question.figure_upload`. */
  async uploadFigure(bytes: Buffer, fileName: string, opts: { window?: WindowLevel; synthetic?: boolean }, actor: string): Promise<FigureMeta & { created: boolean; metadataRemoved: string[] }> {
    const figure = readFigure(bytes, fileName, { window: opts.window });
    return this.deps.db.transaction(async (tx) => {
      const r = await this.figures.insert(tx, figure, { fileName, synthetic: Boolean(opts.synthetic), actor });
      if (r.created) await this.audit.append(tx, { actor, action: 'question.figure_upload', target: r.figure.id, details: { source: figure.source, mime: figure.mime, width: figure.width, height: figure.height, bytes: figure.bytes.length, synthetic: Boolean(opts.synthetic), metadataRemoved: figure.removed } });
      return { ...r.figure, created: r.created, metadataRemoved: figure.removed };
    });
  }

  figureMeta(id: string): Promise<FigureMeta | null> {
    return this.figures.meta(id);
  }

  async figureBytes(id: string): Promise<{ mime: string; bytes: Buffer }> {
    const f = await this.figures.bytes(id);
    if (!f) throw new AppError('NOT_FOUND', `图像不存在 / no figure ${id}`, { field: 'id' });
    // JPEGs stored before uploads were cleaned still hold their metadata: they are cleaned on the way out too.
    return f.mime === 'image/jpeg' ? { mime: f.mime, bytes: readFigure(f.bytes, id).bytes } : f;
  }

  /** Show a figure with an item (an image-reading item), or remove it: a new version; an approved item goes back to draft. */
  async setFigure(id: string, figure: FigureRef | null, actor: string): Promise<Question> {
    const q = await this.require(id);
    if (q.status === 'retired') throw new AppError('STATE_CONFLICT', '已停用的题目不能编辑 / a retired item cannot be edited', { field: 'id' });
    if (figure && !(await this.figures.meta(figure.figureId))) throw new AppError('NOT_FOUND', `图像不存在 / no figure ${figure.figureId}`, { field: 'figureId' });
    await this.deps.db.transaction(async (tx) => {
      await this.deps.repo.setFigure(tx, id, figure, actor);
      if (q.status === 'approved') await this.deps.repo.setStatus(tx, id, 'draft', actor);
      await this.audit.append(tx, { actor, action: 'question.edit', target: id, details: { version: q.version + 1, figure } });
    });
    return this.require(id);
  }

  /** Guideline tables about an entity (the table-driven items' material). */
  tablesAbout(subject: FactEntity) {
    return this.tables.about([subject.nameZh, subject.nameEn]);
  }

  /** The approved graph as generation sees it: every active relation. */
  async factGraph(): Promise<FactGraph> {
    const all: Fact[] = [];
    for (let offset = 0; ; offset += 2000) {
      const page = await this.deps.knowledge.relations.list({ status: 'active' }, { limit: 2000, offset });
      all.push(...page.items);
      if (page.items.length < 2000) break;
    }
    return new FactGraph(all);
  }

  async duplicateIndex(): Promise<DuplicateIndex> {
    const index = new DuplicateIndex();
    for (const q of await this.deps.repo.forDuplicates()) index.add(q.id, q);
    return index;
  }

  /** Resolve an entity by id, or by name / alias (the vocabulary), to one that has approved facts. */
  async resolveSubject(graph: FactGraph, ref: string): Promise<FactEntity> {
    const inGraph = graph.entity(ref) ?? graph.resolve(ref);
    if (inGraph) return inGraph;
    const known = (await this.deps.knowledge.entities.get(ref)) ?? (await this.deps.knowledge.entities.byExactSurface(ref))[0];
    if (known) {
      const id = await this.deps.knowledge.entities.canonicalId(known.id);
      const e = graph.entity(id);
      if (e) return e;
      // No approved relation yet, but guideline tables about it: table-driven items can still be written.
      const canonical = (await this.deps.knowledge.entities.get(id)) ?? known;
      const bare: FactEntity = { id: canonical.id, type: canonical.type, nameZh: canonical.nameZh, nameEn: canonical.nameEn };
      if ((await this.tablesAbout(bare)).length) return bare;
      throw new AppError('TOO_FEW_FACTS', `只能生成 0 道题目：“${known.nameZh}”在已审核知识图谱中还没有任何关系，也没有相关的指南表格 / no approved relation nor guideline table about ${known.nameEn || known.nameZh} yet`, {
        field: 'entity', details: { entityId: known.id, possible: 0 },
      });
    }
    throw new AppError('NOT_FOUND', `未知的实体“${ref}” / unknown entity: ${ref}`, { field: 'entity' });
  }

  /** Draft items about one entity with the chosen engine, check them, store them as drafts (audited). */
  async generate(input: GenerateRequest, actor: string, signal?: AbortSignal): Promise<GenerateResult> {
    const req = GenerateRequestSchema.parse(input);
    const graph = await this.factGraph();
    const subject = await this.resolveSubject(graph, req.entity);
    const { engine, note } = this.engine(req.engine);
    const tables = await this.tablesAbout(subject);
    const out = await generateItems(engine, { subject, graph, count: req.count, type: req.type, tables, allowFewer: req.allowFewer, bank: await this.duplicateIndex(), signal });
    const ids = await this.deps.db.transaction(async (tx) => {
      const ids = await this.deps.repo.insertDrafts(tx, out.items, actor);
      await this.audit.append(tx, { actor, action: 'question.generate', target: subject.id, details: { engine: engine.name, engineVersion: engine.version, items: ids.length, questionIds: ids } });
      return ids;
    });
    return { engine: engine.name, engineVersion: engine.version, note, subject, items: await this.deps.repo.getMany(ids), possible: out.possible, rejected: out.rejected, notes: out.notes };
  }

  /** Draft and check without storing (CLI `--dry-run`, the benchmark). */
  engine(name: 'templates' | 'llm'): { engine: QuestionEngine; note: string | null } {
    if (name === 'templates') return { engine: this.templates, note: null };
    const provider = this.deps.llm();
    if (!provider) {
      return { engine: this.templates, note: '未配置大模型（YZ_LLM=none），已使用图谱模板引擎出题 / no LLM configured: the graph-template engine wrote these items' };
    }
    return { engine: new LlmEngine({ provider, retrieve: this.deps.retrieve }), note: null };
  }

  get(id: string): Promise<Question | null> {
    return this.deps.repo.get(id);
  }

  async require(id: string): Promise<Question> {
    const q = await this.deps.repo.get(id);
    if (!q) throw new AppError('NOT_FOUND', `题目不存在 / no question ${id}`, { field: 'id' });
    return q;
  }

  list(f: QuestionFilter, page: { limit: number; offset: number }) {
    return this.deps.repo.list(f, page);
  }

  counts() {
    return this.deps.repo.counts();
  }

  versions(id: string) {
    return this.deps.repo.versions(id);
  }

  /** A teacher's edit: the checks run again on the edited item (a new version); an approved item goes back to draft. */
  async edit(id: string, edit: QuestionEdit, actor: string): Promise<Question> {
    const q = await this.require(id);
    if (q.status === 'retired') throw new AppError('STATE_CONFLICT', '已停用的题目不能编辑 / a retired item cannot be edited', { field: 'id' });
    const graph = await this.factGraph();
    const byText = new Map(q.options.map((o) => [o.text, o.entityId]));
    const draft: QuestionDraft = {
      ...q,
      stem: edit.stem,
      options: edit.options.map((o) => ({ ...o, entityId: byText.get(o.text) ?? graph.resolve(o.text)?.id ?? null })),
      key: edit.key,
      explanation: edit.explanation,
      tags: edit.tags,
      level: edit.level,
      difficulty: q.level === edit.level ? q.difficulty : { easy: 0.3, medium: 0.5, hard: 0.7 }[edit.level],
      factKey: null,
    };
    const problem = checkItem(draft, graph, await this.duplicateIndex(), id);
    if (problem) throw new AppError('VALIDATION_FAILED', problem.message, { field: 'options', details: { check: problem.code } });
    await this.deps.db.transaction(async (tx) => {
      await this.deps.repo.update(tx, id, draft, actor);
      if (q.status === 'approved') await this.deps.repo.setStatus(tx, id, 'draft', actor);
      await this.audit.append(tx, { actor, action: 'question.edit', target: id, details: { version: q.version + 1 } });
    });
    return this.require(id);
  }

  /** Approve a draft; refused while it is flagged or no longer passes the checks against today's graph. */
  async approve(id: string, actor: string): Promise<Question> {
    const q = await this.require(id);
    if (q.status !== 'draft') throw new AppError('STATE_CONFLICT', `只能审核草稿，该题状态为 ${q.status} / only drafts can be approved`, { field: 'id' });
    if (q.flags.length) throw new AppError('STATE_CONFLICT', `题目依据已变化（${q.flags.join(', ')}），请先修改 / the item's evidence changed: edit it first`, { field: 'id', details: { flags: q.flags } });
    const problem = checkItem(q, await this.factGraph());
    if (problem) throw new AppError('STATE_CONFLICT', `题目未通过检查：${problem.message}`, { field: 'id', details: { check: problem.code } });
    await this.deps.db.transaction(async (tx) => {
      await this.deps.repo.setStatus(tx, id, 'approved', actor);
      await this.audit.append(tx, { actor, action: 'question.approve', target: id, details: { version: q.version } });
    });
    return this.require(id);
  }

  async retire(id: string, reason: string | undefined, actor: string): Promise<Question> {
    const q = await this.require(id);
    if (q.status === 'retired') throw new AppError('STATE_CONFLICT', '题目已停用 / already retired', { field: 'id' });
    await this.deps.db.transaction(async (tx) => {
      await this.deps.repo.setStatus(tx, id, 'retired', actor);
      await this.audit.append(tx, { actor, action: 'question.retire', target: id, details: { version: q.version, reason: reason ?? null } });
    });
    return this.require(id);
  }

  /**
   * Replace the estimated difficulty with the observed one (1 − p) for items answered at least `minResponses`
   * times in an exam's item analysis; audited with the exam and each item's old and new value.
   */
  async recalibrate(examId: string, items: { questionId: string; n: number; p: number | null }[], minResponses: number, actor: string): Promise<{ updated: { questionId: string; before: number; after: number }[] }> {
    const usable = items.filter((it) => it.p !== null && it.n >= minResponses);
    const current = await this.deps.repo.getMany(usable.map((u) => u.questionId));
    const updated = usable.flatMap((u) => {
      const q = current.find((c) => c.id === u.questionId);
      return q ? [{ questionId: q.id, before: q.difficulty, after: Math.round((1 - (u.p as number)) * 100) / 100 }] : [];
    });
    await this.deps.db.transaction(async (tx) => {
      for (const u of updated) await this.deps.repo.setObservedDifficulty(tx, u.questionId, u.after, levelOf(u.after));
      await this.audit.append(tx, { actor, action: 'question.recalibrate', target: examId, details: { minResponses, items: updated } });
    });
    return { updated };
  }
}
