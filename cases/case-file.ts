import { parse as parseCsv } from 'csv-parse/sync';
import { AppError } from '../core/index.ts';
import { type CaseInputParsed, CaseInputSchema } from './case.schemas.ts';

export interface RowError {
  /** 1-based record number (JSON array index + 1, JSONL line, CSV data row). */
  row: number;
  id?: string;
  field: string;
  message: string;
}

/** CSV columns holding lists: `;`-separated. Columns holding structures: JSON text. */
const LIST_COLUMNS = new Set(['acceptableDiagnoses', 'teachingPoints']);
const JSON_COLUMNS = new Set(['structuredFindings', 'fields', 'studies', 'sourceRefs', 'keyImages']);

/**
 * Read a case file: a JSON array (or `{ "cases": [...] }`), JSON Lines, or CSV with a header row
 * (`finalDiagnosis` + `icd10` columns; list columns `;`-separated; structure columns as JSON). Every record
 * is validated; all errors are returned together, each naming its row and field (`rows`: each valid case's record number).
 */
export function readCaseFile(bytes: Buffer, fileName: string): { cases: CaseInputParsed[]; rows: number[]; errors: RowError[] } {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes).replace(/^\uFEFF/, '');
  } catch {
    throw new AppError('TEXT_DECODE_FAILED', `${fileName}: 不是 UTF-8 文本 / not UTF-8 text`, { field: 'file' });
  }
  if (!text.trim()) throw new AppError('EMPTY_FILE', `${fileName}: 文件为空 / the file is empty`, { field: 'file' });
  const errors: RowError[] = [];
  const records = /\.csv$/i.test(fileName) ? csvRecords(text, fileName, errors) : jsonRecords(text, fileName);
  const cases: CaseInputParsed[] = [];
  const rows: number[] = [];
  const seen = new Map<string, number>();
  records.forEach((raw, i) => {
    const row = i + 1;
    if (raw === null) return; // a CSV row whose error is already recorded
    const r = CaseInputSchema.safeParse(raw);
    const id = typeof (raw as { id?: unknown })?.id === 'string' ? String((raw as { id: string }).id) : undefined;
    if (!r.success) {
      for (const issue of r.error.issues.slice(0, 5)) errors.push({ row, id, field: issue.path.join('.') || '(record)', message: issue.message });
      return;
    }
    if (r.data.id) {
      const first = seen.get(r.data.id);
      if (first) errors.push({ row, id, field: 'id', message: `与第 ${first} 条重复 / duplicate of record ${first}` });
      seen.set(r.data.id, row);
    }
    cases.push(r.data);
    rows.push(row);
  });
  return { cases, rows, errors };
}

function jsonRecords(text: string, fileName: string): unknown[] {
  const trimmed = text.trim();
  if (trimmed.startsWith('[') || trimmed.startsWith('{"cases"') || /^\{\s*"cases"/.test(trimmed)) {
    let doc: unknown;
    try {
      doc = JSON.parse(trimmed);
    } catch (e) {
      throw new AppError('IMPORT_INVALID', `${fileName}: JSON 无效 / invalid JSON: ${(e as Error).message}`, { field: 'file' });
    }
    const list = Array.isArray(doc) ? doc : (doc as { cases?: unknown }).cases;
    if (!Array.isArray(list)) throw new AppError('IMPORT_INVALID', `${fileName}: 需要病例数组 / expected an array of cases`, { field: 'file' });
    return list;
  }
  return trimmed.split('\n').flatMap((line, i) => {
    if (!line.trim()) return [];
    try {
      return [JSON.parse(line)];
    } catch (e) {
      throw new AppError('IMPORT_INVALID', `${fileName} 第 ${i + 1} 行 JSON 无效 / line ${i + 1}: invalid JSON: ${(e as Error).message}`, { field: `line ${i + 1}` });
    }
  });
}

function csvRecords(text: string, fileName: string, errors: RowError[]): unknown[] {
  let rows: Record<string, string>[];
  try {
    rows = parseCsv(text, { columns: true, skip_empty_lines: true, trim: true, relax_column_count: false });
  } catch (e) {
    throw new AppError('IMPORT_INVALID', `${fileName}: CSV 无效 / invalid CSV: ${(e as Error).message}`, { field: 'file' });
  }
  return rows.map((r, i) => {
    const out: Record<string, unknown> = {};
    let bad = false;
    for (const [k, v] of Object.entries(r)) {
      if (v === '' || k === 'icd10') continue;
      if (k === 'finalDiagnosis') out.finalDiagnosis = { name: v, ...(r.icd10 ? { icd10: r.icd10 } : {}) };
      else if (LIST_COLUMNS.has(k)) out[k] = v.split(/[;；]/).map((s) => s.trim()).filter(Boolean);
      else if (JSON_COLUMNS.has(k)) {
        try {
          out[k] = JSON.parse(v);
        } catch {
          errors.push({ row: i + 1, id: r.id || undefined, field: k, message: `不是有效 JSON / column ${k} is not valid JSON` });
          bad = true;
        }
      } else out[k] = v;
    }
    return bad ? null : out;
  });
}
