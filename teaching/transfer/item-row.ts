import { z } from 'zod';
import type { Question } from '../question.schemas.ts';

/** One item in the neutral shape every exchange format maps to (xlsx row, Moodle question, QTI item). */
export const ItemRowSchema = z.object({
  type: z.enum(['single', 'multiple'], { message: '题型须为 single 或 multiple（单选/多选）' }),
  stem: z.string().trim().min(4, '题干至少 4 个字').max(500, '题干过长（上限 500 字）'),
  options: z.array(z.string().trim().min(1).max(200)).min(2, '至少 2 个选项').max(8, '最多 8 个选项'),
  /** Keyed option labels (A, B…). */
  key: z.array(z.string().regex(/^[A-H]$/, '答案须为选项字母 A–H')).min(1, '缺少答案'),
  explanation: z.string().max(4000).default(''),
  /** Knowledge points: entity ids or names. */
  tags: z.array(z.string().trim().min(1).max(100)).max(20).default([]),
  level: z.enum(['easy', 'medium', 'hard'], { message: '难度须为 easy/medium/hard（易/中/难）' }).default('medium'),
});
export type ItemRow = z.infer<typeof ItemRowSchema>;

/** A row's problem, by row number (1-based as the teacher sees it) and field. */
export interface RowError {
  row: number;
  field: string;
  message: string;
}

export const LABELS = 'ABCDEFGH'.split('');

export function rowOf(q: Question): ItemRow {
  return { type: q.type, stem: q.stem, options: q.options.map((o) => o.text), key: q.key, explanation: q.explanation, tags: q.tags, level: q.level };
}

/** Validate a raw row with the schema; issues become row errors naming the field. */
export function parseRow(raw: unknown, row: number): { row?: ItemRow; errors: RowError[] } {
  const r = ItemRowSchema.safeParse(raw);
  if (r.success) {
    const bad = r.data.key.filter((k) => LABELS.indexOf(k) >= r.data.options.length);
    if (bad.length) return { errors: [{ row, field: 'key', message: `答案 ${bad.join(',')} 不在选项中（共 ${r.data.options.length} 个选项）` }] };
    return { row: r.data, errors: [] };
  }
  return { errors: r.error.issues.map((i) => ({ row, field: String(i.path[0] ?? 'row'), message: i.message })) };
}
