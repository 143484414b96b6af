import type { Relation } from '../knowledge/index.ts';

export interface FactEntity {
  id: string;
  type: string;
  nameZh: string;
  nameEn: string;
}

/** One approved, active relation as question generation sees it. */
export interface Fact {
  id: string;
  subject: FactEntity;
  predicate: string;
  object: FactEntity;
  certainty: 'present' | 'absent' | 'possible';
  qualifiers: Record<string, string>;
  evidence: Relation['evidence'];
}

/** `has_sign` is also stated from the sign's side (`sign suggests disease`): both count as "X has sign S". */
const INVERSE: Record<string, string> = { suggests: 'has_sign' };
const SYMMETRIC = new Set(['differential_of']);

const key = (s: string, p: string, o: string) => `${s}\u0000${p}\u0000${o}`;

/**
 * The approved graph indexed for item writing: what holds (present), what is stated absent, what is only
 * possible (never a safe distractor), and which entities are near each other (differentials, subtypes,
 * shared anatomy) for plausible distractors. Built from active relations only; pure and in memory, so
 * generation is fast and works on any approved graph.
 */
export class FactGraph {
  private readonly entities = new Map<string, FactEntity>();
  private readonly truth = new Map<string, Fact[]>();
  private readonly bySubject = new Map<string, Map<string, Fact[]>>();
  private readonly byObject = new Map<string, Map<string, Fact[]>>();
  private readonly byName = new Map<string, string>();
  /** Every approved evidence quote, once (for co-mention checks). */
  private readonly quotes = new Set<string>();
  private readonly quotesOf = new Map<string, string[]>();
  private readonly byId = new Map<string, Fact>();
  readonly size: number;

  constructor(relations: readonly Fact[]) {
    let n = 0;
    for (const r of relations) {
      n++;
      const predicate = INVERSE[r.predicate] ?? r.predicate;
      const [s, o] = INVERSE[r.predicate] ? [r.object, r.subject] : [r.subject, r.object];
      const f: Fact = { ...r, predicate, subject: s, object: o };
      this.add(f);
      if (SYMMETRIC.has(predicate)) this.add({ ...f, subject: o, object: s });
    }
    this.size = n;
  }

  private add(f: Fact): void {
    if (!this.byId.has(f.id)) this.byId.set(f.id, f);
    for (const ev of f.evidence) this.quotes.add(ev.quote);
    for (const e of [f.subject, f.object]) {
      this.entities.set(e.id, e);
      for (const name of [e.nameZh, e.nameEn]) if (name) this.byName.set(normalizeName(name), e.id);
    }
    const k = key(f.subject.id, f.predicate, f.object.id);
    const list = this.truth.get(k) ?? [];
    // The same fact stated twice (has_sign and suggests): kept once, the first relation's id cited.
    if (list.some((x) => x.certainty === f.certainty)) return;
    list.push(f);
    this.truth.set(k, list);
    push(this.bySubject, f.subject.id, f.predicate, f);
    push(this.byObject, f.object.id, f.predicate, f);
  }

  /** An approved relation by id, oriented as generation reads it (`suggests` as `has_sign`). */
  fact(id: string): Fact | undefined {
    return this.byId.get(id);
  }

  entity(id: string): FactEntity | undefined {
    return this.entities.get(id);
  }

  /** The entity a surface names (Chinese or English name, case and width folded), or undefined. */
  resolve(name: string): FactEntity | undefined {
    const id = this.byName.get(normalizeName(name));
    return id ? this.entities.get(id) : undefined;
  }

  /**
   * Some approved evidence passage names both entities. A passage that mentions a candidate distractor
   * beside the subject often states a relation the graph has not captured (a differential, a sign), so
   * such a candidate is not a safe distractor: the graph's silence is not a denial.
   */
  coMentioned(a: FactEntity, b: FactEntity): boolean {
    const nb = b.nameZh || b.nameEn;
    if (!nb) return false;
    return this.passagesNaming(a).some((q) => q.includes(nb));
  }

