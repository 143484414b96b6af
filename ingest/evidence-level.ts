import { z } from 'zod';
import { EVIDENCE_LEVELS } from './evidence-level-names.ts';

/**
 * Evidence levels for every source, strongest first. Literature gets its level from PubMed
 * publication types; guidelines and textbooks from their kind. Search and chat show it, and a
 * reviewer weighs a triple from a meta-analysis differently from one from a case report.
 */
export { EVIDENCE_LEVELS, EVIDENCE_LEVEL_LABELS } from './evidence-level-names.ts';
export const EvidenceLevelSchema = z.enum(EVIDENCE_LEVELS);
export type EvidenceLevel = z.infer<typeof EvidenceLevelSchema>;

/** PubMed publication types (lower-cased) in order of precedence: the first match wins. */
const BY_PUBLICATION_TYPE: Array<[EvidenceLevel, string[]]> = [
  ['guideline', ['practice guideline', 'guideline', 'consensus development conference', 'consensus development conference, nih']],
  ['meta_analysis', ['meta-analysis', 'network meta-analysis']],
  ['systematic_review', ['systematic review']],
  ['rct', ['randomized controlled trial', 'pragmatic clinical trial', 'equivalence trial', 'clinical trial, phase iii', 'clinical trial, phase iv']],
  ['cohort', ['observational study', 'multicenter study', 'clinical trial', 'clinical trial, phase i', 'clinical trial, phase ii', 'comparative study', 'validation study', 'evaluation study']],
  ['case_report', ['case reports']],
  ['review', ['review', 'scoping review']],
  ['expert_opinion', ['editorial', 'comment', 'letter', 'expert opinion']],
];

export function evidenceLevelFromPublicationTypes(types: string[]): EvidenceLevel {
  const lower = new Set(types.map((t) => t.toLowerCase()));
  for (const [level, names] of BY_PUBLICATION_TYPE) if (names.some((n) => lower.has(n))) return level;
  return 'other';
}


/** The level a source has by its kind alone (literature: from its publication types instead). */
export function evidenceLevelOfKind(kind: string): EvidenceLevel | null {
  return kind === 'guideline' ? 'guideline' : kind === 'textbook' ? 'textbook' : null;
}
