import { TopK } from '../core/index.ts';

export interface ScoredSeq {
  seq: number;
  score: number;
}

/** The ranking order of sums: the higher score first; equal scores, the lower seq. */
function ahead(score: number, seq: number, other: ScoredSeq): boolean {
  return score > other.score || (score === other.score && seq < other.seq);
}

const ranksBefore = (a: ScoredSeq, b: ScoredSeq) => ahead(a.score, a.seq, b);

/** The k highest of a seq → score map, best first, in ScoreSums' order. */
export function topKOfMap(scores: ReadonlyMap<number, number>, k: number): ScoredSeq[] {
  const top = new TopK<ScoredSeq>(k, ranksBefore);
  for (const [seq, score] of scores) top.push({ seq, score });
  return top.sorted();
}

/**
 * Per-chunk BM25 sums of one query, added posting by posting. A query over common CJK bigrams touches a large share
 * of the corpus (患者 or 治疗 are in a third of the chunks): the sums live in an array indexed by seq − the smallest
 * seq of the query's lists (seqs are dense: a bigserial with gaps only where chunks were deleted), not in a Map, whose
 * get/set per posting was most of the first stage's cost. Seqs spread much wider than the live chunks (a corpus
 * reindexed many times) fall back to a Map. Each sum is built in the order its contributions are added, from 0 —
 * exactly the floating-point sum the Map gave — so scores, and the ties among them, are unchanged.
 */
export class ScoreSums {
  #dense = new Float64Array(1024);
  #seen = new Uint8Array(1024);
  #touched: number[] = [];
  #sparse: Map<number, number> | null = null;

  /**
   * @param base the smallest seq that will be added (see firstSeq)
   * @param maxSpan the widest seq range kept in the array before falling back to a Map
   */
  constructor(
    private readonly base: number,
    private readonly maxSpan: number,
  ) {}

  /** Add scale·tf/(tf + lengthFactor[norm]) to the sum of every chunk of an encoded list (search/postings.ts). */
  addList(data: Uint8Array, scale: number, lengthFactor: Float64Array): void {
    const n = data.length;
    const base = this.base;
    const touched = this.#touched;
    let dense = this.#dense;
    let seen = this.#seen;
    let at = 0;
    let seq = 0;
    // The decoder of decodePostings, inline with the sum on local arrays: a call per posting costs as much as the sum.
    while (at < n) {
      let delta = 0;
      let mul = 1;
      let b = data[at++];
      while (b & 0x80) {
        delta += (b & 0x7f) * mul;
        mul *= 128;
        b = data[at++];
      }
      seq += delta + b * mul;
      const tf = data[at];
      const value = (scale * tf) / (tf + lengthFactor[data[at + 1]]);
      at += 2;
      const i = seq - base;
      if (i >= dense.length) {
        const grown = this.#sparse === null && this.#grow(i);
        // After the switch to the Map the arrays are empty: every later posting of the list takes this branch.
        dense = this.#dense;
        seen = this.#seen;
        if (!grown) {
          this.add(seq, value);
          continue;
        }
      }
      if (seen[i] === 0) {
        seen[i] = 1;
        touched.push(seq);
      }
      dense[i] += value;
    }
  }

  private add(seq: number, value: number): void {
    const i = seq - this.base;
    if (this.#sparse === null && (i < this.#dense.length || this.#grow(i))) {
      if (this.#seen[i] === 0) {
        this.#seen[i] = 1;
        this.#touched.push(seq);
      }
      this.#dense[i] += value;
      return;
    }
    const sparse = this.#sparse as Map<number, number>;
    sparse.set(seq, (sparse.get(seq) ?? 0) + value);
  }

  /** How many chunks have a sum (contain any of the terms added). */
  get matched(): number {
    return this.#sparse ? this.#sparse.size : this.#touched.length;
  }

  /** The k highest sums, best first; ties go to the lower seq. */
  topK(k: number): ScoredSeq[] {
    if (this.#sparse) return topKOfMap(this.#sparse, k);
    const top = new TopK<ScoredSeq>(k, ranksBefore);
    for (const seq of this.#touched) {
      const score = this.#dense[seq - this.base];
      // Most chunks of a long list rank below the k-th kept: skip them before allocating a candidate.
      const weakest = top.size === k ? top.weakest : undefined;
      if (weakest && !ahead(score, seq, weakest)) continue;
      top.push({ seq, score });
    }
    return top.sorted();
  }

  /** Widen the array to hold index i, or switch to the Map when the span would pass maxSpan. */
  #grow(i: number): boolean {
    if (i >= this.maxSpan) {
      this.#sparse = new Map(this.#touched.map((seq) => [seq, this.#dense[seq - this.base]]));
      this.#dense = new Float64Array(0);
      this.#seen = new Uint8Array(0);
      this.#touched = [];
      return false;
    }
    const size = Math.min(this.maxSpan, Math.max(2 * this.#dense.length, i + 1));
    const dense = new Float64Array(size);
    dense.set(this.#dense);
    const seen = new Uint8Array(size);
    seen.set(this.#seen);
    this.#dense = dense;
    this.#seen = seen;
    return true;
  }
}
