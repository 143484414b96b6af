import { type EntityType, guessEntityType } from '../../core/index.ts';
import type { ParsedTerminology, RowIssue, TermRecord } from './terminology.ts';

const HEADER = ['id', 'effectiveTime', 'active', 'moduleId', 'conceptId', 'languageCode', 'typeId', 'term', 'caseSignificanceId'];
const FSN = '900000000000003001';
const SYNONYM = '900000000000013009';

/** SNOMED CT semantic tags (the bracketed end of a fully specified name) → entity type; others are not imported. */
const SEMANTIC_TAGS: Record<string, EntityType> = {
  disorder: 'Disease',
  disease: 'Disease',
  finding: 'Finding',
  'morphologic abnormality': 'Sign',
  procedure: 'Procedure',
  'regime/therapy': 'Treatment',
  'body structure': 'Anatomy',
  'cell structure': 'Anatomy',
  substance: 'Drug',
  product: 'Drug',
  'medicinal product': 'Drug',
  'medicinal product form': 'Drug',
  'clinical drug': 'Drug',
  'tumor staging': 'Stage',
  'staging scale': 'Stage',
  'assessment scale': 'Stage',
  'observable entity': 'Exam',
};

interface Description {
  effectiveTime: string;
  active: boolean;
  conceptId: string;
  language: string;
  typeId: string;
  term: string;
  line: number;
}

/** What is wrong with one description row, or null. */
function rowProblem(cells: string[]): { field?: string; message: string } | null {
  if (cells.length !== HEADER.length) return { message: `应有 ${HEADER.length} 列，实有 ${cells.length} 列 / expected ${HEADER.length} columns` };
  const [id, effectiveTime, active, , conceptId, , , term] = cells;
  if (!/^\d{6,18}$/.test(id) || !/^\d{6,18}$/.test(conceptId)) return { field: 'id', message: 'SCTID 格式错误 / malformed SCTID' };
  if (!/^\d{8}$/.test(effectiveTime)) return { field: 'effectiveTime', message: 'effectiveTime 须为 YYYYMMDD' };
  if (active !== '0' && active !== '1') return { field: 'active', message: 'active 须为 0 或 1' };
  if (!term.trim()) return { field: 'term', message: '术语为空 / empty term' };
  return null;
}

/**
 * SNOMED CT RF2 description files (sct2_Description_*: snapshot or full, international or a national
 * extension with Chinese descriptions; several files concatenated, each with its header). The latest
 * version of each description counts; inactive ones are dropped. Per concept: the FSN gives the English
 * name and, by its semantic tag, the type; Chinese descriptions give the Chinese name and aliases.
 */
export function parseRf2Descriptions(text: string): ParsedTerminology {
  const errors: RowIssue[] = [];
  const warnings: RowIssue[] = [];
  const latest = new Map<string, Description>();
  const lines = text.split(/\r?\n/);
  let sawHeader = false;
  lines.forEach((raw, i) => {
    const line = i + 1;
    if (!raw.trim()) return;
    const cells = raw.split('\t');
    if (cells[0] === 'id') {
      if (cells.join('\t') !== HEADER.join('\t')) errors.push({ line, field: 'header', message: '不是 RF2 描述文件表头 / not an RF2 description header' });
      sawHeader = true;
      return;
    }
    if (!sawHeader) {
      errors.push({ line, field: 'header', message: '缺少 RF2 表头 / RF2 header missing' });
      sawHeader = true;
    }
    const problem = rowProblem(cells);
    if (problem) {
      errors.push({ line, ...problem });
      return;
    }
    const [id, effectiveTime, active, , conceptId, language, typeId, term] = cells;
    const prev = latest.get(id);
    if (!prev || prev.effectiveTime <= effectiveTime) latest.set(id, { effectiveTime, active: active === '1', conceptId, language, typeId, term: term.trim(), line });
  });

  const concepts = new Map<string, Description[]>();
  for (const d of latest.values()) {
    if (!d.active) continue;
    const list = concepts.get(d.conceptId) ?? [];
    list.push(d);
    concepts.set(d.conceptId, list);
  }
  const records: TermRecord[] = [];
  for (const [conceptId, ds] of concepts) {
    ds.sort((a, b) => a.line - b.line);
    const fsn = ds.find((d) => d.typeId === FSN && d.language === 'en');
    const tag = fsn ? /\(([^()]+)\)\s*$/.exec(fsn.term)?.[1] : undefined;
    const line = (fsn ?? ds[0]).line;
    if (fsn && (!tag || !SEMANTIC_TAGS[tag])) {
      warnings.push({ line, field: 'term', message: `${conceptId} 语义标签“${tag ?? '无'}”不导入 / semantic tag not imported` });
      continue;
    }
    const en = ds.filter((d) => d.language === 'en' && d.typeId === SYNONYM).map((d) => d.term);
    const zh = ds.filter((d) => d.language.startsWith('zh')).map((d) => d.term);
    const nameEn = fsn ? fsn.term.replace(/\s*\([^()]+\)\s*$/, '') : en[0];
    const nameZh = zh[0];
    const type = tag ? SEMANTIC_TAGS[tag] : (guessEntityType(nameZh ?? '') ?? 'Finding');
    records.push({ line, system: 'snomed', code: conceptId, type, typeGiven: !!tag, nameZh, nameEn, synonyms: [...en.filter((t) => t !== nameEn), ...zh.slice(1)] });
  }
  return { system: 'snomed', records: records.sort((a, b) => a.line - b.line), errors, warnings };
}
