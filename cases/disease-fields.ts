import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { z } from 'zod';
import { AppError } from '../core/index.ts';

const FieldSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('boolean'), label: z.string() }).strict(),
  z.object({ type: z.literal('number'), label: z.string(), min: z.number().optional(), max: z.number().optional() }).strict(),
  z.object({ type: z.literal('text'), label: z.string(), values: z.array(z.string()).optional() }).strict(),
  z.object({ type: z.literal('flag'), label: z.string() }).strict(),
]);
export const DiseaseFieldsSchema = z.record(
  z.string().regex(/^[a-z_]+$/),
  z.object({ label: z.string(), fields: z.record(z.string().regex(/^[A-Za-z][A-Za-z0-9]*$/), FieldSchema) }).strict(),
);
export type DiseaseFields = z.infer<typeof DiseaseFieldsSchema>;

export const DISEASE_FIELDS_PATH = fileURLToPath(new URL('./disease-fields.yaml', import.meta.url));

/** The disease-area field configuration; a malformed file fails at start, naming the path in it. */
export function loadDiseaseFields(file = DISEASE_FIELDS_PATH): DiseaseFields {
  const r = DiseaseFieldsSchema.safeParse(parse(readFileSync(file, 'utf8')));
  if (!r.success) {
    const i = r.error.issues[0];
    throw new AppError('CONFIG_INVALID', `病种字段配置无效 / invalid disease-field config ${file}: ${i.path.join('.')}: ${i.message}`);
  }
  return r.data;
}

/**
 * Check a case's `fields` against its area: a configured field must have its type and range; fields the
 * configuration does not know are kept (the model is extensible) and returned so the caller can say so.
 */
export function checkFields(config: DiseaseFields, area: string, fields: Record<string, unknown>, at = 'fields'): { unknown: string[] } {
  const defs = config[area]?.fields ?? {};
  const unknown: string[] = [];
  for (const [key, value] of Object.entries(fields)) {
    const def = defs[key];
    if (!def) {
      unknown.push(key);
      continue;
    }
    if (value === null) continue;
    const bad = (msg: string) => new AppError('VALIDATION_FAILED', `${at}.${key}: ${msg}`, { field: `${at}.${key}` });
    if (def.type === 'boolean' && typeof value !== 'boolean') throw bad('须为 true/false / must be a boolean');
    if (def.type === 'flag' && typeof value !== 'boolean' && typeof value !== 'string') throw bad('须为 true/false 或文字 / must be a boolean or a word');
    if (def.type === 'text' && typeof value !== 'string') throw bad('须为文本 / must be text');
    if (def.type === 'number') {
      if (typeof value !== 'number' || !Number.isFinite(value)) throw bad('须为数字 / must be a number');
      if ((def.min !== undefined && value < def.min) || (def.max !== undefined && value > def.max)) throw bad(`须在 ${def.min ?? '-∞'}–${def.max ?? '∞'} 之间 / out of range`);
    }
  }
  return { unknown };
}
