import { createHash } from 'node:crypto';
import { decodePostings } from '../../search/postings.ts';
import type { Queryable } from '../../store/index.ts';

/**
 * Everything BM25 reads, in a form that does not depend on how it was written: for each term, its postings
 * (chunk named by file and ordinal, term frequency, length norm) in chunk order, merged over all segments;
 * and each chunk's stored word tokens and length. Segment boundaries, seq numbers and source ids are left
 * out (they vary with batch sizes and runs; what is indexed does not).
 */
export async function indexDigest(db: Queryable): Promise<{ chunks: number; terms: number; postings: number; digest: string }> {
  const { rows: chunks } = await db.query<{ seq: string; name: string; token_count: number; tokens: string }>(
    `SELECT c.seq, s.file_name || ':' || c.ordinal AS name, c.token_count, c.tokens FROM chunks c JOIN sources s ON s.id = c.source_id ORDER BY s.file_name, c.ordinal`,
  );
  const nameOf = new Map(chunks.map((c) => [Number(c.seq), c.name]));
  const order = new Map(chunks.map((c, i) => [c.name, i]));
  const { rows } = await db.query<{ term: string; data: Uint8Array }>('SELECT term, data FROM search_postings');
  const byTerm = new Map<string, string[]>();
  let postings = 0;
  for (const r of rows) {
    const list = byTerm.get(r.term) ?? [];
    decodePostings(r.data instanceof Uint8Array ? r.data : new Uint8Array(r.data), (seq, tf, norm) => {
      list.push(`${nameOf.get(seq) ?? `?${seq}`}:${tf}:${norm}`);
      postings++;
    });
    byTerm.set(r.term, list);
  }
  const hash = createHash('sha256');
  for (const c of chunks) hash.update(`chunk\t${c.name}\t${c.token_count}\t${c.tokens}\n`);
  const rank = (p: string) => order.get(p.slice(0, p.lastIndexOf(':', p.lastIndexOf(':') - 1))) ?? -1;
  for (const term of [...byTerm.keys()].sort()) {
    const list = (byTerm.get(term) as string[]).sort((a, b) => rank(a) - rank(b));
    hash.update(`term\t${term}\t${list.join(' ')}\n`);
  }
  return { chunks: chunks.length, terms: byTerm.size, postings, digest: hash.digest('hex') };
}

/**
 * Authored test text (not from any book) that exercises every tokenizer path the demo corpus may miss:
 * English phrases the lexicon knows across spaces and hyphens, TNM codes and their roll-up, hyphenated
 * codes, traditional characters, full-width forms, stop words and repeated sections.
 */
export const IDENTITY_EXTRA_MD = `---
title: 分词一致性样例 Tokenizer identity sample
kind: other
---
# 分词一致性样例

## 1 磨玻璃结节 Ground-glass opacity

右肺上叶见纯磨玻璃结节（ground glass opacity, GGO），直径约 8 mm；Lung-RADS 4A 类，建议 3 个月后复查低剂量CT。
肺結節隨訪：依據 Fleischner 指南，實性結節 ≤6 mm 無需常規隨訪。ＣＴ平扫与增强扫描。

## 2 TNM 分期

cT2a N1 M0 期非小细胞肺癌；pT1b、ypT3 与 T4 的区别在于肿瘤大小和侵犯范围。COVID-19 肺炎与 BI-RADS 4a 类乳腺病变无关。

## 2 TNM 分期

本病的并发症包括出血、感染等。什么情况下需要增强扫描？如何鉴别肺癌与结核球？
`;
