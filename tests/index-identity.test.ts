import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, Lexicon, Tokenizer } from '../core/index.ts';
import { chunkDocument } from '../ingest/chunker.ts';
import { blocksFromPages } from '../ingest/page-layout.ts';
import { parse } from '../ingest/parse.worker.ts';
import { DEFAULT_READ_LIMITS } from '../ingest/readers/read-limits.ts';
import { demoFiles, type Runtime } from '../runtime/index.ts';
import { ChunkIndexer, prepareChunkRows } from '../search/index.ts';
import { JobRunner } from '../store/index.ts';
import { IDENTITY_EXTRA_MD, indexDigest } from './helpers/index-digest.ts';
import { testRuntime } from './helpers/runtime.ts';

/**
 * The ingest speed-ups (per-word memo in the tokenizer, per-batch field memo, posting rows without the
 * foreign-key check) change how the index is built, never what it holds. The expected digest was computed
 * on main before them (cf29e1c) over the same files: every term's postings (chunk, tf, length norm) and
 * every chunk's word tokens and length. A deliberate change of what is indexed (tokenizer, lexicon,
 * INDEX_VERSION, the demo corpus) must recompute it and say why in its commit.
 */
const EXPECTED = { chunks: 650, terms: 24960, postings: 103570, digest: '723ac5115cd9449ec74ea624b3a002261103c3840ac2d4be9ae5a1f43d1f1afd' };

describe('ingest builds the same index as before the speed-ups', () => {
  let rt: Runtime;
  beforeAll(async () => {
    rt = await testRuntime();
    for (const f of demoFiles().filter((f) => f.endsWith('.md'))) await rt.ingest.register(readFileSync(f), path.basename(f));
    await rt.ingest.register(Buffer.from(IDENTITY_EXTRA_MD), 'identity-sample.md');
    await new JobRunner(rt.jobs, { ingest: rt.handlers.ingest }, createLogger('silent')).drain();
  }, 240_000);
  afterAll(() => rt?.close());

  it('the demo Markdown corpus and the tokenizer sample give the same postings and tokens, term for term', async () => {
    expect(await indexDigest(rt.db)).toEqual(EXPECTED);
  });

  it('folding every segment into one (compaction) changes no posting', async () => {
    await new ChunkIndexer(rt.tokenizer, rt.embedder).compact(rt.db, { all: true });
    expect(await indexDigest(rt.db)).toEqual(EXPECTED);
  });

  it('a warm tokenizer (memo filled by the whole corpus) gives the rows a fresh one gives', async () => {
    const parsed = await parse({ bytes: new Uint8Array(Buffer.from(IDENTITY_EXTRA_MD)), fileName: 'identity-sample.md', type: 'markdown', limits: DEFAULT_READ_LIMITS });
    if (!parsed.ok) throw new Error(parsed.error.message);
    const chunks = chunkDocument(blocksFromPages(parsed.value.pages), 600).chunks;
    const warm = rt.tokenizer;
    const fresh = () => new Tokenizer(Lexicon.load());
    const rows = (t: Tokenizer) => prepareChunkRows(t, 'src_x', chunks, '分词一致性样例');
    expect(rows(warm)).toEqual(rows(fresh()));
    expect(rows(warm)).toEqual(rows(warm)); // the memo's second look answers what the first computed
  });
});
