import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';
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
  required: z.array(z.string()),
  findings: z.array(PartSchema).min(1),
  impression: z.array(PartSchema).min(1),
  qcRequired: z.array(z.object({ item: z.string(), pattern: z.string() })).default([]),
});
export type Template = z.infer<typeof TemplateSchema>;

export const TEMPLATES_DIR = path.join(import.meta.dirname, 'templates');

/** Every template, validated (a malformed file fails at start, naming the file). */
export function loadTemplates(dir = TEMPLATES_DIR): Template[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((f) => {
      const parsed = TemplateSchema.safeParse(parse(readFileSync(path.join(dir, f), 'utf8')));
      if (!parsed.success) throw new Error(`${f}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
      return parsed.data;
    });
}

let cache: Template[] | undefined;
export function templates(): Template[] {
  cache ??= loadTemplates();
  return cache;
}

export function templateFor(findingType: FindingType, id?: string): Template {
  const all = templates();
  const t = id ? all.find((x) => x.id === id) : all.find((x) => x.findingType === findingType);
  if (!t) throw new Error(`no report template ${id ?? findingType}`);
  return t;
}

export const SLOT = /\{([a-zA-Z]+)\}/g;
