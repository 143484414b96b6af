import { AuditLog } from '../audit/index.ts';
import { AppError } from '../core/index.ts';
import type { Database } from '../store/index.ts';
import type { BankRepository } from './bank.repository.ts';
import type { AttemptView, Exam, ExamCreate, ExamItem } from './exam.schemas.ts';
import { ExamCreateSchema } from './exam.schemas.ts';
import type { AttemptRow, ExamsRepository } from './exams.repository.ts';
import { analyseItems, creditFor, type ItemStats, type ScoredAttempt } from './item-analysis.ts';
import { seededRandom, shuffle } from './similarity.ts';

/** Who takes an exam. */
export interface Examinee {
  userId: string;
  username: string;
}

export interface ExamResults {
  exam: Exam;
  residents: { username: string; attemptId: string; seq: number; score: number; maxScore: number; percent: number; submitted: boolean }[];
  knowledgePoints: { tag: string; name: string; items: number; meanPercent: number; byResident: Record<string, number> }[];
  items: (ItemStats & { stem: string; level: string })[];
}

/** A submit this long after the deadline is refused (network latency of a submit sent in time); answers are refused at the deadline. */
const GRACE_SECONDS = 5;

/**
 * Exams: blueprint assembly from the approved bank, publishing, attempts (fixed or per-resident random
 * order, server-enforced time limit, attempt limit, resume), scoring, results and item analysis.
 */
export class ExamsService {
  private readonly audit = new AuditLog();

  constructor(
    private readonly db: Database,
    private readonly exams: ExamsRepository,
    private readonly bank: BankRepository,
    private readonly names: (ids: string[]) => Promise<Map<string, string>>,
  ) {}

  /**
   * Fill every blueprint cell (knowledge point × level) with distinct approved, unflagged items; when the
   * bank cannot, BLUEPRINT_UNSATISFIABLE names each short cell with how many it has and how many it needs.
   */
  async create(input: ExamCreate, actor: string): Promise<Exam> {
    const req = ExamCreateSchema.parse(input);
    const pool = await this.bank.approvedFor([...new Set(req.blueprint.map((c) => c.tag))]);
    const used = new Set<string>();
    const items: ExamItem[] = [];
    const short: { tag: string; name: string; level: string; wanted: number; available: number }[] = [];
    const names = await this.names(req.blueprint.map((c) => c.tag));
    for (const cell of req.blueprint) {
      const fits = pool.filter((q) => !used.has(q.id) && (q.tags.includes(cell.tag) || q.diseaseId === cell.tag) && (!cell.level || q.level === cell.level));
      if (fits.length < cell.count) {
        short.push({ tag: cell.tag, name: names.get(cell.tag) ?? cell.tag, level: cell.level ?? 'any', wanted: cell.count, available: fits.length });
        continue;
      }
      for (const q of shuffle(fits, seededRandom(`${req.title}:${cell.tag}:${cell.level}`)).slice(0, cell.count)) {
        used.add(q.id);
        items.push({ questionId: q.id, version: q.version, type: q.type, stem: q.stem, options: q.options, key: q.key, tags: q.tags, level: q.level, figure: q.figure ?? null });
      }
    }
    if (short.length) {
      const lvl = { easy: '易', medium: '中', hard: '难', any: '任意难度' } as Record<string, string>;
      throw new AppError('BLUEPRINT_UNSATISFIABLE', `题库不足以满足组卷蓝图 / the bank cannot fill the blueprint：${short.map((s) => `“${s.name}”（${lvl[s.level]}）需要 ${s.wanted} 道，已审核可用 ${s.available} 道`).join('；')}`, {
        field: 'blueprint', details: { short },
      });
    }
    const id = await this.db.transaction(async (tx) => {
      const id = await this.exams.insert(tx, { title: req.title, blueprint: req.blueprint, items, orderMode: req.orderMode, timeLimitMinutes: req.timeLimitMinutes, maxAttempts: req.maxAttempts, multipleScoring: req.multipleScoring, createdBy: actor });
      await this.audit.append(tx, { actor, action: 'exam.create', target: id, details: { title: req.title, items: items.length } });
      return id;
    });
    return this.require(id);
  }

  async require(id: string): Promise<Exam> {
    const e = await this.exams.get(id);
    if (!e) throw new AppError('NOT_FOUND', `考试不存在 / no exam ${id}`, { field: 'id' });
    return e;
  }

  list(status?: Exam['status']): Promise<Exam[]> {
    return this.exams.list(status);
  }

