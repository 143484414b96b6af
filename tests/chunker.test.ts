import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { visibleLength } from '../core/index.ts';
import { type Block, chunkDocument, readDocument } from '../ingest/index.ts';
import { DEMO } from './helpers/runtime.ts';

/** The cells of row `rowStart` of the document's `table`-th table. */
function tableRow(blocks: Block[], ref: { table: number; rowStart: number }): string[] {
  return blocks.filter((b) => b.kind === 'table')[ref.table]?.table?.rows[ref.rowStart] ?? [];
}

describe('chunker', () => {
  it('chunks a TXT of one sentence per line (no headings) into passages of whole lines', async () => {
    const lines = readFileSync(path.resolve(import.meta.dirname, '../evals/textbook/textbook-proxy.txt'), 'utf8').split('\n').filter(Boolean).slice(0, 300);
    const doc = await readDocument(Buffer.from(lines.join('\n')), 'sentences.txt');
    expect(doc.blocks.filter((b) => b.kind === 'text').length).toBe(300); // each line a block of its own
    const { chunks } = chunkDocument(doc.blocks, 600);
    const pieces = chunks.flatMap((c) => c.text.split('\n'));
    expect(pieces).toEqual(lines); // every sentence whole, in order, in exactly one passage
    for (const c of chunks) expect(visibleLength(c.text)).toBeLessThanOrEqual(600 * 1.2);
  });

  it('keeps pages, heading paths and sentence boundaries on a real guideline', async () => {
    const doc = await readDocument(readFileSync(path.join(DEMO, 'stroke-guideline.md')), 'stroke-guideline.md');
    const { pages, chunks } = chunkDocument(doc.blocks, 600);
    expect(pages.length).toBe(doc.pageCount);
    for (const c of chunks) {
      expect(c.pageStart).toBeGreaterThanOrEqual(1);
      expect(c.pageEnd).toBeGreaterThanOrEqual(c.pageStart);
      expect(c.pageEnd).toBeLessThanOrEqual(doc.pageCount);
      expect(visibleLength(c.text)).toBeLessThanOrEqual(600 * 1.6);
      // only the preamble before the first heading (the demo notice) has no heading path
      if (c.ordinal > 0) expect(c.headingPath.length).toBeGreaterThan(0);
      // the chunk's first characters are found at charStart of its first page (a table row chunk: its row's line)
      const page = pages.find((p) => p.page === c.pageStart)?.text ?? '';
      if (c.table) expect(page.slice(c.charStart).split('\n')[0]).toBe(tableRow(doc.blocks, c.table).join(' | '));
      else expect(page.slice(c.charStart, c.charStart + 10)).toBe(c.text.slice(0, 10));
    }
    // ordinals are dense and deterministic
    expect(chunks.map((c) => c.ordinal)).toEqual(chunks.map((_, i) => i));
    expect(chunkDocument(doc.blocks, 600).chunks).toEqual(chunks);
  });

  it('honours the configured target size', () => {
    const sentence = '磨玻璃结节应在三个月后复查薄层CT以排除炎性病变。';
    const blocks: Block[] = [{ page: 1, kind: 'heading', level: 1, text: '1 随访' }];
    for (let i = 0; i < 60; i++) blocks.push({ page: 1 + Math.floor(i / 20), kind: 'text', text: sentence });
    const small = chunkDocument(blocks, 200).chunks;
    const large = chunkDocument(blocks, 1000).chunks;
    expect(small.length).toBeGreaterThan(large.length);
    expect(small.every((c) => visibleLength(c.text) <= 200)).toBe(true);
    expect(small[0].headingPath).toEqual(['1 随访']);
    // a chunk spanning a page break records both pages
    expect(small.some((c) => c.pageEnd > c.pageStart) || large.some((c) => c.pageEnd > c.pageStart)).toBe(true);
  });

  it('cuts an oversized sentence without punctuation instead of producing a giant chunk', () => {
    const blocks: Block[] = [{ page: 3, kind: 'text', text: '无标点长文'.repeat(500) }];
    const { chunks } = chunkDocument(blocks, 300);
    expect(chunks.length).toBeGreaterThan(5);
    expect(chunks.every((c) => c.pageStart === 3 && c.text.length <= 450)).toBe(true);
  });

  it('starts a new chunk at a chapter heading', () => {
    const blocks: Block[] = [
      { page: 1, kind: 'heading', level: 1, text: '1 概述' },
      { page: 1, kind: 'text', text: '短文。' },
      { page: 1, kind: 'heading', level: 1, text: '2 诊断' },
      { page: 1, kind: 'text', text: '另一段。' },
    ];
    const { chunks } = chunkDocument(blocks, 600);
    expect(chunks.map((c) => [c.headingPath, c.text])).toEqual([
      [['1 概述'], '短文。'],
      [['2 诊断'], '另一段。'],
    ]);
  });
});
