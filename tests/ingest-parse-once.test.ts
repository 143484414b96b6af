import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { normalizeText } from '../core/index.ts';
import { blocksFromPages, chunkDocument, pagesFromBlocks, readDocument } from '../ingest/index.ts';
import type { Runtime } from '../runtime/index.ts';
import { DEMO, ROOT, testRuntime } from './helpers/runtime.ts';

const FILES = [path.join(DEMO, 'stroke-guideline.md'), path.join(ROOT, 'demo/pdf/stroke-textbook.pdf'), path.join(ROOT, 'tests/fixtures/gbk-note.txt')];
const HTML = '<html><head><title>门户</title></head><body><h1>第一章</h1><p>肺结节随访。</p><!-- page: 2 --><h2>1.1 方法</h2><ul><li>薄层CT</li><li>三个月复查</li></ul></body></html>';

async function chunkRows(rt: Runtime, sourceId: string) {
  const { rows } = await rt.db.query('SELECT ordinal, heading_path, page_start, page_end, char_start, text, tokens FROM chunks WHERE source_id = $1 ORDER BY ordinal', [sourceId]);
  return rows;
}

/** Issue 20, "parse once": pages are stored with their block layout, and chunks are derived from stored pages. */
describe('parse once', { timeout: 300_000 }, () => {
  it('stored pages give back exactly the blocks the reader produced, and the chunker’s own page texts', async () => {
    const docs = [...FILES.map((f) => ({ bytes: readFileSync(f), name: path.basename(f) })), { bytes: Buffer.from(HTML), name: 'portal.html' }];
    for (const { bytes, name } of docs) {
      const doc = await readDocument(bytes, name);
      const blocks = doc.blocks.map((b) => ({ ...b, text: normalizeText(b.text) }));
      const pages = pagesFromBlocks(blocks);
      expect(blocksFromPages(pages), name).toEqual(blocks);
      expect(pages.map(({ page, text }) => ({ page, text })), name).toEqual(chunkDocument(blocks, 600).pages);
    }
  });

  it('a second process indexes a registered source from its stored pages, without the original file', async () => {
    const bytes = readFileSync(path.join(ROOT, 'demo/pdf/stroke-textbook.pdf'));
    const reference = await testRuntime();
    let expected: unknown[];
    try {
      const r = await reference.ingest.register(bytes, 'stroke-textbook.pdf');
      await reference.runner.drain();
      expected = await chunkRows(reference, r.source.id);
    } finally {
      await reference.close();
    }

    const dir = mkdtempSync(path.join(tmpdir(), 'yz-parse-once-'));
    const first = await testRuntime({ YZ_DATA_DIR: dir }, { inMemory: false });
    const { source } = await first.ingest.register(bytes, 'stroke-textbook.pdf');
    await first.close(); // registered and stored, not indexed: this process is gone

    const second = await testRuntime({ YZ_DATA_DIR: dir }, { inMemory: false });
    try {
      // The original file is not needed any more: chunks come from the stored pages.
      await second.db.query('DELETE FROM source_files WHERE source_id = $1', [source.id]);
      await second.runner.drain();
      expect(await second.sources.get(source.id)).toMatchObject({ status: 'ready', pageCount: 13 });
      const rows = await chunkRows(second, source.id);
      expect(rows.length).toBeGreaterThan(10);
      expect(rows).toEqual(expected);
    } finally {
      await second.close();
    }
  });
});