  private passagesNaming(e: FactEntity): string[] {
    let list = this.quotesOf.get(e.id);
    if (!list) {
      const name = e.nameZh || e.nameEn;
      list = name ? [...this.quotes].filter((q) => q.includes(name)) : [];
      this.quotesOf.set(e.id, list);
    }
    return list;
  }

  allEntities(): FactEntity[] {
    return [...this.entities.values()];
  }

  /** Facts (subject, predicate, ·) with the given certainty. */
  objects(subjectId: string, predicate: string, certainty: Fact['certainty'] = 'present'): Fact[] {
    return (this.bySubject.get(subjectId)?.get(predicate) ?? []).filter((f) => f.certainty === certainty);
  }

  /** Facts (·, predicate, object) with the given certainty. */
  subjects(objectId: string, predicate: string, certainty: Fact['certainty'] = 'present'): Fact[] {
    return (this.byObject.get(objectId)?.get(predicate) ?? []).filter((f) => f.certainty === certainty);
  }

  /** Every entity that is the object of `predicate` for some subject (plausible answers of that kind). */
  objectPool(predicate: string): FactEntity[] {
    const seen = new Map<string, FactEntity>();
    for (const m of this.bySubject.values()) for (const f of m.get(predicate) ?? []) if (f.certainty === 'present') seen.set(f.object.id, f.object);
    return [...seen.values()];
  }

  subjectPool(predicate: string): FactEntity[] {
    const seen = new Map<string, FactEntity>();
    for (const m of this.byObject.values()) for (const f of m.get(predicate) ?? []) if (f.certainty === 'present') seen.set(f.subject.id, f.subject);
    return [...seen.values()];
  }

  /** How (subject, predicate, object) stands in the approved graph. Unknown is not the same as false. */
  status(subjectId: string, predicate: string, objectId: string): 'present' | 'absent' | 'possible' | 'unknown' {
    const list = this.truth.get(key(subjectId, predicate, objectId)) ?? [];
    if (list.some((f) => f.certainty === 'present')) return 'present';
    if (list.some((f) => f.certainty === 'possible')) return 'possible';
    if (list.some((f) => f.certainty === 'absent')) return 'absent';
    return 'unknown';
  }

  /** `a` and `b` are the same concept at another granularity (one is a subtype of the other, either way, up to 3 levels). */
  related(a: string, b: string): boolean {
    if (a === b) return true;
    return this.ancestors(a).has(b) || this.ancestors(b).has(a);
  }

  private ancestors(id: string): Set<string> {
    const out = new Set<string>();
    let frontier = [id];
    for (let depth = 0; depth < 3 && frontier.length; depth++) {
      const next: string[] = [];
      for (const x of frontier) for (const f of this.objects(x, 'subtype_of')) if (!out.has(f.object.id)) { out.add(f.object.id); next.push(f.object.id); }
      frontier = next;
    }
    return out;
  }

  /**
   * Entities near `id`, nearest first: its differentials, its subtypes' siblings, and subjects sharing its
   * anatomy. Their facts make distractors a resident has to think about.
   */
  neighbours(id: string): string[] {
    const out: string[] = [];
    const add = (x: string) => {
      if (x !== id && !out.includes(x)) out.push(x);
    };
    for (const f of this.objects(id, 'differential_of')) add(f.object.id);
    for (const parent of this.objects(id, 'subtype_of')) for (const sib of this.subjects(parent.object.id, 'subtype_of')) add(sib.subject.id);
    for (const place of this.objects(id, 'located_at')) for (const f of this.subjects(place.object.id, 'located_at')) add(f.subject.id);
    return out;
  }
}

function push(m: Map<string, Map<string, Fact[]>>, id: string, predicate: string, f: Fact): void {
  const inner = m.get(id) ?? new Map<string, Fact[]>();
  m.set(id, inner);
  const list = inner.get(predicate) ?? [];
  list.push(f);
  inner.set(predicate, list);
}

export function normalizeName(s: string): string {
  return s.normalize('NFKC').toLowerCase().replace(/[\s·•,，。.、;；:："“”'‘’()（）]/g, '');
}
