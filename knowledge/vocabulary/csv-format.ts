import { parse } from 'csv-parse/sync';
import { type EntityType, guessEntityType } from '../../core/index.ts';
import { entityTypeOf, type ParsedTerminology, type ParseOptions, type RowIssue, splitSynonyms } from './terminology.ts';

/** Header names accepted for each column (English and the Chinese a hospital's export uses). */
const COLUMNS: Record<string, string[]> = {
  code: ['code', 'id', '编码', '代码', '疾病编码', 'icd编码', 'icd10', 'icd-10', '主要编码'],
  system: ['system', 'code_system', '编码体系', '体系'],
  type: ['type', 'category', '类型', '类别'],
  nameZh: ['name_zh', 'namezh', 'zh', 'name', '名称', '中文名', '中文名称', '疾病名称', '诊断名称', '术语'],
  nameEn: ['name_en', 'nameen', 'en', 'english', '英文名', '英文名称'],
  synonyms: ['synonyms', 'aliases', 'alias', '同义词', '别名'],
};

interface Table {
  header: Record<string, number>;
  rows: Array<{ line: number; cells: string[] }>;
  errors: RowIssue[];
}

/** Rows of a CSV (or tab-separated) file with its header mapped to our column names. */
function readTable(text: string): Table {
  const delimiter = text.split('\n', 1)[0].includes('\t') ? '\t' : ',';
  const errors: RowIssue[] = [];
  let records: string[][];
  try {
    records = parse(text, { delimiter, relax_column_count: true, skip_empty_lines: true, trim: true, bom: true }) as string[][];
  } catch (e) {
    const line = Number((e as { lines?: number }).lines ?? 1);
    return { header: {}, rows: [], errors: [{ line, message: `CSV 格式错误 / malformed CSV: ${(e as Error).message}` }] };
  }
  const [head, ...body] = records;
  const header: Record<string, number> = {};
  (head ?? []).forEach((name, i) => {
    const n = name.trim().toLowerCase();
    for (const [col, names] of Object.entries(COLUMNS)) if (names.includes(n) && header[col] === undefined) header[col] = i;
  });
  return { header, rows: body.map((cells, i) => ({ line: i + 2, cells })), errors };
}

/**
 * A local terminology as CSV: one concept per row, a header row naming the columns (code, system,
 * type, name_zh, name_en, synonyms — or their Chinese names). A row needs a name; a type column, when
 * present, must name an entity type.
 */
export function parseCsvTerminology(text: string, opts: ParseOptions): ParsedTerminology {
  const t = readTable(text);
  const system = opts.system?.trim() || 'local';
  const out: ParsedTerminology = { system, records: [], errors: t.errors, warnings: [] };
  if (t.errors.length) return out;
  if (t.header.nameZh === undefined && t.header.nameEn === undefined) {
    out.errors.push({ line: 1, field: 'header', message: '表头缺少名称列（name_zh 或 name_en） / header has no name column' });
    return out;
  }
  const seenCodes = new Map<string, number>();
  for (const { line, cells } of t.rows) {
    const cell = (col: string) => (t.header[col] === undefined ? undefined : cells[t.header[col]]?.trim() || undefined);
    const typeCell = cell('type');
    let type: EntityType | undefined = entityTypeOf(typeCell);
    if (typeCell && !type) {
      out.errors.push({ line, field: 'type', message: `未知类型“${typeCell}” / unknown type` });
      continue;
    }
    const code = cell('code');
    if (code && !/^[\w.\-+*:/]{1,40}$/.test(code)) {
      out.errors.push({ line, field: 'code', message: `编码格式不正确“${code}” / malformed code` });
      continue;
    }
    if (code) {
      const first = seenCodes.get(code);
      if (first) {
        out.errors.push({ line, field: 'code', message: `编码 ${code} 与第 ${first} 行重复 / duplicate code (line ${first})` });
        continue;
      }
      seenCodes.set(code, line);
    }
    const nameZh = cell('nameZh');
    const nameEn = cell('nameEn');
    const typeGiven = !!type || !!opts.type;
    type ??= opts.type ?? guessEntityType(nameZh ?? '') ?? 'Finding';
    out.records.push({ line, system: cell('system') ?? system, code, type, typeGiven, nameZh, nameEn, synonyms: splitSynonyms(cell('synonyms')) });
  }
  return out;
}

/** ICD-10 codes: a letter, two digits, optionally a dot and up to four more characters, and a dagger/asterisk. */
const ICD10_CODE = /^[A-Z][0-9]{2}(?:\.[0-9A-Z]{1,4})?[+*†]?$/;

/**
 * ICD-10 as CSV (the national clinical edition's export or any code/name list): a code column and a
 * Chinese and/or English name. Chapter R (symptoms and signs) becomes findings, the rest diseases;
 * external causes (V01–Y98) are left out with a warning.
 */
export function parseIcd10Csv(text: string): ParsedTerminology {
  const t = readTable(text);
  const out: ParsedTerminology = { system: 'icd10', records: [], errors: t.errors, warnings: [] };
  if (t.errors.length) return out;
  if (t.header.code === undefined || (t.header.nameZh === undefined && t.header.nameEn === undefined)) {
    out.errors.push({ line: 1, field: 'header', message: '表头须有编码列和名称列 / header needs a code column and a name column' });
    return out;
  }
  const seen = new Map<string, number>();
  for (const { line, cells } of t.rows) {
    const code = cells[t.header.code]?.trim().toUpperCase() ?? '';
    // "，未特指" / ", unspecified" qualify the code, not the disease: the name is the disease's name.
    const nameZh = t.header.nameZh === undefined ? undefined : cells[t.header.nameZh]?.trim().replace(/[，,]\s*未特指的?$/, '') || undefined;
    const nameEn = t.header.nameEn === undefined ? undefined : cells[t.header.nameEn]?.trim().replace(/,\s*unspecified$/i, '') || undefined;
    if (!ICD10_CODE.test(code)) {
      out.errors.push({ line, field: 'code', message: `不是 ICD-10 编码“${code}” / not an ICD-10 code` });
      continue;
    }
    const first = seen.get(code);
    if (first) {
      out.errors.push({ line, field: 'code', message: `编码 ${code} 与第 ${first} 行重复 / duplicate code (line ${first})` });
      continue;
    }
    seen.set(code, line);
    if (/^[V-Y]/.test(code)) {
      out.warnings.push({ line, field: 'code', message: `${code} 为外因编码，未导入 / external-cause code left out` });
      continue;
    }
    const synonyms = t.header.synonyms === undefined ? [] : splitSynonyms(cells[t.header.synonyms]);
    out.records.push({ line, system: 'icd10', code: code.replace(/[+*†]$/, ''), type: code.startsWith('R') ? 'Finding' : 'Disease', typeGiven: true, nameZh, nameEn, synonyms });
  }
  return out;
}
