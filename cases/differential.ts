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

export interface RankedDisease {
  entityId: string;
  name: string;
  score: number;
  /** Share of the positive scores among the ranked diseases: a relative weight, not a probability. */
  share: number;
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
 * Candidates are diseases with at least one supporting finding.
 */
export function rankDifferential(graph: EvidenceGraph, findings: readonly StructuredFinding[], opts: { top?: number; missingPerDisease?: number } = {}): DifferentialResult {
  const top = opts.top ?? 10;
  const stated = findings.filter((f): f is StructuredFinding & { entityId: string } => !!f.entityId);
  const candidates = new Set<string>();
  const unlinked: string[] = [];
  for (const f of stated) {
    const ds = graph.diseasesOf.get(f.entityId);
    if (ds && f.certainty !== 'absent') for (const d of ds) candidates.add(d);
    if (!ds && !graph.signsOf.has(f.entityId)) unlinked.push(f.finding);
  }
  const ranked: RankedDisease[] = [];
  for (const d of candidates) {
    const signs = graph.signsOf.get(d) as Map<string, Link>;
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
    if (!supporting.length) continue;
    ranked.push({ entityId: d, name: graph.name(d), score: round(score), share: 0, supporting, contradicting, missing: [] });
  }
  ranked.sort((a, b) => b.score - a.score || b.supporting.length - a.supporting.length || a.entityId.localeCompare(b.entityId));
  const shown = ranked.slice(0, top);
  const positive = shown.reduce((s, r) => s + Math.max(0, r.score), 0);
  for (const r of shown) r.share = positive ? round(Math.max(0, r.score) / positive) : 0;
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

const round = (x: number) => Math.round(x * 1000) / 1000;
