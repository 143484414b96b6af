import type { Fact, FactEntity, FactGraph } from './fact-graph.ts';
import type { QuestionDraft, Rejection } from './question.schemas.ts';

/**
 * Checks of the keyed facts against their own evidence passages. The graph checks trust an approved relation;
 * these catch the ways an approved relation can still make a wrong key (seen in the authored check set, where the
 * demo corpus's relations are approved without a human reading them):
 * - a "which is NOT" key needs the passage to say so (graph silence is not falsity: 「脓胸不出现高密度灶」 was
 *   keyed only because no relation said otherwise);
 * - a site that is only a landmark (「阑尾位于盲肠后方」, 「位于大脑前动脉与大脑中动脉…之间」) is not where the disease is;
 * - the evidence must name the subject or the keyed entity (a relation whose passage names neither was mis-read);
 * - 「典型」 and 「最应考虑」 stems claim more than a hedged passage (「可见于肺癌、类癌以及…」) says, and a reverse
 *   item (sign → disease) needs a passage that names the disease.
 */
export function checkKeyEvidence(d: QuestionDraft, graph: FactGraph): Rejection | null {
  const c = d.claim;
  if (!c) return null;
  const reject = (code: string, message: string): Rejection => ({ stem: d.stem, code, message });
  if (c.polarity === 'not') {
    for (const o of d.options.filter((x) => d.key.includes(x.label))) {
      const id = o.entityId ?? graph.resolve(o.text)?.id;
      const s = id ? (c.direction === 'forward' ? graph.status(c.subjectId, c.predicate, id) : graph.status(id, c.predicate, c.subjectId)) : 'unknown';
      if (s !== 'absent') return reject('KEY_ABSENCE_UNSTATED', `答案 ${o.label}「${o.text}」只是图谱中未提及，没有原文说明其不成立 / the passage never says the keyed option does not hold`);
    }
    return null;
  }
  const keyed = d.citations.relationIds.map((id) => graph.fact(id)).filter((f): f is Fact => Boolean(f));
  const typical = /典型|最应考虑/.test(d.stem);
  const pointsTo = c.direction === 'reverse' && /最应考虑/.test(d.stem);
  for (const f of keyed) {
    const quotes = f.evidence.filter((e) => !e.superseded && !e.retracted).map((e) => e.quote);
    if (!quotes.length) continue;
    if (!quotes.some((q) => names(f.subject, q) || names(f.object, q))) {
      return reject('KEY_NOT_IN_EVIDENCE', `“${f.subject.nameZh}—${f.object.nameZh}”的原文既未提到主题也未提到答案 / the evidence names neither the subject nor the key`);
    }
    if (f.predicate === 'located_at' && quotes.every((q) => landmarkOnly(f.object, q))) {
      return reject('KEY_LANDMARK_ONLY', `原文中的“${f.object.nameZh}”只是方位参照（后方、之间等），不是病变部位 / the site is only a landmark in the passage`);
    }
    if (typical && quotes.every((q) => HEDGE.test(q))) {
      return reject('KEY_HEDGED', `原文对“${f.object.nameZh}”的表述是“可见于/亦可”等限定语，不支持“典型”“最应考虑” / the passage hedges, the stem claims typical`);
    }
    if (pointsTo && !quotes.some((q) => names(f.subject, q))) {
      return reject('KEY_NOT_SPECIFIC', `原文没有把该征象与“${f.subject.nameZh}”联系起来 / no passage ties the sign to the keyed disease by name`);
    }
  }
  return null;
}

/** Hedged statements: a finding seen in some cases or in several diseases, not a typical one. */
const HEDGE = /可见于|亦可|也可|偶可|偶见|少数|罕见|少见|不典型|可出现|部分病例/;
/** Words after a place that make it a reference point (behind, between, next to …), within the same clause. */
const LANDMARK = /^[^，。；,;]{0,30}?(?:后方|前方|上方|下方|旁|周围|之间|交界|附近|毗邻)/;

const compact = (s: string) => s.normalize('NFKC').replace(/\s+/g, '').toLowerCase();

function names(e: FactEntity, quote: string): boolean {
  const q = compact(quote);
  return [e.nameZh, e.nameEn].some((n) => n && n.length >= 2 && q.includes(compact(n)));
}

/** Every mention of the place in the passage is followed (same clause) by a landmark word. */
function landmarkOnly(place: FactEntity, quote: string): boolean {
  const q = compact(quote);
  const n = compact(place.nameZh || place.nameEn);
  if (!n || !q.includes(n)) return false;
  const at: number[] = [];
  for (let i = q.indexOf(n); i >= 0; i = q.indexOf(n, i + 1)) at.push(i);
  return at.every((i) => LANDMARK.test(q.slice(i + n.length)));
}
