/** Shapes of the case-matching API (see cases/match.schemas.ts). */
export interface Finding { entityId?: string | null; finding: string; location?: string | null; sizeMm?: number | null; certainty: 'present' | 'absent' | 'possible' }
export interface Measurement { lesion: string; longAxisMm?: number | null; shortAxisMm?: number | null; volumeMm3?: number | null }
export interface CaseDto {
  id: string; status: 'draft' | 'approved' | 'retired'; version: number; demo: boolean; diseaseArea: string; modality: string; bodyPart: string; title: string;
  findingsText: string; impression: string; finalDiagnosis: { name: string; entityId?: string | null; icd10?: string | null }; structuredFindings: Finding[];
  fields: Record<string, unknown>; teachingPoints: string[]; studies: Array<{ date: string; modality?: string; measurements: Measurement[] }>;
  relationIds: string[]; retiredRelationIds: string[]; approvedBy: string | null; images?: CaseImage[];
}
export interface CaseImage { id: string; mime: string; width: number; height: number; source: 'png' | 'jpeg' | 'dicom'; caption: string; bytes: number }
export interface Passage { title: string; version: string | null; year: number | null; page: number | null; quote: string }
export interface CitedFinding { entityId: string; finding: string; stated: string; graph: string; weight: number; contribution: number; relationIds: string[]; passages: Passage[] }
export interface ParsedQuery { text: string; phiReplaced: number; findings: Finding[]; contradictions: Array<{ finding: string; statements: string[] }> }
export interface SimilarHit {
  caseId: string; score: number; findingScore: number; textScore: number; vectorScore: number | null; parts: { findings: number; text: number; vector: number }; shared: Array<{ entityId: string; finding: string; certainty: string; weight: number; contribution: number }>;
  onlyQuery: string[]; onlyCase: string[]; conflicting: Array<{ finding: string; query: string; case: string }>; matchedTerms: string[]; case: CaseDto; flags: string[];
}
export interface SimilarResult {
  engine: string; query: ParsedQuery; indexed: number; hits: SimilarHit[];
  vectors: { model: string | null; used: boolean; note?: string; mix: { findings: number; text: number; vector: number } };
}
export interface CompareResult { similar: SimilarResult; differential: DifferentialResult }
export interface RankedDisease {
  entityId: string; name: string; score: number; share: number; caseSupport: { share: number; cases: Array<{ caseId: string; title: string; similarity: number }> };
  supporting: CitedFinding[]; contradicting: CitedFinding[];
}
export type Narrative =
  | { status: 'not_configured' | 'failed'; note: string }
  | { status: 'checked'; note: string; text: string; dropped: number; model: string; evidence: Array<{ n: number; kind: 'case' | 'relation'; ref: string; text: string }> };
export interface DifferentialResult {
  engine: string; note: string; query: ParsedQuery; ranked: RankedDisease[]; suggestions: Array<{ entityId: string; finding: string; advice: string; relationIds: string[] }>;
  noApprovedRelations: Array<{ name: string; entityId: string | null }>; unlinkedFindings: string[]; graph: { relations: number; diseases: number };
  narrative?: Narrative;
}
export interface Interval { from: string; to: string; days: number; longAxisChangeMm: number | null; longAxisChangePct: number | null; vdtDays: number | null; vdtMethod: string | null; vdtNote: string | null }
export interface LesionTimeline {
  lesion: string; points: Array<{ date: string; caseId?: string; modality?: string; longAxisMm: number | null; shortAxisMm: number | null; volumeMm3: number | null }>; intervals: Interval[];
  overall: Interval | null; note: string | null;
}
export interface PatientGroup { grouped: boolean; note: string; cases: Array<{ id: string; title: string; status: string; diagnosis: string; studies: Array<{ date: string; modality?: string; note?: string }> }> }
export interface TimelineDto { caseId: string; patient: PatientGroup; lesions: LesionTimeline[] }

export const STATUS_ZH: Record<string, string> = { draft: '草稿', approved: '已审核', retired: '已停用' };
export const AREA_ZH: Record<string, string> = { stroke: '脑卒中', lung_infection: '肺部感染', placenta_accreta: '胎盘植入', acute_abdomen: '急腹症', lung_nodule: '肺结节', lung_cancer: '肺癌', other: '其他' };
export const CERTAINTY_ZH: Record<string, string> = { present: '有', absent: '无', possible: '可疑' };

export const cite = (p: Passage) => `《${p.title}》${p.version ? ` ${p.version}` : ''}${p.year ? `（${p.year}）` : ''}${p.page ? ` 第${p.page}页` : ''}`;
