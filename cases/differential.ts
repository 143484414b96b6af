import type { StructuredFinding } from './case.schemas.ts';
import type { EvidenceGraph, Link, Passage } from './evidence-graph.ts';

export interface CitedFinding {
  entityId: string;
  finding: string;
  /** How the query states it. */
  stated: 'present' | 'absent' | 'possible';
  /** How the approved graph links it to the disease. */
  graph: 'present' | 'absent' | 'possible';
  weight: number;
  contribution: number;
  relationIds: string[];
  passages: Passage[];
}

export interface MissingFinding {
  entityId: string;
  finding: string;
  /** Which of the top candidates have it (approved relations) and which do not. */
  presentIn: string[];
  absentIn: string[];
  weight: number;
  relationIds: string[];
}

/** An approved typical case among the most similar to the query, voting for its final diagnosis. */
export interface CaseVote {
  caseId: string;
  title: string;
  /** The diagnosis' graph entity (cases whose diagnosis resolves to no entity do not vote) and its name. */
  entityId: string;
  diagnosis: string;
  similarity: number;
}

export interface RankedDisease {
  entityId: string;
  name: string;
  /** The graph evidence score (sum of the findings' contributions below). */
  score: number;
  /**
   * The ranking weight, relative among the ranked diseases (not a probability): the graph evidence share blended
   * with the similar typical cases' vote share when cases were given (`caseSupport`).
   */
  share: number;
  /** Approved typical cases with this final diagnosis among the most similar cases, and their share of the vote. */
  caseSupport: { share: number; cases: Array<Omit<CaseVote, 'entityId' | 'diagnosis'>> };
  supporting: CitedFinding[];
  contradicting: CitedFinding[];
  missing: MissingFinding[];
}

export interface DifferentialResult {
  ranked: RankedDisease[];
  /** Findings the approved graph links to no disease. */
  unlinked: string[];
  /** Discriminating findings not yet stated (「建议补充」), best first. */
  suggestions: MissingFinding[];
}

/** Weights of the evidence score (log-odds-like; see rank()). */
const W = { possible: 0.5, absentAgainst: 0.8, statedAbsentInGraph: 1, unexplained: 0.15, hedgedLink: 0.6 } as const;

/**
 * Rank diseases by a weighted evidence score over the approved graph (a naive-Bayes-like sum of log
 * likelihood ratios, with the IDF-like specificity of each finding as its weight):
 * + a stated finding the disease has (×0.5 when the report hedges it, ×0.6 when the graph only says "possible");
 * − a finding stated absent that the disease has (×0.8);
 * − a stated finding the graph says the disease lacks;
 * − a little for each stated finding of other diseases that this one does not explain (×0.15).
 * Candidates are diseases with at least one supporting finding, and the diagnoses of the similar typical cases
 * (`caseVotes`) when given. With votes the order blends the two evidence shares:
 * (1 − caseWeight) · graph share + caseWeight · vote share. The vote carries what the sparse graph does not (a
 * case's whole pattern of findings); the graph carries the cited, finding-by-finding explanation.
 */
