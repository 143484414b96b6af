import { levelOf } from './difficulty.ts';
import type { FactEntity } from './fact-graph.ts';
import type { Passage, QuestionDraft, TableCitation } from './question.schemas.ts';
import { bigrams, dice, seededRandom, shuffle } from './similarity.ts';

/** A table ingest kept from a guideline or textbook, with the source it is cited by. */
export interface GuidelineTable {
  sourceId: string;
  ordinal: number;
  page: number;
  caption: string | null;
  header: string[];
  rows: string[][];
  title: string;
  version: string | null;
  year: number | null;
  /** The section heading the table sits under (named in the stem when the table has no caption). */
  heading?: string | null;
}

/** The template id of table-driven items (recorded with every item; bump the suffix when the stem changes). */
export const TABLE_TEMPLATE = 'table_value';
/** Cells longer than this make unreadable options; such columns are not asked. */
const MAX_CELL = 80;
const LABELS = 'ABCDEFGH';

/** The numbers in a text (digits folded to ASCII): what a table item may state only when its cited passage does. */
export function numbersIn(text: string): string[] {
  return text.normalize('NFKC').match(/\d+(?:\.\d+)?/g) ?? [];
}

/** A placeholder cell (「—」, 「-」, 「/」) says nothing and is never an option. */
const meaningful = (s: string) => s.replace(/[\s—–\-/／、,，.。]/g, '').length >= 1 && !/^[—–\-/／]+$/.test(s.trim());
/** A cell's form without its numbers (「# 年」, 「直径 # cm」): distractors of the same form are the plausible ones. */
const shape = (s: string) => s.normalize('NFKC').replace(/\d+(?:\.\d+)?/g, '#');

const segments = (s: string) => s.normalize('NFKC').split(/[、,，;；/]|或|和|及/).map((x) => x.replace(/\s+/g, '')).filter(Boolean);
/** Whether one cell lists a part of the other (「N0」 of 「N0、N1」): such a distractor is partly true. */
export function partOf(a: string, b: string): boolean {
  const [x, y] = [segments(a), segments(b)];
  const [small, large] = x.length <= y.length ? [x, new Set(y)] : [y, new Set(x)];
  return small.length > 0 && small.every((t) => large.has(t));
}

const same = (a: string, b: string) => a.normalize('NFKC').replace(/\s+/g, '') === b.normalize('NFKC').replace(/\s+/g, '');

/** The table's text as its passage quotes it: caption, header, rows (the format ingest gives table text). */
export function tableQuote(t: Pick<GuidelineTable, 'caption' | 'header' | 'rows'>): string {
  return [...(t.caption ? [t.caption] : []), t.header.join(' | '), ...t.rows.map((r) => r.join(' | '))].join('\n');
}

/** Rows with empty leading cells filled from the row above (a merged cell, as in 「| | 胰腺局限性肿大 | 1 |」). */
function fillDown(rows: string[][], width: number): string[][] {
  const out: string[][] = [];
  for (const r of rows) {
    const prev = out.at(-1);
    const row = Array.from({ length: width }, (_, i) => r[i] ?? '');
    for (let i = 0; i < width && prev && !row[i]; i++) {
      if (row.slice(i + 1).some(Boolean)) row[i] = prev[i];
      else break;
    }
    out.push(row);
  }
  return out;
}

/** How many leading columns name a row uniquely (1 for most tables; 2 for 「结节类型 | 结节大小 | …」), or 0. */
function keyWidth(rows: string[][], width: number): number {
  for (let k = 1; k < width; k++) {
    const keys = rows.map((r) => r.slice(0, k).join('\u0000'));
    if (rows.every((r) => r.slice(0, k).every(Boolean)) && new Set(keys).size === keys.length) return k;
  }
  return 0;
}

/**
 * Items from guideline tables: for a row (named by its leading cells) and a column, 「依据表 10-1（…），结节大小
 * （平均直径）为“6～8 mm”时，“单发·低风险”一栏为：」 with that cell as the key and other rows' cells of the same column
 * as distractors. Every cell is used verbatim, so every number in stem and options is the table's; only items that
 * state a number (in the row's name or the key) are made — these are the numeric facts a resident must know.
 */
