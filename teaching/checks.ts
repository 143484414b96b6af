import { checkKeyEvidence } from './evidence-checks.ts';
import type { FactGraph } from './fact-graph.ts';
import type { QuestionDraft, QuestionOption, Rejection } from './question.schemas.ts';
import { numbersIn, partOf } from './table-items.ts';
import { bigrams, dice, nested, signatureOf } from './similarity.ts';

/** Options this similar (character-bigram Dice) are near-duplicates: a resident could not tell them apart. */
export const OPTION_NEAR_DUPLICATE = 0.85;
/** Items this similar (stem + options) to a bank item are near-duplicates of it. */
export const ITEM_NEAR_DUPLICATE = 0.9;

/** The bank's items as far as duplicate detection needs them. */
export class DuplicateIndex {
  private readonly factKeys = new Map<string, string>();
  private readonly signatures: { id: string; grams: Set<string>; factKey: string | null }[] = [];

  add(id: string, item: { stem: string; options: readonly { text: string }[]; factKey: string | null }): void {
    if (item.factKey) this.factKeys.set(item.factKey, id);
    this.signatures.push({ id, grams: bigrams(signatureOf(item.stem, item.options)), factKey: item.factKey });
  }

  /** The id of a bank item this one duplicates (same fact asked the same way, or near-identical text), or null. */
  find(item: { stem: string; options: readonly { text: string }[]; factKey: string | null }, exceptId?: string): string | null {
    if (item.factKey) {
      const hit = this.factKeys.get(item.factKey);
      if (hit && hit !== exceptId) return hit;
    }
    const grams = bigrams(signatureOf(item.stem, item.options));
    for (const s of this.signatures) {
      // Two items that each know the fact they ask and ask different facts are different, however alike their wording.
      if (s.id === exceptId || (item.factKey && s.factKey && item.factKey !== s.factKey)) continue;
      if (dice(grams, s.grams) >= ITEM_NEAR_DUPLICATE) return s.id;
    }
    return null;
  }
}

const reject = (d: { stem: string }, code: string, message: string): Rejection => ({ stem: d.stem, code, message });

/**
 * The automatic checks every item passes before it reaches the bank, whichever engine wrote it:
 * the key is among the options (one for single choice, two or more for multiple choice) and not written in
 * the stem (「…首选计划性剖宫产子宫切除术。」 asking for 剖宫产子宫切除术 — seen from a real 1.5B model), options are
 * distinct (no duplicates or near-duplicates), every keyed option is an approved fact about the subject
 * (or, for a "which is NOT" item, the keyed option is not and every other one is), no distractor is
 * true or possibly true for the subject per the approved graph (nor a subtype/supertype of a true
 * answer), and the item is not a (near-)duplicate of a bank item. Returns the first problem, or null.
 */
export function checkItem(d: QuestionDraft, graph: FactGraph, bank?: DuplicateIndex, exceptId?: string): Rejection | null {
  const labels = d.options.map((o) => o.label);
  if (new Set(labels).size !== labels.length) return reject(d, 'DUPLICATE_LABELS', `选项标号重复 / option labels repeat: ${labels.join(',')}`);
  const missing = d.key.filter((k) => !labels.includes(k));
  if (missing.length) return reject(d, 'KEY_NOT_IN_OPTIONS', `答案 ${missing.join(',')} 不在选项 ${labels.join(',')} 中 / keyed answer is not among the options`);
  if (new Set(d.key).size !== d.key.length) return reject(d, 'KEY_REPEATED', '答案重复 / a keyed label repeats');
  if (d.type === 'single' && d.key.length !== 1) return reject(d, 'KEY_COUNT', `单选题应有 1 个答案，实有 ${d.key.length} 个 / single choice needs exactly one key`);
  if (d.type === 'multiple' && (d.key.length < 2 || d.key.length >= d.options.length)) {
    return reject(d, 'KEY_COUNT', `多选题应有 2 个以上答案且不全选，实有 ${d.key.length}/${d.options.length} / multiple choice needs 2+ keys and at least one distractor`);
  }
  const grams = d.options.map((o) => bigrams(o.text));
  for (let i = 0; i < d.options.length; i++) {
    for (let j = i + 1; j < d.options.length; j++) {
      const same = d.options[i].entityId && d.options[i].entityId === d.options[j].entityId;
      if (same || dice(grams[i], grams[j]) >= OPTION_NEAR_DUPLICATE) {
        return reject(d, 'DUPLICATE_OPTIONS', `选项 ${d.options[i].label}「${d.options[i].text}」与 ${d.options[j].label}「${d.options[j].text}」重复或近似 / duplicate or near-duplicate options`);
      }
    }
  }
  const stem = compact(d.stem);
  const given = d.options.find((o) => d.key.includes(o.label) && compact(o.text).length >= 2 && stem.includes(compact(o.text)));
  if (given) return reject(d, 'KEY_IN_STEM', `题干已写出答案 ${given.label}「${given.text}」 / the stem states the keyed answer`);
  const cited = checkNumbersAndTables(d);
  if (cited) return cited;
  const truth = checkAgainstGraph(d, graph) ?? checkKeyEvidence(d, graph);
  if (truth) return truth;
  const dup = bank?.find(d, exceptId);
  if (dup) return reject(d, 'DUPLICATE_OF_BANK', `与题库中的 ${dup} 重复或近似 / duplicates bank item ${dup}`);
  return null;
}

