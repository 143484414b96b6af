import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Cases } from '../cases/index.ts';
import type { Runtime } from '../runtime/index.ts';
import type { Embedder } from '../search/index.ts';
import { ROOT, testRuntime } from './helpers/runtime.ts';

/**
 * Case vectors are kept in case_vectors (migration 089): a new process reads the library's vectors back instead of
 * embedding every case again; only an edited case's new text is embedded; the results are the same as before.
 */
const FIXTURE = path.join(ROOT, 'tests/fixtures/cases/typical-cases.json');

/** The runtime's real embedder, counting the document texts it is asked to embed. */
function counting(inner: Embedder): Embedder & { documents: number } {
  const e = {
    documents: 0, model: inner.model, dims: inner.dims, lexical: inner.lexical,
    embed: async (texts: string[], purpose: 'query' | 'document', lexemes?: string[][]) => {
      if (purpose === 'document') e.documents += texts.length;
      return inner.embed(texts, purpose, lexemes);
    },
  };
  return e as Embedder & { documents: number };
}

describe('case vectors persist between processes', () => {
  let rt: Runtime;
  beforeAll(async () => {
    rt = await testRuntime({ YZ_LLM: 'none' }, { inMemory: true });
    await rt.cases.service.importFile(readFileSync(FIXTURE), 'typical-cases.json', 'expert-1', { status: 'approved' });
  }, 120_000);
  afterAll(async () => rt?.close());

  const fresh = (embedder: Embedder) => new Cases({ db: rt.db, lexicon: rt.lexicon, tokenizer: rt.tokenizer, knowledge: rt.knowledge, keyring: rt.keyring, embedder }).service;
  const QUERY = '完全性前置胎盘，胎盘后低回声带消失，膀胱线中断。';

  it('embeds the library once; a restarted service reads the vectors back and ranks the same', async () => {
    const first = counting(rt.embedder);
    const a = await fresh(first).similar({ findings: QUERY });
    expect(a.vectors.used).toBe(true);
    expect(first.documents).toBe(8);
    const { rows } = await rt.db.query<{ n: number }>('SELECT count(*)::int AS n FROM case_vectors WHERE model = $1', [rt.embedder.model]);
    expect(rows[0].n).toBe(8);

    const second = counting(rt.embedder);
    const b = await fresh(second).similar({ findings: QUERY });
    expect(second.documents).toBe(0);
    expect(b.hits.map((h) => [h.caseId, h.score, h.vectorScore])).toEqual(a.hits.map((h) => [h.caseId, h.score, h.vectorScore]));

    // An edited case: only its new findings text is embedded.
    await rt.db.query(`UPDATE cases SET findings_text = findings_text || '子宫浆膜面尚光整。', updated_at = now() WHERE id = 'fx-pas-001'`);
    const third = counting(rt.embedder);
    await fresh(third).similar({ findings: QUERY });
    expect(third.documents).toBe(1);
  });
});
