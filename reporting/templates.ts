import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';
import { AppError } from '../core/index.ts';
import { FINDING_TYPES, type FindingType } from './values.schema.ts';

/** Report templates are versioned data files (reporting/templates/*.yaml); a draft records id + version. */

const PartSchema = z.object({
  text: z.string().min(1),
  /** Skipped when one of its slots has no value (otherwise a missing value is an error naming it). */
  optional: z.boolean().default(false),
  /** Skipped when this slot has a value (the alternative wording of an optional part). */
  unless: z.string().optional(),
});
export type TemplatePart = z.infer<typeof PartSchema>;

export const TemplateSchema = z.object({
  id: z.string().regex(/^[a-z_]+$/),
  version: z.string().regex(/^\d+\.\d+\.\d+$/),
  title: z.string(),
  modality: z.string(),
  bodyPart: z.string(),
  findingType: z.enum(FINDING_TYPES),
  /** The template a draft of this finding type gets when none is chosen (exactly one per finding type). */
  default: z.boolean().default(false),
  required: z.array(z.string()),
  findings: z.array(PartSchema).min(1),
  impression: z.array(PartSchema).min(1),
  qcRequired: z.array(z.object({ item: z.string(), pattern: z.string() })).default([]),
});
export type Template = z.infer<typeof TemplateSchema>;

/** What a user choosing a template sees of it. */
export const TemplateSummarySchema = TemplateSchema.pick({ id: true, version: true, title: true, modality: true, bodyPart: true, findingType: true, default: true, required: true });
export type TemplateSummary = z.infer<typeof TemplateSummarySchema>;

export const TEMPLATES_DIR = path.join(import.meta.dirname, 'templates');

/** Every template, validated (a malformed file fails at start, naming the file). */
export function loadTemplates(dir = TEMPLATES_DIR): Template[] {
  const all = readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((f) => {
      const parsed = TemplateSchema.safeParse(parse(readFileSync(path.join(dir, f), 'utf8')));
      if (!parsed.success) throw new Error(`${f}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
      return parsed.data;
    });
  const ids = new Set<string>();
  for (const t of all) {
    if (ids.has(t.id)) throw new Error(`report template id ${t.id} is used twice`);
    ids.add(t.id);
  }
  for (const type of new Set(all.map((t) => t.findingType))) {
    const defaults = all.filter((t) => t.findingType === type && t.default).length;
    if (defaults !== 1) throw new Error(`finding type ${type} needs exactly one default template (has ${defaults})`);
  }
  return all;
}

let cache: Template[] | undefined;
export function templates(): Template[] {
  cache ??= loadTemplates();
  return cache;
}

/** The chosen template, or the finding type's default; an unknown id is the caller's error, named. */
export function templateFor(findingType: FindingType, id?: string): Template {
  const all = templates();
  const t = id ? all.find((x) => x.id === id) : all.find((x) => x.findingType === findingType && x.default);
  if (t) return t;
  if (id) throw new AppError('VALIDATION_FAILED', `没有报告模板「${id}」 / no report template ${id}`, { field: 'templateId', details: { known: all.map((x) => x.id) } });
  throw new Error(`no default report template for ${findingType}`);
}

export const SLOT = /\{([a-zA-Z]+)\}/g;