/** Each option against the approved graph, per the item's claim (items without one are not graph-checked). */
function checkAgainstGraph(d: QuestionDraft, graph: FactGraph): Rejection | null {
  const c = d.claim;
  if (!c) return null;
  const resolved = d.options.map((o) => ({ o, id: o.entityId ?? graph.resolve(o.text)?.id ?? null }));
  const status = (id: string) => (c.direction === 'forward' ? graph.status(c.subjectId, c.predicate, id) : graph.status(id, c.predicate, c.subjectId));
  const trueIds = resolved.filter((r) => r.id && status(r.id) === 'present').map((r) => r.id as string);
  const keyed = (o: QuestionOption) => d.key.includes(o.label);
  const cited = d.citations.passages.map((p) => p.quote).join('\n');
  for (const { o, id } of resolved) {
    const shouldHold = keyed(o) === (c.polarity === 'is');
    const s = id ? status(id) : 'unknown';
    if (shouldHold) {
      // A true option: an approved fact, or (free text an LLM wrote) stated in a cited passage.
      if (s !== 'present' && !(id === null && cited.includes(o.text))) {
        return reject(d, keyed(o) ? 'KEY_NOT_SUPPORTED' : 'OPTION_NOT_SUPPORTED', `选项 ${o.label}「${o.text}」没有已审核的依据 / option is not supported by an approved relation or cited passage`);
      }
    } else {
      if (s === 'present' || s === 'possible') {
        return reject(d, 'DISTRACTOR_TRUE', `干扰项 ${o.label}「${o.text}」在已审核图谱中对该主题${s === 'present' ? '成立' : '可能成立'} / distractor is ${s} for the subject in the approved graph`);
      }
      if (id && trueIds.some((t) => graph.related(t, id))) {
        return reject(d, 'DISTRACTOR_TRUE', `干扰项 ${o.label}「${o.text}」是正确选项的上位或下位概念 / distractor is a subtype or supertype of a true option`);
      }
      const trueTexts = resolved.filter((r) => r.id && trueIds.includes(r.id)).map((r) => r.o.text);
      if (trueTexts.some((t) => nested(t, o.text))) {
        return reject(d, 'DISTRACTOR_TRUE', `干扰项 ${o.label}「${o.text}」的名称包含正确选项或被其包含（上位或下位概念） / distractor is a narrower or broader term of a true option`);
      }
      if (id && graph.related(id, c.subjectId)) {
        return reject(d, 'DISTRACTOR_TRUE', `干扰项 ${o.label}「${o.text}」与题干主题是同一概念的不同层级 / distractor is the subject itself at another level`);
      }
    }
  }
  return null;
}

const compact = (s: string) => s.normalize('NFKC').replace(/\s+/g, '');

/**
 * Numbers and table cells against the cited passages. An item built from a table (or written by a model) may
 * state only numbers its cited passages state; a table item's key must be the cited cell, verbatim, and each
 * distractor another row's cell of the same column — never the keyed cell again.
 */
function checkNumbersAndTables(d: QuestionDraft): Rejection | null {
  const tables = d.citations.tables ?? [];
  if (!tables.length && d.engine !== 'llm') return null;
  const quotes = d.citations.passages.map((p) => p.quote).join('\n');
  const known = new Set(numbersIn(quotes));
  for (const [where, text] of [['题干 / stem', d.stem] as const, ...d.options.map((o) => [`选项 ${o.label}`, o.text] as const)]) {
    const stray = numbersIn(text).filter((n) => !known.has(n));
    if (stray.length) return reject(d, 'NUMBER_NOT_CITED', `${where}中的数字 ${[...new Set(stray)].join('、')} 不见于所引原文 / number(s) not stated in the cited passage`);
  }
  if (!tables.length) return null;
  const t = tables[0];
  const cell = t.rows[t.row]?.[t.column];
  if (!cell || !compact(quotes).includes(compact(cell))) return reject(d, 'KEY_NOT_SUPPORTED', '所引表格中没有题目所问的单元格 / the cited table has no such cell');
  if (!compact(d.stem).includes(compact(t.rows[t.row][0]))) return reject(d, 'KEY_NOT_SUPPORTED', `题干没有写明所问的行“${t.rows[t.row][0]}” / the stem does not name the cited row`);
  const column = new Set(t.rows.map((r, i) => (i === t.row ? '' : compact(r[t.column] ?? ''))).filter(Boolean));
  for (const o of d.options) {
    if (d.key.includes(o.label)) {
      if (compact(o.text) !== compact(cell)) return reject(d, 'KEY_NOT_SUPPORTED', `答案 ${o.label}「${o.text}」不是所引表格中该行该列的内容「${cell}」 / the key is not the cited cell`);
    } else if (compact(o.text) === compact(cell) || partOf(o.text, cell)) {
      return reject(d, 'DISTRACTOR_TRUE', `干扰项 ${o.label}「${o.text}」与表格中的正确内容相同 / a distractor is the cited cell itself`);
    } else if (!column.has(compact(o.text))) {
      return reject(d, 'OPTION_NOT_SUPPORTED', `干扰项 ${o.label}「${o.text}」不是所引表格同一列的内容 / a distractor is not a cell of the cited column`);
    }
  }
  return null;
}