export function rankDifferential(
  graph: EvidenceGraph,
  findings: readonly StructuredFinding[],
  opts: { top?: number; missingPerDisease?: number; caseVotes?: readonly CaseVote[]; caseWeight?: number } = {},
): DifferentialResult {
  const top = opts.top ?? 10;
  const votes = tallyVotes(opts.caseVotes ?? []);
  const stated = findings.filter((f): f is StructuredFinding & { entityId: string } => !!f.entityId);
  const candidates = new Set<string>();
  const unlinked: string[] = [];
  for (const f of stated) {
    const ds = graph.diseasesOf.get(f.entityId);
    if (ds && f.certainty !== 'absent') for (const d of ds) candidates.add(d);
    if (!ds && !graph.signsOf.has(f.entityId)) unlinked.push(f.finding);
  }
  for (const d of votes.keys()) candidates.add(d);
  const ranked: RankedDisease[] = [];
  for (const d of candidates) {
    const signs = graph.signsOf.get(d) ?? new Map<string, Link>();
    const supporting: CitedFinding[] = [];
    const contradicting: CitedFinding[] = [];
    let score = 0;
    for (const f of stated) {
      const w = graph.specificity(f.entityId);
      const link = signs.get(f.entityId);
      const cite = (graphCertainty: Link['certainty'], contribution: number): CitedFinding => ({
        entityId: f.entityId, finding: f.finding, stated: f.certainty, graph: graphCertainty, weight: round(w), contribution: round(contribution),
        relationIds: link?.relationIds ?? [], passages: link?.passages ?? [],
      });
      if (link && link.certainty !== 'absent') {
        if (f.certainty === 'absent') {
          const c = -W.absentAgainst * w;
          score += c;
          contradicting.push(cite(link.certainty, c));
        } else {
          const c = w * (f.certainty === 'possible' ? W.possible : 1) * (link.certainty === 'possible' ? W.hedgedLink : 1);
          score += c;
          supporting.push(cite(link.certainty, c));
        }
      } else if (link && f.certainty !== 'absent') {
        const c = -W.statedAbsentInGraph * w;
        score += c;
        contradicting.push(cite('absent', c));
      } else if (!link && f.certainty === 'present' && graph.diseasesOf.has(f.entityId)) {
        score -= W.unexplained * w;
      }
    }
    const vote = votes.get(d);
    if (!supporting.length && !vote) continue;
    const name = vote && !graph.hasRelations(d) ? vote.name : graph.name(d);
    ranked.push({ entityId: d, name, score: round(score), share: 0, caseSupport: { share: 0, cases: vote?.cases ?? [] }, supporting, contradicting, missing: [] });
  }
  const weight = votes.size ? (opts.caseWeight ?? DEFAULT_CASE_WEIGHT) : 0;
  const positive = ranked.reduce((s, r) => s + Math.max(0, r.score), 0);
  const voted = [...votes.values()].reduce((s, v) => s + v.total, 0);
  const blended = new Map<RankedDisease, number>();
  for (const r of ranked) {
    r.caseSupport.share = voted ? round((votes.get(r.entityId)?.total ?? 0) / voted) : 0;
    blended.set(r, (1 - weight) * (positive ? Math.max(0, r.score) / positive : 0) + weight * r.caseSupport.share);
  }
  const by = (r: RankedDisease) => blended.get(r) ?? 0;
  ranked.sort((a, b) => by(b) - by(a) || b.score - a.score || b.supporting.length - a.supporting.length || a.entityId.localeCompare(b.entityId));
  const shown = ranked.slice(0, top);
  const total = shown.reduce((s, r) => s + by(r), 0);
  for (const r of shown) r.share = total ? round(by(r) / total) : 0;
  const suggestions = discriminators(graph, shown.slice(0, 3), new Set(stated.map((f) => f.entityId)));
  const perDisease = opts.missingPerDisease ?? 3;
  for (const r of shown) r.missing = suggestions.filter((s) => s.presentIn.includes(r.entityId)).slice(0, perDisease);
  return { ranked: shown, unlinked, suggestions: suggestions.slice(0, 5) };
}

/**
 * Unstated findings that best separate the leading candidates: present in some of them and not in others,
 * weighted by specificity and by how evenly they split the candidates.
 */
function discriminators(graph: EvidenceGraph, leaders: readonly RankedDisease[], stated: ReadonlySet<string>): MissingFinding[] {
  if (!leaders.length) return [];
  const seen = new Map<string, MissingFinding>();
  for (const r of leaders) {
    for (const [fid, link] of graph.signsOf.get(r.entityId) ?? []) {
      if (stated.has(fid) || link.certainty === 'absent' || seen.has(fid)) continue;
      const presentIn: string[] = [];
      const absentIn: string[] = [];
      const relationIds: string[] = [];
      for (const l of leaders) {
        const other = graph.signsOf.get(l.entityId)?.get(fid);
        if (other && other.certainty !== 'absent') {
          presentIn.push(l.entityId);
          relationIds.push(...other.relationIds);
        } else absentIn.push(l.entityId);
      }
      // With one candidate, any of its specific findings confirms it; otherwise it must split the candidates.
      if (leaders.length > 1 && !absentIn.length) continue;
      const split = leaders.length > 1 ? 1 - Math.abs(presentIn.length - absentIn.length) / leaders.length : 1;
      seen.set(fid, { entityId: fid, finding: graph.name(fid), presentIn, absentIn, weight: round(graph.specificity(fid) * (0.5 + split)), relationIds });
    }
  }
  return [...seen.values()].sort((a, b) => b.weight - a.weight || a.entityId.localeCompare(b.entityId));
}

/** How much the similar cases' vote weighs against the graph evidence (chosen on the dev split of evals/cases). */
export const DEFAULT_CASE_WEIGHT = 0.75;

/** Votes per diagnosis: the summed similarity of the cases with it, the cases best first. */
function tallyVotes(caseVotes: readonly CaseVote[]): Map<string, { name: string; total: number; cases: Array<Omit<CaseVote, 'entityId' | 'diagnosis'>> }> {
  const out = new Map<string, { name: string; total: number; cases: Array<Omit<CaseVote, 'entityId' | 'diagnosis'>> }>();
  for (const { entityId, diagnosis, ...c } of caseVotes) {
    if (!(c.similarity > 0)) continue;
    const v = out.get(entityId) ?? { name: diagnosis, total: 0, cases: [] };
    v.total += c.similarity;
    v.cases.push({ ...c, similarity: round(c.similarity) });
    out.set(entityId, v);
  }
  return out;
}

const round = (x: number) => Math.round(x * 1000) / 1000;
