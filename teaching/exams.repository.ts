import { newId } from '../core/index.ts';
import type { Database, Queryable } from '../store/index.ts';
import type { BlueprintCell, Exam, ExamItem } from './exam.schemas.ts';

interface ExamRowDb {
  id: string; title: string; status: Exam['status']; blueprint: BlueprintCell[]; items: ExamItem[]; order_mode: Exam['orderMode'];
  time_limit_s: number; max_attempts: number; multiple_scoring: Exam['multipleScoring']; created_by: string; created_at: Date; published_at: Date | null;
}

export interface AttemptRow {
  id: string; examId: string; userId: string; username: string; seq: number; itemOrder: number[]; startedAt: string; deadline: string;
  answers: Record<string, string[]>; submittedAt: string | null; score: number | null; maxScore: number | null;
  results: { questionId: string; chosen: string[]; credit: number }[] | null;
  /** By the database clock: the deadline has passed. */
  expired: boolean;
  remainingSeconds: number;
  /** By the database clock: seconds since the deadline (negative before it). */
  secondsPastDeadline: number;
}

interface AttemptRowDb {
  id: string; exam_id: string; user_id: string; username: string; seq: number; item_order: number[]; started_at: Date; deadline: Date;
  answers: Record<string, string[]>; submitted_at: Date | null; score: number | null; max_score: number | null; results: AttemptRow['results']; expired: boolean; remaining: number;
}

const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);

function toExam(r: ExamRowDb): Exam {
  return {
    id: r.id, title: r.title, status: r.status, blueprint: r.blueprint, items: r.items, orderMode: r.order_mode, timeLimitMinutes: r.time_limit_s / 60,
    maxAttempts: r.max_attempts, multipleScoring: r.multiple_scoring, createdBy: r.created_by, createdAt: new Date(r.created_at).toISOString(), publishedAt: iso(r.published_at),
  };
}

function toAttempt(r: AttemptRowDb): AttemptRow {
  return {
    id: r.id, examId: r.exam_id, userId: r.user_id, username: r.username, seq: r.seq, itemOrder: r.item_order, startedAt: new Date(r.started_at).toISOString(),
    deadline: new Date(r.deadline).toISOString(), answers: r.answers ?? {}, submittedAt: iso(r.submitted_at), score: r.score === null ? null : Number(r.score),
    maxScore: r.max_score === null ? null : Number(r.max_score), results: r.results, expired: r.expired, remainingSeconds: Math.max(0, Math.floor(Number(r.remaining))), secondsPastDeadline: -Number(r.remaining),
  };
}

const SELECT_ATTEMPT = `SELECT a.*, now() > a.deadline AS expired, EXTRACT(EPOCH FROM (a.deadline - now())) AS remaining FROM teach_attempts a`;

/** Exams and attempts. Time checks use the database clock, so every API process agrees on the deadline. */
export class ExamsRepository {
  constructor(private readonly db: Database) {}

  async insert(tx: Queryable, e: Omit<Exam, 'id' | 'status' | 'createdAt' | 'publishedAt'>): Promise<string> {
    const id = newId('exam');
    await tx.query(
      `INSERT INTO teach_exams (id, title, blueprint, items, order_mode, time_limit_s, max_attempts, multiple_scoring, created_by)
       VALUES ($1, $2, $3::jsonb, $4::jsonb, $5, $6, $7, $8, $9)`,
      [id, e.title, JSON.stringify(e.blueprint), JSON.stringify(e.items), e.orderMode, Math.round(e.timeLimitMinutes * 60), e.maxAttempts, e.multipleScoring, e.createdBy],
    );
    return id;
  }

  async get(id: string, q: Queryable = this.db): Promise<Exam | null> {
    const { rows } = await q.query<ExamRowDb>('SELECT * FROM teach_exams WHERE id = $1', [id]);
    return rows[0] ? toExam(rows[0]) : null;
  }

  async list(status?: Exam['status']): Promise<Exam[]> {
    const { rows } = await this.db.query<ExamRowDb>('SELECT * FROM teach_exams WHERE ($1::text IS NULL OR status = $1) ORDER BY created_at DESC LIMIT 200', [status ?? null]);
    return rows.map(toExam);
  }

  async publish(tx: Queryable, id: string): Promise<void> {
    await tx.query(`UPDATE teach_exams SET status = 'published', published_at = now() WHERE id = $1`, [id]);
  }

  async attemptsOf(examId: string, userId: string | null, q: Queryable = this.db): Promise<AttemptRow[]> {
    const { rows } = await q.query<AttemptRowDb>(`${SELECT_ATTEMPT} WHERE a.exam_id = $1 AND ($2::text IS NULL OR a.user_id = $2) ORDER BY a.username, a.seq`, [examId, userId]);
    return rows.map(toAttempt);
  }

  async attempt(id: string, q: Queryable = this.db, lock = false): Promise<AttemptRow | null> {
    const { rows } = await q.query<AttemptRowDb>(`${SELECT_ATTEMPT} WHERE a.id = $1${lock ? ' FOR UPDATE' : ''}`, [id]);
    return rows[0] ? toAttempt(rows[0]) : null;
  }

  async insertAttempt(tx: Queryable, a: { examId: string; userId: string; username: string; seq: number; itemOrder: number[]; seed: number; timeLimitS: number }): Promise<string> {
    const id = newId('att');
    await tx.query(
      `INSERT INTO teach_attempts (id, exam_id, user_id, username, seq, item_order, option_seed, deadline) VALUES ($1, $2, $3, $4, $5, $6, $7, now() + make_interval(secs => $8))`,
      [id, a.examId, a.userId, a.username, a.seq, a.itemOrder, a.seed, a.timeLimitS],
    );
    return id;
  }

  /** Merge answers into an open attempt; refuses (returns false) once submitted or past the deadline. */
  async saveAnswers(tx: Queryable, id: string, answers: Record<string, string[]>): Promise<boolean> {
    const r = await tx.query(`UPDATE teach_attempts SET answers = answers || $2::jsonb WHERE id = $1 AND submitted_at IS NULL AND now() <= deadline`, [id, JSON.stringify(answers)]);
    return r.rowCount === 1;
  }

  async finish(tx: Queryable, id: string, s: { score: number; maxScore: number; results: NonNullable<AttemptRow['results']> }): Promise<void> {
    await tx.query('UPDATE teach_attempts SET submitted_at = now(), score = $2, max_score = $3, results = $4::jsonb WHERE id = $1', [id, s.score, s.maxScore, JSON.stringify(s.results)]);
  }
}