  async publish(id: string, actor: string): Promise<Exam> {
    const e = await this.require(id);
    if (e.status !== 'draft') throw new AppError('STATE_CONFLICT', `考试状态为 ${e.status}，不能发布 / only a draft exam can be published`, { field: 'id' });
    await this.db.transaction(async (tx) => {
      await this.exams.publish(tx, id);
      await this.audit.append(tx, { actor, action: 'exam.publish', target: id, details: { items: e.items.length } });
    });
    return this.require(id);
  }

  /** Published exams with how many attempts the resident has used. */
  async forResident(who: Examinee) {
    const exams = await this.exams.list('published');
    return Promise.all(exams.map(async ({ items, blueprint: _b, ...e }) => ({ ...e, itemCount: items.length, attemptsUsed: (await this.exams.attemptsOf(e.id, who.userId)).length })));
  }

  /**
   * Start an attempt, or resume the open one (a dropped connection loses nothing: answers are saved as
   * they are given and the deadline is the server's). Refused when the attempts allowed are used up.
   */
  async start(examId: string, who: Examinee): Promise<AttemptView> {
    const exam = await this.require(examId);
    if (exam.status !== 'published') throw new AppError('STATE_CONFLICT', '考试未发布 / the exam is not published', { field: 'id' });
    const id = await this.db.transaction(async (tx) => {
      const mine = await this.exams.attemptsOf(examId, who.userId, tx);
      const open = mine.find((a) => !a.submittedAt && !a.expired);
      if (open) return open.id;
      if (mine.length >= exam.maxAttempts) {
        throw new AppError('ATTEMPT_CLOSED', `已用完 ${exam.maxAttempts} 次作答机会 / all ${exam.maxAttempts} attempt(s) used`, { field: 'id', details: { attempts: mine.length } });
      }
      const seed = Math.floor(seededRandom(`${examId}:${who.userId}:${mine.length + 1}`)() * 2 ** 31);
      const indexes = exam.items.map((_, i) => i);
      const order = exam.orderMode === 'random' ? shuffle(indexes, seededRandom(String(seed))) : indexes;
      const id = await this.exams.insertAttempt(tx, { examId, userId: who.userId, username: who.username, seq: mine.length + 1, itemOrder: order, seed, timeLimitS: Math.round(exam.timeLimitMinutes * 60) });
      await this.audit.append(tx, { actor: who.username, action: 'exam.start', target: id, details: { examId, seq: mine.length + 1 } });
      return id;
    });
    return this.view(id, who);
  }

  /** The resident's own attempt; anyone else's id is answered as not found (ids are not confirmed to strangers). */
  private async own(attemptId: string, who: Examinee): Promise<AttemptRow> {
    const a = await this.exams.attempt(attemptId);
    if (!a || a.userId !== who.userId) throw new AppError('NOT_FOUND', `没有这个作答记录 / no attempt ${attemptId} of yours`, { field: 'attemptId' });
    return a;
  }

  async view(attemptId: string, who: Examinee): Promise<AttemptView> {
    const a = await this.own(attemptId, who);
    const exam = await this.require(a.examId);
    return {
      id: a.id, examId: a.examId, title: exam.title, seq: a.seq, startedAt: a.startedAt, deadline: a.deadline, remainingSeconds: a.submittedAt ? 0 : a.remainingSeconds,
      submittedAt: a.submittedAt,
      items: a.itemOrder.map((i) => exam.items[i]).map((it) => ({ questionId: it.questionId, type: it.type, stem: it.stem, options: it.options.map(({ label, text }) => ({ label, text })), figure: it.figure ?? null })),
      answers: a.answers, score: a.score, maxScore: a.maxScore,
    };
  }

  /** Save answers as the resident goes (merged; not audited: start and submit are). Refused after submit or the deadline. */
  async saveAnswers(attemptId: string, who: Examinee, answers: Record<string, string[]>): Promise<AttemptView> {
    const a = await this.own(attemptId, who);
    const exam = await this.require(a.examId);
    this.validateAnswers(exam, answers);
    const ok = await this.db.transaction((tx) => this.exams.saveAnswers(tx, attemptId, answers));
    if (!ok) throw this.closedError(a);
    return this.view(attemptId, who);
  }

  /** Submit: last answers (if any) are saved and the attempt scored. Twice, or after the time limit: ATTEMPT_CLOSED. */
  async submit(attemptId: string, who: Examinee, answers: Record<string, string[]> = {}): Promise<AttemptView> {
    const exam = await this.require((await this.own(attemptId, who)).examId);
    this.validateAnswers(exam, answers);
    await this.db.transaction(async (tx) => {
      const a = await this.exams.attempt(attemptId, tx, true);
      if (!a) throw new AppError('NOT_FOUND', `没有这个作答记录 / no attempt ${attemptId}`, { field: 'attemptId' });
      if (a.submittedAt || a.secondsPastDeadline > GRACE_SECONDS) throw this.closedError(a);
      const final = { ...a.answers, ...answers };
      await this.exams.finish(tx, attemptId, score(exam, final));
      await this.audit.append(tx, { actor: who.username, action: 'exam.submit', target: attemptId, details: { examId: a.examId } });
    });
    return this.view(attemptId, who);
  }

