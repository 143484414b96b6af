import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';
import { NODE_TYPES, type NodeType } from './values.schema.ts';

/**
 * Follow-up rules as data (reporting/followup-rules.yaml): lung nodule categories by density type and mean
 * diameter, each row with its source table and page. Evaluated deterministically; nothing here is a model's.
 */

const RuleSchema = z.object({
  nodeType: z.enum(NODE_TYPES),
  min: z.number().optional(),
  minExclusive: z.number().optional(),
  max: z.number().optional(),
  maxExclusive: z.number().optional(),
  solidMin: z.number().optional(),
  solidMaxExclusive: z.number().optional(),
  advice: z.string().min(1),
  table: z.string(),
  page: z.number().int().positive(),
});

export const RuleTableSchema = z.object({
  id: z.string(),
  version: z.union([z.string(), z.number()]).transform(String),
  appliesTo: z.string(),
  source: z.object({ title: z.string(), version: z.string(), file: z.string() }),
  rules: z.array(RuleSchema).min(1),
});
export type RuleTable = z.infer<typeof RuleTableSchema>;

export const FollowUpSchema = z.object({
  advice: z.string(),
  ruleTable: z.string(),
  ruleVersion: z.string(),
  appliesTo: z.string(),
  citation: z.object({ title: z.string(), version: z.string(), table: z.string(), page: z.number().int(), file: z.string() }),
  /** The size the rule was evaluated on and how it was obtained. */
  basis: z.object({ nodeType: z.enum(NODE_TYPES), meanDiameterMm: z.number(), solidMm: z.number().nullable() }),
});
export type FollowUp = z.infer<typeof FollowUpSchema>;

let cache: RuleTable | undefined;
export function followUpRules(file = path.join(import.meta.dirname, 'followup-rules.yaml')): RuleTable {
  if (!cache || file !== path.join(import.meta.dirname, 'followup-rules.yaml')) cache = RuleTableSchema.parse(parse(readFileSync(file, 'utf8')));
  return cache;
}

/** The first rule row that holds, or null when none does (e.g. a part-solid nodule ≥ 6 mm with no solid size). */
export function followUpFor(nodeType: NodeType, meanDiameterMm: number, solidMm: number | null, table = followUpRules()): FollowUp | null {
  const d = meanDiameterMm;
  for (const r of table.rules) {
    if (r.nodeType !== nodeType) continue;
    if (r.min !== undefined && !(d >= r.min)) continue;
    if (r.minExclusive !== undefined && !(d > r.minExclusive)) continue;
    if (r.max !== undefined && !(d <= r.max)) continue;
    if (r.maxExclusive !== undefined && !(d < r.maxExclusive)) continue;
    if ((r.solidMin !== undefined || r.solidMaxExclusive !== undefined) && solidMm === null) continue;
    if (r.solidMin !== undefined && solidMm !== null && !(solidMm >= r.solidMin)) continue;
    if (r.solidMaxExclusive !== undefined && solidMm !== null && !(solidMm < r.solidMaxExclusive)) continue;
    return {
      advice: r.advice,
      ruleTable: table.id,
      ruleVersion: table.version,
      appliesTo: table.appliesTo,
      citation: { title: table.source.title, version: table.source.version, table: r.table, page: r.page, file: table.source.file },
      basis: { nodeType, meanDiameterMm: d, solidMm },
    };
  }
  return null;
}

export function citationText(f: FollowUp): string {
  return `《${f.citation.title}》${f.citation.version} ${f.citation.table}，第${f.citation.page}页`;
}
