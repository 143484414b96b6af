/**
 * The k best of a stream of items under a strict total order, kept in a bounded min-heap (the root is the weakest
 * kept item): one comparison for most items of a long stream, O(n log k) at worst. `before(a, b)` is true when a
 * ranks ahead of b; make it total (break score ties on an id or index) and the result is exactly the first k of a
 * full sort by it, whatever the input order. Used by BM25 (search/bm25.ts) and the similar-case index's vector recall.
 */
export class TopK<T> {
  readonly #heap: T[] = [];

  constructor(
    private readonly k: number,
    private readonly before: (a: T, b: T) => boolean,
  ) {}

  /** Offer one item: kept when fewer than k are held or it ranks ahead of the weakest held. */
  push(item: T): void {
    const heap = this.#heap;
    if (this.k <= 0) return;
    if (heap.length < this.k) {
      heap.push(item);
      for (let at = heap.length - 1; at > 0; ) {
        const up = (at - 1) >> 1;
        if (!this.before(heap[up]!, heap[at]!)) break;
        [heap[at], heap[up]] = [heap[up]!, heap[at]!];
        at = up;
      }
    } else if (this.before(item, heap[0]!)) {
      heap[0] = item;
      this.#down(0);
    }
  }

  /** How many items are held (at most k). */
  get size(): number {
    return this.#heap.length;
  }

  /** The weakest item held (the next push must rank ahead of it once k are held), or undefined when empty. */
  get weakest(): T | undefined {
    return this.#heap[0];
  }

  /** The items kept, best first. */
  sorted(): T[] {
    return [...this.#heap].sort((a, b) => (this.before(a, b) ? -1 : this.before(b, a) ? 1 : 0));
  }

  #down(at: number): void {
    const heap = this.#heap;
    for (;;) {
      const l = 2 * at + 1;
      const r = l + 1;
      let m = at;
      // The weaker child moves up: x is weaker than y when y ranks ahead of it.
      if (l < heap.length && this.before(heap[m]!, heap[l]!)) m = l;
      if (r < heap.length && this.before(heap[m]!, heap[r]!)) m = r;
      if (m === at) return;
      [heap[at], heap[m]] = [heap[m]!, heap[at]!];
      at = m;
    }
  }
}

/** The k best items, best first (see TopK). */
export function topK<T>(items: Iterable<T>, k: number, before: (a: T, b: T) => boolean): T[] {
  const top = new TopK(k, before);
  for (const x of items) top.push(x);
  return top.sorted();
}