export function tableItems(subject: FactEntity, tables: readonly GuidelineTable[]): { items: QuestionDraft[]; notes: string[] } {
  const items: QuestionDraft[] = [];
  const notes: string[] = [];
  for (const t of tables) {
    const width = t.header.length;
    const rows = fillDown(t.rows, width);
    const k = keyWidth(rows, width);
    const label = t.caption ?? `第${t.page}页表格`;
    if (!k || rows.length < 3) {
      notes.push(`表格“${label}”：行数不足或行无法唯一标识，未用于出题`);
      continue;
    }
    const passage: Passage = { sourceId: t.sourceId, title: t.title, version: t.version, year: t.year, page: t.page, quote: tableQuote({ caption: t.caption, header: t.header, rows: t.rows }) };
    for (let c = k; c < width; c++) {
      const column = rows.map((r) => r[c]);
      rows.forEach((row, r) => {
        const keyText = row[c];
        const rowName = row.slice(0, k);
        if (!keyText || !meaningful(keyText) || keyText.length > MAX_CELL || (!numbersIn(keyText).length && !rowName.some((x) => numbersIn(x).length))) return;
        const distractors: string[] = [];
        for (const v of column) {
          if (!v || !meaningful(v) || v.length > MAX_CELL || same(v, keyText) || distractors.some((d) => same(d, v))) continue;
          // 「N0」 inside 「N0、N1」: partly true, so not a distractor.
          if (partOf(v, keyText)) continue;
          if (dice(bigrams(v), bigrams(keyText)) >= 0.85 || distractors.some((d) => dice(bigrams(d), bigrams(v)) >= 0.85)) continue;
          distractors.push(v);
        }
        if (distractors.length < 2) return;
        const form = bigrams(shape(keyText));
        const chosen = [...distractors].sort((a, b) => dice(bigrams(shape(b)), form) - dice(bigrams(shape(a)), form)).slice(0, 3);
        const rand = seededRandom(`${t.sourceId}:${t.ordinal}:${r}:${c}`);
        const texts = shuffle([keyText, ...chosen], rand);
        const options = texts.map((text, i) => ({ label: LABELS[i], text, entityId: null }));
        const when = rowName.map((v, i) => `${t.header[i] || '项目'}为“${v}”`).join('、');
        // A table without caption is named by its section (section numbers dropped: the stem states no number the table does not).
        const section = t.heading?.replace(/^[\d.\s]+/, '').trim();
        const book = numbersIn(t.title).length ? '指南' : `《${t.title}》`;
        const where = t.caption ? `指南“${t.caption}”` : section && !numbersIn(section).length ? `${book}“${section}”一节的表格` : `${book}中的表格`;
        const stem = `依据${where}，${when}时，“${t.header[c]}”一栏为：`;
        const cite: TableCitation = { sourceId: t.sourceId, ordinal: t.ordinal, caption: t.caption, header: t.header, rows, row: r, column: c };
        const similarity = chosen.reduce((s, d) => s + dice(bigrams(d), bigrams(keyText)), 0) / chosen.length;
        const difficulty = Math.round(Math.min(0.9, 0.35 + 0.4 * similarity + (chosen.length < 3 ? -0.05 : 0)) * 100) / 100;
        items.push({
          type: 'single',
          template: TABLE_TEMPLATE,
          engine: 'templates',
          stem,
          options,
          key: [options[texts.indexOf(keyText)].label],
          explanation: `${label}：${when}，“${t.header[c]}”为“${keyText}”。出处：《${t.title}》${t.version ?? ''}${t.year ? `（${t.year}）` : ''} 第${t.page}页 ${label}。`,
          citations: { relationIds: [], passages: [passage], tables: [cite] },
          claim: null,
          diseaseId: subject.id,
          tags: [subject.id],
          difficulty,
          level: levelOf(difficulty),
          factKey: `${TABLE_TEMPLATE}|${t.sourceId}|${t.ordinal}|${rowName.join('/')}|${t.header[c]}`,
        });
      });
    }
  }
  return { items, notes };
}
