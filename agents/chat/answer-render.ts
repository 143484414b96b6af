import type { ChatLang } from '../chat.types.ts';
import type { ToolEvidence } from '../tools/tool.ts';
import type { ExtractivePlan } from './answer-extractive.ts';
import type { Scored } from './answer-units-score.ts';

export const EXTRACTIVE_LABEL: Record<ChatLang, string> = {
  zh: '【抽取式回答·未使用大模型】',
  en: '[Extractive answer — no LLM configured]',
};

const TEXT = {
  zh: {
    from: (title: string) => `根据《${title}》：`,
    partial: '知识库中未找到对该问题的直接回答，以下为最相关的原文：',
    facts: '知识图谱中经审核的相关关系：',
    stop: '。',
  },
  en: {
    from: (title: string) => `From 《${title}》 (quoted in the source language):`,
    partial: 'The knowledge base holds no direct answer to this question; the closest passages follow:',
    facts: 'Approved relations in the knowledge graph:',
    stop: '.',
  },
};

/**
 * Punctuation that ends a clause an answer sentence is split at (the citation goes before it). A colon inside
 * a quote (「岛带征：…」) joins a term to what follows and is not an end; one that ends the quote is.
 */
const CLAUSE_END = /([。；;！？!?]+|(?<=[A-Za-z%)\]])\.(?=\s|$)|[：:]+$)/;

/** A quote with its citation before every clause end, so each clause carries its source: 「…随访[1]；…复查[1]。」 */
export function quote(text: string, marker: string): string {
  const parts = text.trim().split(CLAUSE_END).filter((p) => p !== undefined);
  let out = '';
  for (let i = 0; i < parts.length; i += 2) {
    const body = parts[i];
    const punct = parts[i + 1] ?? '';
    if (!body.trim()) {
      out += punct;
      continue;
    }
    out += `${body}${marker}${punct}`;
  }
  return out;
}

/** A table cell on one line of a Markdown table: no clause ends inside it (each row is one cited line). */
function cell(s: string): string {
  return s.replace(/[。；;]+$/, '').replace(/[。；;]/g, '，').replace(/\|/g, '｜').trim() || ' ';
}

const rowKey = (s: Scored) => `${s.unit.evidence.sourceId}|${s.unit.row?.table.caption ?? ''}|${s.unit.row?.table.header.join('|')}`;

/**
 * The plan as text: the engine's label; for each source (best first) a 「根据《…》：」 line, then its quotes in
 * reading order — sentences and list items verbatim, table rows as a Markdown table under their caption and
 * header; then the approved relations. Citation numbers are given in order of first use: [1], [2], [3]…
 * with no gaps. Returns the text and the evidence behind each number (index n-1).
 */
export function renderAnswer(plan: ExtractivePlan, lang: ChatLang): { text: string; cited: ToolEvidence[] } {
  const t = TEXT[lang];
  const cited: ToolEvidence[] = [];
  const marker = (e: ToolEvidence) => {
    let n = cited.indexOf(e);
    if (n < 0) n = cited.push(e) - 1;
    return `[${n + 1}]`;
  };
  const lines = [EXTRACTIVE_LABEL[lang]];
  if (plan.kind === 'partial') lines.push(t.partial);
  const bySource = new Map<string, Scored[]>();
  for (const s of plan.units) bySource.set(s.unit.evidence.sourceId, [...(bySource.get(s.unit.evidence.sourceId) ?? []), s]);
  for (const group of bySource.values()) {
    lines.push(t.from(group[0].unit.evidence.title));
    // Passages best first (a passage's best unit), each in reading order; the rows of one table stay together.
    const best = new Map<string, number>();
    const keyOf = (s: Scored) => (s.unit.row ? rowKey(s) : `${s.unit.evidence.chunkId}`);
    for (const s of group) best.set(keyOf(s), Math.max(best.get(keyOf(s)) ?? -Infinity, s.score));
    const ordered = [...group].sort((a, b) => (best.get(keyOf(b)) ?? 0) - (best.get(keyOf(a)) ?? 0) || keyOf(a).localeCompare(keyOf(b)) || a.unit.index - b.unit.index);
    const tablesDone = new Set<string>();
    for (const s of ordered) {
      if (!s.unit.row) {
        lines.push(quote(s.unit.text, marker(s.unit.evidence)));
        continue;
      }
      const key = rowKey(s);
      if (tablesDone.has(key)) continue;
      tablesDone.add(key);
      const rows = ordered.filter((x) => x.unit.row && rowKey(x) === key).sort((a, b) => (a.unit.row?.table.rowStart ?? 0) - (b.unit.row?.table.rowStart ?? 0));
      const table = s.unit.row.table;
      const first = marker(rows[0].unit.evidence);
      if (table.caption) lines.push(`${table.caption}${first}：`);
      lines.push(`| ${table.header.map(cell).join(' | ')} |${first}`, `|${table.header.map(() => ' --- ').join('|')}|`);
      for (const r of rows) lines.push(`| ${(r.unit.row?.cells ?? []).map(cell).join(' | ')} |${marker(r.unit.evidence)}`);
    }
  }
  if (plan.facts.length) {
    lines.push(t.facts);
    for (const f of plan.facts) lines.push(`${f.triple.subject} —${f.triple.predicate}→ ${f.triple.object}${marker(f)}${t.stop}`);
  }
  return { text: lines.join('\n'), cited };
}
