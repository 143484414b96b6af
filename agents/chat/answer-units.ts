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
  /**
   * The sentences before this one that its implicit subject comes from: back to the last one that opens with a
   * disease as its subject (「急性胆囊炎多由…」 › 「患者典型症状为…」 › 「本病需与…鉴别」); empty when the unit names its own.
   */
  antecedent: string;
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

/**
 * A sentence that opens with a disease-like noun phrase as its subject (「急性胆囊炎多由…」, 「前列腺癌。」,
 * 「继发型肺结核好发于…」) starts talking about that thing; textbook prose then drops the subject for several
 * sentences (「患者…」「本病…」「治疗以…为主」). Anaphora (本病, 该病) continue the subject instead.
 */
const SUBJECT_HEAD =
  /^(?:在|对于|而|但)?[\u3400-\u9fffA-Za-z0-9-]{1,14}?(?:炎|癌|瘤|病|症|综合征|结核|梗死|梗塞|出血|骨折|囊肿|畸形|积液|积气|结石|脓肿|损伤|感染|栓塞|狭窄|扭转|穿孔|梗阻|破裂|夹层|瘘|疝|套叠|妊娠)(?:[。，,（(]|$|是|为|多|常|可|的|好发|以|应|需|一般|主要|通常|属|系|由)/;
const ANAPHORA = /^(?:本|该|此|其)(?:病|症)/;
/** How many sentences an implicit subject carries over. */
const CARRY = 6;

/** The disease-like subject a sentence opens with (「急性胆囊炎应与…」 → 急性胆囊炎应), or null. */
export function subjectHead(sentence: string): string | null {
  const s = sentence.replace(ITEM, '');
  return ANAPHORA.test(s) ? null : (SUBJECT_HEAD.exec(s)?.[0] ?? null);
}

/** The units of one passage. Lists keep their items whole; paragraphs are cut into sentences. */
export function unitsOf(e: ChunkEvidence, rank: number): Unit[] {
  const context = [e.title, ...(e.headingPath ?? []), ...(e.table ? [e.table.caption ?? '', e.table.header.join(' ')] : [])].filter(Boolean).join(' ');
  if (e.table) {
    return e.table.rows.map((cells, i) => ({ rank, index: i, kind: 'row', text: cells.join('；'), context, intro: false, antecedent: '', evidence: e, row: { cells, table: e.table as ChunkTable } }));
  }
  const out: Unit[] = [];
  // Sentences since the last one that opened a subject (short ones such as 「前列腺癌。」 count, though not quoted).
  let recent: string[] = [];
  const follow = (s: string): string => {
    const head = subjectHead(s);
    if (head) {
      // What follows is about the subject, not about whatever else the opening sentence names
      // (「急性胆囊炎应与急性胰腺炎…鉴别。」 › 「治疗以…为主。」 is 急性胆囊炎's treatment).
      recent = [head];
      return '';
    }
    const antecedent = recent.join(' ');
    recent = [...recent, s].slice(-CARRY);
    return antecedent;
  };
  for (const block of e.text.split(/\n+/)) {
    const b = block.trim();
    if (!b) continue;
    if (ITEM.test(b)) {
      if (NOTICE.test(b) || QUESTION.test(b)) continue;
      const antecedent = follow(b);
      out.push({ rank, index: out.length, kind: 'item', text: b, context, intro: b.length <= 40 && !/[。！？!?.；;，,]$/.test(b), antecedent, evidence: e });
      continue;
    }
    for (const m of b.matchAll(SENTENCE)) {
      const s = m[0].trim();
      if (NOTICE.test(s)) continue;
      const antecedent = follow(s);
      if (s.length < MIN_CHARS || QUESTION.test(s)) continue;
      // A sentence ending in a colon, or a short line without any (「1. 急性血行播散性肺结核」), opens what follows.
      out.push({ rank, index: out.length, kind: 'sentence', text: s, context, intro: /[:：]$/.test(s) || (s.length <= 40 && !/[。！？!?.；;，,]$/.test(s)), antecedent, evidence: e });
    }
  }
  return out;
}
