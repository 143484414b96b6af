import FlexSearch from 'flexsearch';
import MiniSearch from 'minisearch';
import { BigramBm25, bigramTokens } from '../evals/baseline/bigram-bm25.ts';

/** An in-process lexical engine over the same chunks as ours, answering with chunk ids, best first. */
export interface LexicalPeer {
  name: string;
  buildMs: number;
  /** Heap growth while building (MB), measured after a forced GC where available. */
  heapMb: number;
  search(q: string, top: number): string[];
}

function heapUsed(): number {
  (globalThis as { gc?: () => void }).gc?.();
  return process.memoryUsage().heapUsed;
}

async function timed(name: string, build: () => (q: string, top: number) => string[]): Promise<LexicalPeer> {
  const before = heapUsed();
  const t0 = performance.now();
  const search = build();
  const buildMs = performance.now() - t0;
  return { name, buildMs, heapMb: (heapUsed() - before) / 1048576, search };
}

/**
 * The peers the search bench runs beside ours on the same chunks: FlexSearch and MiniSearch with the
 * CJK-bigram tokenizer of the baseline, and the exact bigram BM25 baseline itself.
 */
export async function buildPeers(docs: Array<{ id: string; text: string }>, only?: string[]): Promise<LexicalPeer[]> {
  const peers: LexicalPeer[] = [];
  const wanted = (name: string) => !only || only.some((o) => name.startsWith(o));
  if (wanted('FlexSearch')) peers.push(
    await timed('FlexSearch 0.8 (CJK bigrams)', () => {
      const index = new FlexSearch.Index({ encode: (t: string) => bigramTokens(t), tokenize: 'strict', resolution: 9 } as never);
      for (const [i, d] of docs.entries()) index.add(i, d.text);
      return (q, top) => (index.search(q, top) as number[]).map((i) => docs[i].id);
    }),
  );
  if (wanted('MiniSearch')) peers.push(
    await timed('MiniSearch 7 (CJK bigrams, BM25+)', () => {
      const tokenize = (t: string) => bigramTokens(t);
      const ms = new MiniSearch({ fields: ['text'], tokenize, processTerm: (t: string) => t, searchOptions: { tokenize, processTerm: (t: string) => t, combineWith: 'OR' } });
      ms.addAll(docs.map((d, i) => ({ id: i, text: d.text })));
      return (q, top) => ms.search(q).slice(0, top).map((r) => docs[r.id as number].id);
    }),
  );
  if (wanted('bigram BM25')) peers.push(
    await timed('bigram BM25 baseline (exact, in-process)', () => {
      const index = new BigramBm25(docs);
      return (q, top) => index.search(q, top).map((h) => h.id);
    }),
  );
  return peers;
}
