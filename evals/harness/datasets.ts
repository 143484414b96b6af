import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

export const ANSWERS_FILE = fileURLToPath(new URL('../answers/answers.jsonl', import.meta.url));
/** The authored resident set (evals/resident/README.md): dev and held-out halves. */
export const RESIDENT_FILE = fileURLToPath(new URL('../resident/questions.jsonl', import.meta.url));
export const SPLITS = ['dev', 'heldout', 'all'] as const;
export type Split = (typeof SPLITS)[number];

const FactSchema = z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]);

/**
 * One authored question of the answers suite. `mustInclude`: key facts a correct answer states (each a
 * string or alternatives); `mustNotInclude`: facts that would be wrong; `expectedSources`: demo file stems
 * (e.g. `lung-nodule-guideline`) or source titles, any of which the answer should cite; `expectRefusal`:
 * off-topic questions the assistant must refuse ("知识库中未找到…").
 */
export const AnswerCaseSchema = z
  .object({
    id: z.string().min(1),
    question: z.string().min(1),
    lang: z.enum(['zh', 'en']),
    mustInclude: z.array(FactSchema),
    mustNotInclude: z.array(FactSchema),
    expectedSources: z.array(z.string().min(1)),
    expectRefusal: z.boolean().default(false),
    note: z.string().optional(),
    /** Resident set only: `dev` or `heldout`, the question type, and the pages that answer it. */
    split: z.enum(['dev', 'heldout']).optional(),
    type: z.string().optional(),
    expectedPages: z.array(z.object({ doc: z.string(), page: z.number().int().min(1) })).optional(),
  })
  .refine((c) => c.expectRefusal || (c.mustInclude.length > 0 && c.expectedSources.length > 0), {
    message: 'an answerable question needs mustInclude facts and expectedSources',
  });
export type AnswerCase = z.infer<typeof AnswerCaseSchema>;

/** The authored answers set (one JSON object per line), or one split of it; errors name the file and line. */
export function loadAnswerCases(file = ANSWERS_FILE, split: Split = 'all'): AnswerCase[] {
  const seen = new Set<string>();
  return readFileSync(file, 'utf8')
    .split('\n')
    .map((line, i) => ({ line, i }))
    .filter(({ line }) => line.trim())
    .map(({ line, i }) => {
      const parsed = AnswerCaseSchema.safeParse(JSON.parse(line));
      if (!parsed.success) throw new Error(`${file}:${i + 1}: ${parsed.error.issues[0]?.path.join('.')} ${parsed.error.issues[0]?.message}`);
      if (seen.has(parsed.data.id)) throw new Error(`${file}:${i + 1}: duplicate id ${parsed.data.id}`);
      seen.add(parsed.data.id);
      return parsed.data;
    })
    .filter((c) => split === 'all' || c.split === split);
}
