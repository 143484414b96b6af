import type { Runtime } from '../runtime/index.ts';
import type { Fact } from '../teaching/index.ts';

const pick = (e: { id: string; type: string; nameZh: string; nameEn: string }) => ({ id: e.id, type: e.type, nameZh: e.nameZh, nameEn: e.nameEn });

/** Every active relation as the question checks read it, so a check set can be re-checked on exactly this graph. */
export async function approvedFacts(rt: Runtime): Promise<Fact[]> {
  const facts: Fact[] = [];
  for (let offset = 0; ; offset += 2000) {
    const page = await rt.knowledge.relations.list({ status: 'active' }, { limit: 2000, offset });
    facts.push(...page.items.map((r): Fact => ({
      id: r.id, subject: pick(r.subject), predicate: r.predicate, object: pick(r.object), certainty: r.certainty, qualifiers: r.qualifiers,
      evidence: r.evidence.map((e) => ({ ...e, chunkId: null })),
    })));
    if (page.items.length < 2000) break;
  }
  return facts;
}
