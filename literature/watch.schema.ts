import { CronExpressionParser } from 'cron-parser';
import { z } from 'zod';

const Term = z.string().trim().min(1).max(200).refine((s) => !/[\u0000-\u001f]/.test(s), 'control characters are not allowed');

export const CronSchema = z.string().trim().min(9).max(100).superRefine((expr, ctx) => {
  try {
    CronExpressionParser.parse(expr);
  } catch (e) {
    ctx.addIssue({ code: 'custom', message: `无效的 cron 表达式 / invalid cron expression: ${(e as Error).message}` });
  }
});

/** What an admin states when defining a watch. */
export const WatchInputSchema = z.object({
  name: z.string().trim().min(1).max(100),
  /** PubMed query syntax, e.g. `lung nodule AND (CT OR radiomics)`; PubMed itself judges its syntax. */
  query: z.string().trim().min(1).max(2000),
  meshTerms: z.array(Term).max(20).default([]),
  journals: z.array(Term).max(20).default([]),
  /** PubMed language names (english, chinese…). */
  languages: z.array(z.string().trim().toLowerCase().regex(/^[a-z]{2,20}$/)).max(10).default([]),
  lookbackDays: z.coerce.number().int().min(1).max(36500).default(1095),
  cron: CronSchema.default('0 3 1 * *'),
  maxRecords: z.coerce.number().int().min(1).max(100_000).default(2000),
  enabled: z.boolean().default(true),
});
export type WatchInput = z.infer<typeof WatchInputSchema>;

export const WatchSchema = WatchInputSchema.extend({
  id: z.string(),
  coveredUntil: z.string().nullable(),
  createdBy: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
  /** When the scheduler will run it next (null when disabled). */
  nextRunAt: z.string().nullable(),
  lastRun: z.lazy(() => RunSchema).nullable(),
});
export type Watch = z.infer<typeof WatchSchema>;

export const RunSchema = z.object({
  id: z.string(),
  watchId: z.string().nullable(),
  jobId: z.string().nullable(),
  trigger: z.enum(['schedule', 'manual', 'import']),
  status: z.enum(['running', 'succeeded', 'failed']),
  term: z.string(),
  minDate: z.string().nullable(),
  maxDate: z.string().nullable(),
  total: z.number().nullable(),
  fetched: z.number(),
  newRecords: z.number(),
  updated: z.number(),
  unchanged: z.number(),
  retracted: z.number(),
  skipped: z.number(),
  /** Candidate triples proposed from this run's records so far (extraction runs after import). */
  triplesProposed: z.number(),
  error: z.object({ code: z.string(), message: z.string() }).nullable(),
  attempts: z.number(),
  startedAt: z.string(),
  finishedAt: z.string().nullable(),
});
export type Run = z.infer<typeof RunSchema>;

/** The esearch term for a watch: its query, narrowed by MeSH terms, journals and languages. */
export function watchTerm(w: Pick<WatchInput, 'query' | 'meshTerms' | 'journals' | 'languages'>): string {
  const any = (items: string[], field: string) => `(${items.map((t) => `"${t.replace(/"/g, '')}"[${field}]`).join(' OR ')})`;
  const parts = [`(${w.query})`];
  if (w.meshTerms.length) parts.push(any(w.meshTerms, 'MeSH Terms'));
  if (w.journals.length) parts.push(any(w.journals, 'Journal'));
  if (w.languages.length) parts.push(any(w.languages, 'Language'));
  return parts.join(' AND ');
}

export function nextRunAfter(cron: string, after: Date, tz: string): Date {
  return CronExpressionParser.parse(cron, { currentDate: after, tz }).next().toDate();
}
