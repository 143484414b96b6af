import { isAppError } from '../core/index.ts';
import type { Knowledge } from './knowledge.ts';
import { typesFit } from './predicates.ts';

export const DEMO_REVIEWER = 'demo-reviewer';
const PER_SOURCE = 60;
const MIN_CONFIDENCE = 0.8;

/**
 * So a new user sees a populated graph: after the authored demo corpus is extracted, a demo reviewer
 * approves the most confident, fully resolved, type-consistent candidates of each demo source. The
 * relations are flagged `demo` and the reviewer is named, so nobody mistakes them for expert review.
 */
export async function approveDemoStarterSet(k: Knowledge, sourceId: string): Promise<number> {
  const { items } = await k.candidates.list({ sourceId, status: 'pending', minConfidence: MIN_CONFIDENCE }, { limit: 500, offset: 0 });
  let approved = 0;
  for (const c of items) {
    if (approved >= PER_SOURCE) break;
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
