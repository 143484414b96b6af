import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { hasFact } from '../evals/harness/facts.ts';

const ROOT = path.resolve(import.meta.dirname, '..');
const Fact = z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]);
const Case = z.object({
  id: z.string(),
  split: z.enum(['dev', 'heldout']),
  type: z.string(),
  question: z.string().min(1),
  lang: z.enum(['zh', 'en']),
  mustInclude: z.array(Fact),
  mustNotInclude: z.array(Fact),
  expectedSources: z.array(z.string()),
  expectedPages: z.array(z.object({ doc: z.string(), page: z.number().int().min(1) })),
  expectRefusal: z.boolean().optional(),
});
const cases = readFileSync(path.join(ROOT, 'evals/resident/questions.jsonl'), 'utf8')
  .split('\n')
  .filter((l) => l.trim())
  .map((l) => Case.parse(JSON.parse(l)));

/** Page N of a demo document: the text between `<!-- page: N -->` markers, markdown emphasis removed. */
function page(doc: string, n: number): string {
  const text = readFileSync(path.join(ROOT, 'demo/corpus', `${doc}.md`), 'utf8');
  const parts = text.split(/^[ \t]*<!--\s*page:\s*(\d+)\s*-->[ \t]*$/m);
  for (let i = 1; i < parts.length; i += 2) if (Number(parts[i]) === n) return (parts[i + 1] ?? '').replaceAll('**', '');
  throw new Error(`${doc} has no page ${n}`);
}

describe('resident question set', () => {
  it('has at least 120 questions with unique ids, every type in both splits, about half held out', () => {
    expect(cases.length).toBeGreaterThanOrEqual(120);
    expect(new Set(cases.map((c) => c.id)).size).toBe(cases.length);
    const types = new Set(cases.map((c) => c.type));
    for (const t of types) {
      const n = (s: string) => cases.filter((c) => c.type === t && c.split === s).length;
      expect(n('dev'), t).toBeGreaterThan(0);
      expect(Math.abs(n('dev') - n('heldout')), t).toBeLessThanOrEqual(1);
    }
    for (const t of ['threshold', 'table', 'staging', 'signs', 'differential', 'exam', 'treatment', 'english', 'mixed', 'refusal']) expect(types.has(t), t).toBe(true);
  });

  it('every answerable question has key facts, a forbidden fact and expected pages of its expected sources', () => {
    for (const c of cases) {
      if (c.expectRefusal) {
        expect(c.mustInclude, c.id).toEqual([]);
        continue;
      }
      expect(c.mustInclude.length, c.id).toBeGreaterThan(0);
      expect(c.mustNotInclude.length, c.id).toBeGreaterThan(0);
      expect(c.expectedPages.length, c.id).toBeGreaterThan(0);
      for (const p of c.expectedPages) expect(c.expectedSources, c.id).toContain(p.doc);
    }
  });

  it('each key fact is on an expected page and no forbidden fact is (answerable from the cited page alone)', () => {
    for (const c of cases.filter((x) => !x.expectRefusal)) {
      const text = c.expectedPages.map((p) => page(p.doc, p.page)).join('\n');
      for (const f of c.mustInclude) expect(hasFact(text, f), `${c.id} ${JSON.stringify(f)}`).toBe(true);
      for (const f of c.mustNotInclude) expect(hasFact(text, f), `${c.id} forbidden ${JSON.stringify(f)}`).toBe(false);
    }
  });
});
