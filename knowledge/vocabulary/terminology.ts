import { z } from 'zod';
import { AppError, type EntityType, EntityTypeSchema } from '../../core/index.ts';
import { parseCsvTerminology, parseIcd10Csv } from './csv-format.ts';
import { parseRf2Descriptions } from './rf2-format.ts';
import { parseSkos } from './skos-format.ts';

export const VOCAB_FORMATS = ['csv', 'skos', 'rf2', 'icd10'] as const;
export const VocabFormatSchema = z.enum(VOCAB_FORMATS);
export type VocabFormat = z.infer<typeof VocabFormatSchema>;

/** One concept of an external terminology, as the importer understands it. */
export interface TermRecord {
  /** Line (CSV, RF2) or concept position (SKOS) it came from, for messages. */
  line: number;
  /** Code system the code belongs to: icd10, snomed, radlex, or a local name. */
  system: string;
  code?: string;
  type: EntityType;
  /** Whether `type` was given by the file (or the operator) rather than guessed from the name. */
  typeGiven: boolean;
  nameZh?: string;
  nameEn?: string;
  synonyms: string[];
}

export interface RowIssue {
  line: number;
  field?: string;
  message: string;
}

export interface ParsedTerminology {
  system: string;
  records: TermRecord[];
  /** Problems that stop the import: nothing is written while there is one. */
  errors: RowIssue[];
  /** Rows left out on purpose (inactive descriptions, external-cause codes…). */
  warnings: RowIssue[];
}

export interface ParseOptions {
  /** Code system name for formats that do not carry one (csv, skos). */
  system?: string;
  /** Entity type for concepts whose type the file does not give. */
  type?: EntityType;
}

/** Largest file parsed in one import (a SNOMED CT description snapshot with a Chinese extension fits). */
export const MAX_TERMINOLOGY_BYTES = 512 * 1024 * 1024;
const MAX_NAME = 80;
const MAX_SYNONYMS = 50;

/** Parse a terminology file of `format`; throws IMPORT_INVALID only when the file as a whole is unreadable. */
export async function parseTerminology(bytes: Uint8Array, format: VocabFormat, opts: ParseOptions = {}): Promise<ParsedTerminology> {
  if (!bytes.length) throw new AppError('EMPTY_FILE', '文件为空 / the file is empty', { field: 'file' });
  if (bytes.length > MAX_TERMINOLOGY_BYTES) throw new AppError('FILE_TOO_LARGE', '术语文件过大 / terminology file too large', { field: 'file' });
  const text = decodeUtf8(bytes);
  switch (format) {
    case 'csv':
      return finish(parseCsvTerminology(text, opts));
    case 'icd10':
      return finish(parseIcd10Csv(text));
    case 'rf2':
      return finish(parseRf2Descriptions(text));
    case 'skos':
      return finish(await parseSkos(text, opts));
  }
}

/** Terminology files are UTF-8 (with or without BOM); anything else is refused rather than guessed. */
function decodeUtf8(bytes: Uint8Array): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes).replace(/^\uFEFF/, '');
  } catch {
    throw new AppError('TEXT_DECODE_FAILED', '术语文件须为 UTF-8 编码 / terminology files must be UTF-8', { field: 'file' });
  }
}

/** Common checks on every record: names present and short enough, synonyms deduplicated. */
function finish(p: ParsedTerminology): ParsedTerminology {
  const records: TermRecord[] = [];
  for (const r of p.records) {
    const names = [r.nameZh, r.nameEn, ...r.synonyms].filter((x): x is string => !!x);
    if (!r.nameZh && !r.nameEn) {
      p.errors.push({ line: r.line, field: 'name', message: '缺少名称 / no name' });
      continue;
    }
    const long = names.find((n) => n.length > MAX_NAME);
    if (long) {
      p.errors.push({ line: r.line, field: 'name', message: `名称超过 ${MAX_NAME} 字 / name longer than ${MAX_NAME}: ${long.slice(0, 30)}…` });
      continue;
    }
    const seen = new Set([r.nameZh, r.nameEn].filter(Boolean));
    const synonyms: string[] = [];
    for (const x of r.synonyms) {
      if (!x || seen.has(x)) continue;
      seen.add(x);
      synonyms.push(x);
    }
    records.push({ ...r, synonyms: synonyms.slice(0, MAX_SYNONYMS) });
  }
  return { ...p, records };
}

const TYPE_NAMES: Record<string, EntityType> = {
  疾病: 'Disease', 病: 'Disease', 诊断: 'Disease', 征象: 'Sign', 影像征象: 'Sign', 体征: 'Finding', 症状: 'Finding', 表现: 'Finding', 发现: 'Finding',
  解剖: 'Anatomy', 部位: 'Anatomy', 模态: 'Modality', 成像方式: 'Modality', 检查: 'Exam', 检验: 'Exam', 治疗: 'Treatment', 药物: 'Drug', 药品: 'Drug',
  操作: 'Procedure', 手术: 'Procedure', 分期: 'Stage', 分级: 'Stage', 分型: 'Stage',
};

/** An entity type from a type column: the English name (any case) or a common Chinese one; undefined when unknown. */
export function entityTypeOf(value: string | undefined): EntityType | undefined {
  const v = value?.trim();
  if (!v) return undefined;
  const en = EntityTypeSchema.options.find((t) => t.toLowerCase() === v.toLowerCase());
  return en ?? TYPE_NAMES[v];
}

/** Split a synonyms cell: |, ；, ; or 、 between names. */
export function splitSynonyms(cell: string | undefined): string[] {
  return (cell ?? '').split(/[|;；、]/).map((s) => s.trim()).filter(Boolean);
}
