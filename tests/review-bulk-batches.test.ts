import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BatchSizing, ReviewService } from '../knowledge/index.ts';
import type { Runtime } from '../runtime/index.ts';
import { testRuntime } from './helpers/runtime.ts';

const DOC = `---\ntitle: 批量审核测试指南\nkind: guideline\nversion: "2024版"\nyear: 2024\n---\n<!-- page: 1 -->\n# 总则\n\n肺腺癌可表现为磨玻璃结节。\n`;

/** Entity pairs a reviewer can approve (typed so that `has_sign` fits), several candidates each. */
const DISEASES = ['dis.lung_adenocarcinoma', 'dis.pulmonary_tuberculosis'];
const SIGNS = ['sign.ground_glass_nodule', 'sign.lobulation', 'sign.spiculation'];

/**
 * The bulk decision loop with a batch size that changes between batches. A size policy is injected, so the
 * sizes do not depend on how fast this machine is: the loop once advanced by the NEXT batch's size and
 * silently skipped the candidates in between whenever the size grew (fixed in eadf3e6).
 */
describe('bulk approval by filter decides every previewed candidate exactly once, whatever the batch sizes', () => {
  let rt: Runtime;
  let sourceId: string;

  beforeAll(async () => {
    rt = await testRuntime({ YZ_AUTO_EXTRACT: 'off', YZ_LLM: 'none' });
    sourceId = (await rt.ingest.register(Buffer.from(DOC), 'bulk-batches.md', {})).source.id;
    await rt.runner.drain();
    const chunkId = (await rt.db.query<{ id: string }>('SELECT id FROM chunks WHERE source_id = $1 ORDER BY ordinal LIMIT 1', [sourceId])).rows[0]?.id ?? null;
    const items = Array.from({ length: 47 }, (_, i) => {
      const d = DISEASES[i % DISEASES.length] as string;
      const s = SIGNS[i % SIGNS.length] as string;
      return {
        subject: { text: d, entityId: d, type: null }, predicate: 'has_sign' as const, object: { text: s, entityId: s, type: null },
        certainty: 'present' as const, qualifiers: {}, quote: `${d} ${s} #${i}`, quoteStart: i * 10, quoteEnd: i * 10 + 5, confidence: 0.9,
        sourceId, chunkId, page: 1, extractor: 'rules' as const, extractorVersion: 'test',
      };
    });
    await rt.db.transaction((tx) => rt.knowledge.candidates.insertMany(tx, items));
  }, 120_000);
  afterAll(() => rt?.close());

  it('growing and shrinking batches (3, 8, 2, 13, 5, …) leave no candidate skipped or decided twice', async () => {
    const sizes = [8, 2, 13, 5, 21, 1];
    const used: number[] = [];
    // Each batch is handed the next size of the script, whatever the time it took.
    const scripted: BatchSizing = {
      first: 3,
      next: (size) => {
        used.push(size);
        return sizes[(used.length - 1) % sizes.length] as number;
      },
    };
    const review = new ReviewService(rt.db, rt.knowledge.candidates, rt.knowledge.entities, rt.knowledge.relations, () => {}, scripted);
    const filter = { sourceId };
    const preview = await review.bulkPreview(filter, 0);
    const previewed = await rt.knowledge.candidates.ids({ ...filter, status: 'pending', conflict: false, unresolved: false }, 1000);
    expect(preview.approvable).toBe(47);
    expect(previewed).toHaveLength(47);

    const result = await review.bulk('approve', { filter, confirmCount: preview.approvable }, { actor: 'test-reviewer' });

    expect(used.slice(0, 4)).toEqual([3, 8, 2, 13]); // the size did change between batches, both ways
    expect(result.failed).toEqual([]);
    expect(result.done).toHaveLength(new Set(result.done).size); // none twice
    expect([...result.done].sort()).toEqual([...previewed].sort()); // none skipped
    const { items: after } = await rt.knowledge.candidates.list({ sourceId }, { limit: 500, offset: 0 });
    expect(after.filter((c) => c.status !== 'approved').map((c) => c.id)).toEqual([]);
    expect((await review.bulkPreview(filter, 0)).total).toBe(0);
  });
});
