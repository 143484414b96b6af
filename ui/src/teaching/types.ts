/** Wire shapes of the teaching API as the pages read them (the server validates with teaching/*.schemas.ts). */
import type { FigureRef } from './FigureView.tsx';

export type Level = 'easy' | 'medium' | 'hard';
export const LEVEL_ZH: Record<Level | 'any', string> = { easy: '易', medium: '中', hard: '难', any: '任意' };

export interface BlueprintCell { tag: string; level?: Level; count: number }
export interface Exam {
  id: string; title: string; status: 'draft' | 'published' | 'closed'; blueprint: BlueprintCell[]; items: { questionId: string }[];
  orderMode: 'fixed' | 'random'; timeLimitMinutes: number; maxAttempts: number; multipleScoring: 'all_or_nothing' | 'partial'; createdAt: string;
}
export interface ExamSummary { id: string; title: string; itemCount: number; attemptsUsed: number; maxAttempts: number; timeLimitMinutes: number }
export interface AttemptView {
  id: string; examId: string; title: string; seq: number; deadline: string; remainingSeconds: number; submittedAt: string | null;
  items: { questionId: string; type: 'single' | 'multiple'; stem: string; options: { label: string; text: string }[]; figure?: FigureRef | null }[];
  answers: Record<string, string[]>; score: number | null; maxScore: number | null;
}
export interface ExamResults {
  exam: Exam;
  residents: { username: string; attemptId: string; score: number; maxScore: number; percent: number; submitted: boolean }[];
  knowledgePoints: { tag: string; name: string; items: number; meanPercent: number; byResident: Record<string, number> }[];
  items: { questionId: string; stem: string; level: string; n: number; p: number | null; discrimination: number | null; flagged: boolean; options: { label: string; chosen: number; share: number; upper: number; lower: number; key: boolean }[] }[];
}
