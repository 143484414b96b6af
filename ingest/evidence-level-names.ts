// No imports: the UI bundles these names too (source edit form, badges).

/**
 * Evidence levels for every source, strongest first. Literature gets its level from PubMed
 * publication types; guidelines and textbooks from their kind.
 */
export const EVIDENCE_LEVELS = [
  'guideline', 'systematic_review', 'meta_analysis', 'rct', 'cohort', 'case_control', 'case_series', 'case_report', 'review', 'textbook', 'expert_opinion', 'other',
] as const;

export const EVIDENCE_LEVEL_LABELS: Record<(typeof EVIDENCE_LEVELS)[number], { zh: string; en: string }> = {
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
