import { AppError } from '../../core/index.ts';

/** Longest question accepted (after trimming); the route and the CLI name it in the error. */
export const MAX_QUESTION_CHARS = 4000;

/** The trimmed question, or VALIDATION_FAILED (empty) / QUESTION_TOO_LONG naming the limit. */
export function validateQuestion(message: unknown): string {
  const q = typeof message === 'string' ? message.trim() : '';
  if (!q) throw new AppError('VALIDATION_FAILED', '请输入问题 / the question is empty', { field: 'message' });
  if (q.length > MAX_QUESTION_CHARS) {
    throw new AppError('QUESTION_TOO_LONG', `问题过长（${q.length} 字），上限 ${MAX_QUESTION_CHARS} 字 / question longer than ${MAX_QUESTION_CHARS} characters (${q.length})`, {
      field: 'message',
      details: { maxChars: MAX_QUESTION_CHARS, chars: q.length },
    });
  }
  return q;
}
