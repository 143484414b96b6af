import { formatCitation } from '../../search/index.ts';
import type { Citation } from '../chat.types.ts';
import type { ToolEvidence } from '../tools/tool.ts';

const QUOTE_CHARS = 300;

/**
 * The numbered evidence of one turn. Numbers are given in order of arrival and never change, so the
 * `[n]` markers streamed before a tool call stay valid after it; the same passage or relation found twice
 * keeps its first number.
 */
export class EvidenceSet {
  private readonly items: { n: number; e: ToolEvidence }[] = [];
  private readonly byKey = new Map<string, number>();

  /** Add items; returns the number of each (existing numbers for duplicates). */
  add(evidence: ToolEvidence[] = []): number[] {
    return evidence.map((e) => {
      const key = keyOf(e);
      const known = this.byKey.get(key);
      if (known !== undefined) return known;
      const n = this.items.length ? Math.max(...this.items.map((i) => i.n)) + 1 : 1;
      this.items.push({ n, e });
      this.byKey.set(key, n);
      return n;
    });
  }

  get size(): number {
    return this.items.length;
  }

  numbers(): number[] {
    return this.items.map((i) => i.n);
  }

  get(n: number): ToolEvidence | undefined {
    return this.items.find((i) => i.n === n)?.e;
  }

  /** Forget items the prompt had no room for (the model never saw them, so they cannot be cited). */
  keepOnly(ns: Set<number>): void {
    for (let i = this.items.length - 1; i >= 0; i--) {
      if (!ns.has(this.items[i].n)) {
        this.byKey.delete(keyOf(this.items[i].e));
        this.items.splice(i, 1);
      }
    }
  }

  /** The text a sentence citing `n` must be supported by: the passage, or the triple and its quotes. */
  supportText(n: number): string | undefined {
    const e = this.get(n);
    if (!e) return undefined;
    return e.kind === 'chunk' ? e.text : `${e.triple.subject} ${e.triple.predicate} ${e.triple.object} ${e.quote}`;
  }

  citations(only?: Set<number>): Citation[] {
    return this.items.filter((i) => !only || only.has(i.n)).map(({ n, e }) => toCitation(n, e));
  }

  /** One evidence item as the model reads it: number, where it comes from, warnings, then the text. */
  render(n: number, lang: 'zh' | 'en', maxChars = 1200): string {
    const e = this.get(n);
    if (!e) return '';
    const flags = [e.superseded ? (lang === 'zh' ? '【已被新版本取代】' : '[superseded]') : '', e.retracted ? (lang === 'zh' ? '【已撤稿】' : '[retracted]') : ''].join('');
    if (e.kind === 'chunk') {
      const where = e.page ? formatCitation({ title: e.title, version: e.version, year: e.year, pageStart: e.page, pageEnd: e.page }) : `《${e.title}》`;
      return `[${n}] ${where}${flags}\n${clip(e.text, maxChars)}`;
    }
    const src = e.title ? `${lang === 'zh' ? '依据' : 'source'}：《${e.title}》${e.page ? (lang === 'zh' ? `第${e.page}页` : ` p.${e.page}`) : ''}` : '';
    const label = lang === 'zh' ? '知识图谱（专家审核）' : 'Knowledge graph (expert-approved)';
    return `[${n}] ${label}${flags}：${e.triple.subject} —${e.triple.predicate}→ ${e.triple.object}${src ? `（${src}：“${clip(e.quote, 300)}”）` : ''}`;
  }
}

function keyOf(e: ToolEvidence): string {
  if (e.kind === 'relation') return `r:${e.relationId}`;
  return e.chunkId ? `c:${e.chunkId}` : `p:${e.sourceId}:${e.page}`;
}

function toCitation(n: number, e: ToolEvidence): Citation {
  if (e.kind === 'chunk') {
    return {
      n, kind: 'chunk', ...(e.chunkId ? { chunkId: e.chunkId } : {}), sourceId: e.sourceId, title: e.title, version: e.version, year: e.year, page: e.page,
      quote: clip(e.text, QUOTE_CHARS), superseded: e.superseded, retracted: e.retracted, ...(e.table ? { table: e.table } : {}),
    };
  }
  return {
    n, kind: 'relation', relationId: e.relationId, triple: e.triple, quote: clip(e.quote, QUOTE_CHARS),
    ...(e.sourceId ? { sourceId: e.sourceId } : {}), ...(e.chunkId ? { chunkId: e.chunkId } : {}),
    title: e.title ?? undefined, version: e.version, year: e.year, page: e.page, superseded: e.superseded, retracted: e.retracted,
  };
}

export function clip(s: string, max: number): string {
  return s.length > max ? `${s.slice(0, max)}…` : s;
}
