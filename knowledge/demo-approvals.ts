import { isAppError } from '../core/index.ts';
import type { Knowledge } from './knowledge.ts';
import { typesFit } from './predicates.ts';

export const DEMO_REVIEWER = 'demo-reviewer';
const PER_SOURCE = 40;
const MIN_CONFIDENCE = 0.8;
/** Leave at least this share of each source's candidates for a real reviewer, so the queue shows what review is. */
const LEAVE_FOR_REVIEW = 0.5;

/**
 * So a new user sees a populated graph: after the authored demo corpus is extracted, a demo reviewer
 * approves the most confident, fully resolved, type-consistent candidates of each demo source (at most
 * half of them: the rest wait in the queue, so the Review page shows real work). The
 * relations are flagged `demo` and the reviewer is named, so nobody mistakes them for expert review.
 */
export async function approveDemoStarterSet(k: Knowledge, sourceId: string): Promise<number> {
  const { items } = await k.candidates.list({ sourceId, status: 'pending', minConfidence: MIN_CONFIDENCE }, { limit: 500, offset: 0 });
  const { total } = await k.candidates.list({ sourceId }, { limit: 1, offset: 0 });
  const quota = Math.min(PER_SOURCE, Math.floor(total * (1 - LEAVE_FOR_REVIEW)));
  let approved = 0;
  for (const c of items) {
    if (approved >= quota) break;
    if (!c.subject.entityId || !c.object.entityId || !c.subject.type || !c.object.type) continue;
    if (!typesFit(c.predicate, c.subject.type, c.object.type) || c.conflicts.contradicting.length) continue;
    try {
      await k.review.approve(c.id, { actor: DEMO_REVIEWER, demo: true, comment: '演示审核：自动批准的示例数据 / demo approval' });
      approved++;
    } catch (e) {
      if (!isAppError(e)) throw e; // a conflict with an earlier demo approval is skipped, not fatal
    }
  }
  return approved;
}
