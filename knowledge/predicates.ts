import { AppError } from '../core/index.ts';
import type { Predicate } from './model.ts';

/**
 * Domain and range of each predicate (DESIGN.md knowledge model). Approval refuses a triple whose
 * entity types do not fit, so the graph stays queryable by meaning ("signs of a disease" are Sign or
 * Finding nodes, never a drug).
 */
export const PREDICATE_TYPES: Record<Predicate, { subject: readonly string[]; object: readonly string[]; symmetric?: boolean }> = {
  // A disease may present as another named disease (烟雾病 in children 表现为短暂性脑缺血发作和脑梗死): the
  // presentation is a has_sign object; what one disease causes later is complication_of.
  has_sign: { subject: ['Disease'], object: ['Sign', 'Finding', 'Disease'] },
  suggests: { subject: ['Sign', 'Finding'], object: ['Disease'] },
  located_at: { subject: ['Disease', 'Sign', 'Finding'], object: ['Anatomy'] },
  differential_of: { subject: ['Disease', 'Sign', 'Finding'], object: ['Disease', 'Sign', 'Finding'], symmetric: true },
  treated_by: { subject: ['Disease', 'Finding'], object: ['Treatment', 'Drug', 'Procedure'] },
  staged_by: { subject: ['Disease'], object: ['Stage'] },
  // Diagnostic procedures (biopsy, endoscopy, puncture) examine too: 结肠镜检查, 骨髓穿刺.
  examined_by: { subject: ['Disease', 'Sign', 'Finding', 'Anatomy'], object: ['Modality', 'Exam', 'Procedure'] },
  complication_of: { subject: ['Disease', 'Finding'], object: ['Disease'] },
  subtype_of: { subject: ['Disease', 'Sign', 'Finding', 'Stage'], object: ['Disease', 'Sign', 'Finding', 'Stage'] },
};

export const PREDICATE_LABELS: Record<Predicate, { zh: string; en: string }> = {
  has_sign: { zh: '影像表现', en: 'has sign' },
  suggests: { zh: '提示', en: 'suggests' },
  located_at: { zh: '好发部位', en: 'located at' },
  differential_of: { zh: '鉴别诊断', en: 'differential of' },
  treated_by: { zh: '治疗', en: 'treated by' },
  staged_by: { zh: '分期', en: 'staged by' },
  examined_by: { zh: '检查方法', en: 'examined by' },
  complication_of: { zh: '并发症', en: 'complication of' },
  subtype_of: { zh: '亚型', en: 'subtype of' },
};

export function typesFit(predicate: Predicate, subjectType: string, objectType: string): boolean {
  const t = PREDICATE_TYPES[predicate];
  return t.subject.includes(subjectType) && t.object.includes(objectType);
}

/** Throw VALIDATION_FAILED naming the side whose type does not fit the predicate. */
export function assertTypesFit(predicate: Predicate, subject: { id: string; type: string }, object: { id: string; type: string }): void {
  const t = PREDICATE_TYPES[predicate];
  if (!t.subject.includes(subject.type)) {
    throw new AppError('VALIDATION_FAILED', `${predicate} 的主语应为 ${t.subject.join('/')}，而 ${subject.id} 是 ${subject.type} / subject type does not fit ${predicate}`, { field: 'subjectId' });
  }
  if (!t.object.includes(object.type)) {
    throw new AppError('VALIDATION_FAILED', `${predicate} 的宾语应为 ${t.object.join('/')}，而 ${object.id} 是 ${object.type} / object type does not fit ${predicate}`, { field: 'objectId' });
  }
}

/** Symmetric predicates are stored once, with the smaller id as subject. */
export function orient(predicate: Predicate, subjectId: string, objectId: string): [string, string] {
  return PREDICATE_TYPES[predicate].symmetric && objectId < subjectId ? [objectId, subjectId] : [subjectId, objectId];
}
