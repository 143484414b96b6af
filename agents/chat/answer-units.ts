import type { ChunkTable } from '../../ingest/index.ts';
import type { ToolEvidence } from '../tools/tool.ts';

type ChunkEvidence = Extract<ToolEvidence, { kind: 'chunk' }>;

/** A quotable piece of a passage: a sentence, a list item, or a table row. */
export interface Unit {
  /** Index of the passage among the candidates (search rank order). */
  rank: number;
  /** Position in the passage. */
  index: number;
  kind: 'sentence' | 'item' | 'row';
  /** The quote, verbatim (a row: its cells). */
  text: string;
  /** What the passage sits under: the document's title, its section headings, and a row's caption and column names. */
  context: string;
  /** The sentence introduces a list (ends with a colon). */
  intro: boolean;
  evidence: ChunkEvidence;
  /** A row: the cells, with the table they belong to. */
  row?: { cells: string[]; table: ChunkTable };
}

const ITEM = /^(?:•|[-*·]|\d{1,2}[.)、．](?!\d)|[（(]\d{1,2}[)）]|[①-⑳])\s*/;
/**
 * A sentence ends at 。！？, or at a full stop after a word and before a space (English; not a decimal point or
 * a list number such as 「1. 」); a semicolon
 * keeps clauses of one sentence together; closing quotes stay with the sentence.
 */
const SENTENCE = /(?:[^。！？!?.]|\.(?!\s)|(?<![A-Za-z%)\]])\.)+(?:[。！？!?]+[”’」』）)]*|\.(?=\s|$)|$)/g;
const MIN_CHARS = 6;
/** Notices about the document, not its content (the demo corpus labels itself). */
const NOTICE = /【演示内容】|不得用于临床决策|authored demo|not a real publication|^\s*(?:MeSH|Keywords?|PMID|DOI)\s*[:：]/i;
/** A question (a textbook's 思考题) is not an answer. */
const QUESTION = /[？?]\s*$/;

/** The units of one passage. Lists keep their items whole; paragraphs are cut into sentences. */
export function unitsOf(e: ChunkEvidence, rank: number): Unit[] {
  const context = [e.title, ...(e.headingPath ?? []), ...(e.table ? [e.table.caption ?? '', e.table.header.join(' ')] : [])].filter(Boolean).join(' ');
  if (e.table) {
    return e.table.rows.map((cells, i) => ({ rank, index: i, kind: 'row', text: cells.join('；'), context, intro: false, evidence: e, row: { cells, table: e.table as ChunkTable } }));
  }
  const out: Unit[] = [];
  for (const block of e.text.split(/\n+/)) {
    const b = block.trim();
    if (!b) continue;
    if (ITEM.test(b)) {
      if (NOTICE.test(b) || QUESTION.test(b)) continue;
      out.push({ rank, index: out.length, kind: 'item', text: b, context, intro: b.length <= 40 && !/[。！？!?.；;，,]$/.test(b), evidence: e });
      continue;
    }
    for (const m of b.matchAll(SENTENCE)) {
      const s = m[0].trim();
      if (s.length < MIN_CHARS || NOTICE.test(s) || QUESTION.test(s)) continue;
      // A sentence ending in a colon, or a short line without any (「1. 急性血行播散性肺结核」), opens what follows.
      out.push({ rank, index: out.length, kind: 'sentence', text: s, context, intro: /[:：]$/.test(s) || (s.length <= 40 && !/[。！？!?.；;，,]$/.test(s)), evidence: e });
    }
  }
  return out;
}
