import { z } from 'zod';

/**
 * Evidence levels for every source, strongest first. Literature gets its level from PubMed
 * publication types; guidelines and textbooks from their kind. Search and chat show it, and a
 * reviewer weighs a triple from a meta-analysis differently from one from a case report.
 */
export const EVIDENCE_LEVELS = [
  'guideline', 'systematic_review', 'meta_analysis', 'rct', 'cohort', 'case_control', 'case_series', 'case_report', 'review', 'textbook', 'expert_opinion', 'other',
] as const;
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

export const EVIDENCE_LEVEL_LABELS: Record<EvidenceLevel, { zh: string; en: string }> = {
  guideline: { zh: '指南/共识', en: 'Guideline / consensus' },
  systematic_review: { zh: '系统评价', en: 'Systematic review' },
  meta_analysis: { zh: 'Meta 分析', en: 'Meta-analysis' },
  rct: { zh: '随机对照试验', en: 'Randomised controlled trial' },
  cohort: { zh: '队列/观察性研究', en: 'Cohort / observational study' },
  case_control: { zh: '病例对照研究', en: 'Case-control study' },
  case_series: { zh: '病例系列', en: 'Case series' },
  case_report: { zh: '病例报告', en: 'Case report' },
  review: { zh: '综述', en: 'Narrative review' },
  textbook: { zh: '教科书', en: 'Textbook' },
  expert_opinion: { zh: '专家意见/评论', en: 'Expert opinion / comment' },
  other: { zh: '其他', en: 'Other' },
};

/** The level a source has by its kind alone (literature: from its publication types instead). */
export function evidenceLevelOfKind(kind: string): EvidenceLevel | null {
  return kind === 'guideline' ? 'guideline' : kind === 'textbook' ? 'textbook' : null;
}
