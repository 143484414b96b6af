import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { splitFrontMatter } from '../core/index.ts';

export const PROMPTS_DIR = fileURLToPath(new URL('../prompts/', import.meta.url));

/**
 * Front matter of a prompt file (prompts/*.md). `version` is bumped on every change of meaning; it is
 * recorded with every candidate the prompt produced and keys the response cache.
 */
export const PromptFrontMatterSchema = z.strictObject({
  id: z.string().regex(/^[a-z][a-z0-9-]*$/),
  version: z.number().int().positive(),
  language: z.enum(['zh', 'en']),
  description: z.string().optional(),
  /** Placeholders (`{{name}}`) the sections use; every one must be used, and nothing else. */
  variables: z.array(z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/)),
  /** Name of the JSON schema the answer must follow (OpenAI schema-name rules). */
  output: z.string().regex(/^[a-zA-Z0-9_-]{1,64}$/).optional(),
});

export interface Prompt extends z.infer<typeof PromptFrontMatterSchema> {
  /** Message templates by `## name` heading: `system`, `user`, and any follow-ups. */
  sections: Record<string, string>;
  file: string;
}

const PLACEHOLDER = /\{\{\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*\}\}/g;
const SECTION = /^## ([a-z][a-z0-9_-]*)\s*$/gm;

/** Parse one prompt file; a bad front matter or a placeholder mismatch throws naming the file. */
export function parsePrompt(source: string, file: string): Prompt {
  const { data, content } = splitFrontMatter(source, file);
  const fm = PromptFrontMatterSchema.safeParse(data);
  if (!fm.success) {
    const issue = fm.error.issues[0];
    throw new Error(`${file}: front matter ${issue?.path.join('.') || ''} ${issue?.message}`.replace(/\s+/g, ' '));
  }
  const sections: Record<string, string> = {};
  const heads = [...content.matchAll(SECTION)];
  heads.forEach((h, i) => {
    const end = i + 1 < heads.length ? heads[i + 1].index : content.length;
    sections[h[1]] = content.slice(h.index + h[0].length, end).trim();
  });
  for (const required of ['system', 'user']) {
    if (!sections[required]) throw new Error(`${file}: missing section "## ${required}"`);
  }
  const used = new Set(Object.values(sections).flatMap((s) => [...s.matchAll(PLACEHOLDER)].map((m) => m[1])));
  const undeclared = [...used].filter((v) => !fm.data.variables.includes(v));
  if (undeclared.length) throw new Error(`${file}: placeholders not declared in variables: ${undeclared.join(', ')}`);
  const unused = fm.data.variables.filter((v) => !used.has(v));
  if (unused.length) throw new Error(`${file}: variables never used: ${unused.join(', ')}`);
  if (fm.data.id !== path.basename(file, '.md')) throw new Error(`${file}: id ${fm.data.id} does not match the file name`);
  return { ...fm.data, sections, file };
}

/** The prompt `id` from `dir` (prompts/ by default). */
export function loadPrompt(id: string, dir = PROMPTS_DIR): Prompt {
  const file = path.join(dir, `${id}.md`);
  return parsePrompt(readFileSync(file, 'utf8'), file);
}

/** Every prompt in `dir`, validated (used by the test that keeps prompts/ loadable). */
export function loadPrompts(dir = PROMPTS_DIR): Prompt[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.md'))
    .sort()
    .map((f) => parsePrompt(readFileSync(path.join(dir, f), 'utf8'), path.join(dir, f)));
}

/** Fill a section's placeholders; a placeholder without a value throws (a silently empty prompt is worse). */
export function renderPrompt(prompt: Prompt, section: string, values: Record<string, string>): string {
  const template = prompt.sections[section];
  if (template === undefined) throw new Error(`prompt ${prompt.id}: no section "${section}"`);
  return template.replace(PLACEHOLDER, (_, name: string) => {
    const v = values[name];
    if (v === undefined) throw new Error(`prompt ${prompt.id}: no value for {{${name}}} in section ${section}`);
    return v;
  });
}

/** `id@vN`, as recorded with results. */
export function promptTag(p: Pick<Prompt, 'id' | 'version'>): string {
  return `${p.id}@v${p.version}`;
}
