/**
 * The approved graph as diagnosis sees it: which findings each disease has (`disease has_sign finding`,
 * `finding suggests disease`), with the certainty the relation states, its relation ids and passages.
 * Built from active relations only; a relation whose every source is superseded is left out (it stands
 * in the graph until an expert retires it, but no diagnosis rests on an outdated guideline alone).
 */
export interface Passage {
  title: string;
  version: string | null;
  year: number | null;
  page: number | null;
  quote: string;
}

/** One approved relation, reduced to what ranking and citation need. */
export interface EvidenceRelation {
  id: string;
  predicate: string;
  subject: { id: string; type: string; nameZh: string; nameEn: string };
  object: { id: string; type: string; nameZh: string; nameEn: string };
  certainty: 'present' | 'absent' | 'possible';
  stale?: boolean;
  evidence: Array<{ sourceTitle: string; version: string | null; year: number | null; page: number | null; quote: string; superseded?: boolean }>;
}

export interface Link {
  /** The disease states this finding as present / possible, or states it absent. */
  certainty: 'present' | 'absent' | 'possible';
  relationIds: string[];
  passages: Passage[];
}

const LINK_PREDICATES = new Set(['has_sign', 'suggests']);
const MAX_PASSAGES = 3;

export class EvidenceGraph {
  /** disease → finding → link */
  readonly signsOf = new Map<string, Map<string, Link>>();
  /** finding → diseases stating it present or possible */
  readonly diseasesOf = new Map<string, Set<string>>();
  readonly names = new Map<string, string>();
  private readonly diseaseCount: number;
  readonly relationCount: number;

  constructor(relations: Iterable<EvidenceRelation>) {
    let n = 0;
    for (const r of relations) {
      if (!LINK_PREDICATES.has(r.predicate) || r.stale) continue;
      const [disease, finding] = r.predicate === 'has_sign' ? [r.subject, r.object] : [r.object, r.subject];
      if (disease.type !== 'Disease') continue;
      n++;
      this.names.set(disease.id, disease.nameZh || disease.nameEn);
      this.names.set(finding.id, finding.nameZh || finding.nameEn);
      let signs = this.signsOf.get(disease.id);
      if (!signs) {
        signs = new Map();
        this.signsOf.set(disease.id, signs);
      }
      const passages = r.evidence.filter((e) => !e.superseded).slice(0, MAX_PASSAGES)
        .map((e) => ({ title: e.sourceTitle, version: e.version, year: e.year, page: e.page, quote: e.quote.slice(0, 200) }));
      const link = signs.get(finding.id);
      if (link) {
        // has_sign and suggests stating the same pair: one link citing both; a present statement outranks a hedge.
        link.relationIds.push(r.id);
        if (link.passages.length < MAX_PASSAGES) link.passages.push(...passages.slice(0, MAX_PASSAGES - link.passages.length));
        if (r.certainty === 'present' || link.certainty === 'possible') link.certainty = r.certainty === 'possible' ? link.certainty : r.certainty;
      } else signs.set(finding.id, { certainty: r.certainty, relationIds: [r.id], passages });
      if (r.certainty !== 'absent') {
        let ds = this.diseasesOf.get(finding.id);
        if (!ds) {
          ds = new Set();
          this.diseasesOf.set(finding.id, ds);
        }
        ds.add(disease.id);
      }
    }
    this.relationCount = n;
    this.diseaseCount = this.signsOf.size;
  }

  /**
   * Specificity of a finding, IDF-like: ln(1 + D / df) where df is the number of diseases the approved graph
   * links it to. A finding of one disease weighs most; one the graph does not know weighs `unknown`.
   */
  specificity(findingId: string, unknown = 1): number {
    const df = this.diseasesOf.get(findingId)?.size ?? 0;
    return df ? Math.log(1 + this.diseaseCount / df) : unknown;
  }

  hasRelations(diseaseId: string): boolean {
    return (this.signsOf.get(diseaseId)?.size ?? 0) > 0;
  }

  name(id: string): string {
    return this.names.get(id) ?? id;
  }
}
