/**
 * Posting lists as stored in `search_postings.data`: for each chunk containing the term, in ascending
 * chunk `seq` order, varint(seq − previous seq), the term frequency (one byte, capped at 255) and the
 * chunk's length norm (one byte, see lengthNorm). Everything BM25 needs for a term is in its lists, so a
 * query reads only the rows of its own terms — never a row per candidate chunk.
 */

export interface Posting {
  seq: number;
  tf: number;
  norm: number;
}

/** Chunk length (index tokens) → one byte on a log scale, ≈ 4 % resolution from 1 to ~60,000 tokens. */
export function lengthNorm(length: number): number {
  return Math.min(255, Math.max(0, Math.round(Math.log2(length + 1) * 16)));
}

/** The length a norm byte stands for (its bucket's centre). */
export const NORM_LENGTH: Float64Array = Float64Array.from({ length: 256 }, (_, b) => 2 ** (b / 16) - 1);

/** Encode postings sorted by ascending seq. */
export function encodePostings(postings: Posting[]): Uint8Array {
  const out = new Uint8Array(postings.length * 7 + 8);
  let at = 0;
  let prev = 0;
  for (const p of postings) {
    let delta = p.seq - prev;
    if (delta < 0) throw new Error('postings must be sorted by seq');
    prev = p.seq;
    while (delta >= 0x80) {
      out[at++] = (delta & 0x7f) | 0x80;
      delta = Math.floor(delta / 128);
    }
    out[at++] = delta;
    out[at++] = Math.min(255, p.tf);
    out[at++] = p.norm;
  }
  return out.slice(0, at);
}

/** Call `visit` for every posting in `data`, in seq order. */
export function decodePostings(data: Uint8Array, visit: (seq: number, tf: number, norm: number) => void): void {
  let at = 0;
  let seq = 0;
  while (at < data.length) {
    let delta = 0;
    let mul = 1;
    let b = data[at++];
    while (b & 0x80) {
      delta += (b & 0x7f) * mul;
      mul *= 128;
      b = data[at++];
    }
    seq += delta + b * mul;
    visit(seq, data[at], data[at + 1]);
    at += 2;
  }
}

/** The first (smallest) seq of a non-empty encoded list, without decoding the rest. */
export function firstSeq(data: Uint8Array): number {
  let seq = 0;
  let mul = 1;
  for (let at = 0; at < data.length; at++) {
    const b = data[at];
    seq += (b & 0x7f) * mul;
    if (!(b & 0x80)) return seq;
    mul *= 128;
  }
  return seq;
}

/** Merge several encoded lists of one term (segments) into one, dropping `dead` seqs. */
export function mergePostings(lists: Uint8Array[], dead: ReadonlySet<number>): { data: Uint8Array; df: number } {
  const seqs: number[] = [];
  const tfs: number[] = [];
  const norms: number[] = [];
  let sorted = true;
  for (const data of lists) {
    decodePostings(data, (seq, tf, norm) => {
      if (dead.has(seq)) return;
      if (seqs.length && seq <= seqs[seqs.length - 1]) sorted = false;
      seqs.push(seq);
      tfs.push(tf);
      norms.push(norm);
    });
  }
  const order = seqs.map((_, i) => i);
  if (!sorted) order.sort((a, b) => seqs[a] - seqs[b]);
  return { data: encodePostings(order.map((i) => ({ seq: seqs[i], tf: tfs[i], norm: norms[i] }))), df: seqs.length };
}

/**
 * One batch of chunks as a segment: term → its postings, from each chunk's lexemes. Deterministic
 * (terms sorted), so a replayed batch writes the same rows.
 */
export function buildSegment(chunks: Array<{ seq: number; lexemes: string[] }>): Array<{ term: string; df: number; data: Uint8Array }> {
  const byTerm = new Map<string, Posting[]>();
  for (const c of [...chunks].sort((a, b) => a.seq - b.seq)) {
    const norm = lengthNorm(c.lexemes.length);
    const tf = new Map<string, number>();
    for (const l of c.lexemes) tf.set(l, (tf.get(l) ?? 0) + 1);
    for (const [term, n] of tf) {
      const list = byTerm.get(term);
      if (list) list.push({ seq: c.seq, tf: n, norm });
      else byTerm.set(term, [{ seq: c.seq, tf: n, norm }]);
    }
  }
  return [...byTerm.keys()].sort().map((term) => {
    const list = byTerm.get(term) as Posting[];
    return { term, df: list.length, data: encodePostings(list) };
  });
}