  private validateAnswers(exam: Exam, answers: Record<string, string[]>): void {
    for (const [qid, labels] of Object.entries(answers)) {
      const it = exam.items.find((x) => x.questionId === qid);
      if (!it) throw new AppError('VALIDATION_FAILED', `试卷中没有题目 ${qid} / not an item of this exam`, { field: 'answers' });
      const bad = labels.filter((l) => !it.options.some((o) => o.label === l));
      if (bad.length) throw new AppError('VALIDATION_FAILED', `题目 ${qid} 没有选项 ${bad.join(',')} / no such option`, { field: 'answers' });
      if (it.type === 'single' && labels.length > 1) throw new AppError('VALIDATION_FAILED', `题目 ${qid} 是单选题 / single choice: one option`, { field: 'answers' });
    }
  }

  private closedError(a: AttemptRow): AppError {
    return a.submittedAt
      ? new AppError('ATTEMPT_CLOSED', `本次作答已于 ${a.submittedAt} 提交，不能再次提交或修改 / already submitted`, { field: 'attemptId', details: { submittedAt: a.submittedAt } })
      : new AppError('ATTEMPT_CLOSED', `已超过考试时限（截止 ${a.deadline}） / the time limit has passed`, { field: 'attemptId', details: { deadline: a.deadline } });
  }

  /**
   * Results: per resident (their latest finished attempt: submitted, or timed out and scored on what was
   * saved in time), per knowledge point, and item analysis over those attempts.
   */
  async results(examId: string): Promise<ExamResults> {
    const exam = await this.require(examId);
    const all = await this.exams.attemptsOf(examId, null);
    const latest = new Map<string, AttemptRow>();
    for (const a of all) if (a.submittedAt || a.expired) latest.set(a.userId, a);
    const scored: (ScoredAttempt & { row: AttemptRow; score: number; maxScore: number })[] = [...latest.values()].map((a) => {
      const s = a.results && a.score !== null && a.maxScore !== null ? { results: a.results, score: a.score, maxScore: a.maxScore } : score(exam, a.answers);
      return { attemptId: a.id, username: a.username, items: s.results, row: a, score: s.score, maxScore: s.maxScore };
    });
    const tags = [...new Set(exam.items.flatMap((i) => i.tags))];
    const names = await this.names(tags);
    const knowledgePoints = tags.map((tag) => {
      const ids = new Set(exam.items.filter((i) => i.tags.includes(tag)).map((i) => i.questionId));
      const byResident: Record<string, number> = {};
      for (const s of scored) {
        const got = s.items.filter((i) => ids.has(i.questionId));
        byResident[s.username] = got.length ? pct(got.reduce((x, i) => x + i.credit, 0) / ids.size) : 0;
      }
      const vals = Object.values(byResident);
      return { tag, name: names.get(tag) ?? tag, items: ids.size, meanPercent: vals.length ? pct(vals.reduce((a, b) => a + b, 0) / vals.length / 100) : 0, byResident };
    }).sort((a, b) => b.items - a.items);
    const stats = analyseItems(scored, exam.items.map((i) => ({ questionId: i.questionId, labels: i.options.map((o) => o.label), key: i.key })));
    return {
      exam,
      residents: scored.map((s) => ({ username: s.username, attemptId: s.attemptId, seq: s.row.seq, score: s.score, maxScore: s.maxScore, percent: pct(s.score / (s.maxScore || 1)), submitted: !!s.row.submittedAt })),
      knowledgePoints,
      items: stats.map((st) => {
        const it = exam.items.find((i) => i.questionId === st.questionId) as ExamItem;
        return { ...st, stem: it.stem, level: it.level };
      }),
    };
  }
}

function score(exam: Exam, answers: Record<string, string[]>) {
  const results = exam.items.map((it) => {
    const chosen = answers[it.questionId] ?? [];
    return { questionId: it.questionId, chosen, credit: creditFor(it.type, it.key, chosen, exam.multipleScoring) };
  });
  return { results, score: Math.round(results.reduce((s, r) => s + r.credit, 0) * 1000) / 1000, maxScore: exam.items.length };
}

const pct = (x: number) => Math.round(x * 1000) / 10;
