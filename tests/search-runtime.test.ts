import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, loadConfig } from '../core/index.ts';
import { createRuntime, createSearchRuntime } from '../runtime/index.ts';

/** Authored passages: two diseases, a few attributes each. */
const PASSAGES: Record<string, string> = {
  'stroke.txt': '急性脑梗死发病6小时内CT可见岛带征和豆状核模糊。DWI对超急性期脑梗死最敏感，表现为高信号。',
  'appendicitis.txt': '急性阑尾炎儿童和孕妇首选超声检查。阑尾直径超过6 mm提示阑尾炎，可伴阑尾周围脂肪间隙模糊。',
  'nodule.txt': '偶发实性肺结节直径小于6 mm者一般无需常规随访，6～8 mm者6～12个月复查CT。',
};
const QUERIES = ['急性脑梗死的CT早期征象', 'DWI 脑梗死', '阑尾炎首选什么检查', '肺结节多大需要随访', 'appendicitis ultrasound'];

/**
 * `yingzhi search` opens the small search root (runtime/search-runtime.ts) instead of the whole runtime: it must
 * answer exactly as the full runtime does on the same data directory, and leave the directory to the next process.
 */
describe('the search root answers as the full runtime does', () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'yz-search-root-'));
  const config = loadConfig({ YZ_DATA_DIR: dataDir, YZ_STORE: 'pglite', YZ_GRAPH: 'postgres', YZ_LLM: 'none', YZ_LOG_LEVEL: 'silent' });
  const log = createLogger('silent');
  const full: Record<string, unknown[]> = {};
  beforeAll(async () => {
    const rt = await createRuntime(config, { log, command: true });
    try {
      for (const [name, text] of Object.entries(PASSAGES)) await rt.ingest.register(Buffer.from(text, 'utf8'), name, {});
      await rt.runner.drain();
      for (const q of QUERIES) full[q] = (await rt.services.search.search({ q, top: 5 })).results.map((h) => [h.chunkId, h.citation]);
    } finally {
      await rt.close();
    }
  }, 180_000);
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('same hits, same order, same citations for every query; the data directory is released on close', async () => {
    expect(full[QUERIES[0]].length).toBeGreaterThan(0);
    const root = await createSearchRuntime(config, { log });
    try {
      for (const q of QUERIES) {
        const hits = (await root.services.search.search({ q, top: 5 })).results.map((h) => [h.chunkId, h.citation]);
        expect(hits, q).toEqual(full[q]);
      }
    } finally {
      await root.close();
    }
    // A second process (here: a second open) gets the embedded database: the lock was released.
    const again = await createSearchRuntime(config, { log });
    await again.close();
  }, 120_000);
});
