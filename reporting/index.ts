/**
 * Reporting capability (issue 17): report drafts from measurements, imaging-AI findings or typed values.
 *
 *  - Templates are versioned data (reporting/templates/*.yaml), rendered by a deterministic engine into standard
 *    Chinese findings / impression text; lung nodule follow-up comes from rules as data that cite their source
 *    (reporting/followup-rules.yaml → the demo guideline's tables 10-1 / 10-2).
 *  - An optional LLM rewrite into the department's style is held by the numeric / laterality / segment guard:
 *    a value not in the inputs rejects it, the template text stays and the reason is shown.
 *  - Drafts are stored with their inputs, template version, engine and measurement / AI ids (migration 053) and
 *    exported as plain text, FHIR R4 (DiagnosticReport + Observations) and HL7 v2.5.1 ORU^R01.
 *  - Report QC (rules, no model): left/right and size consistency, anatomy, non-standard terms, typos, required items.
 */

export { type Draft, type DraftRequest, DraftRequestSchema, type DraftRevision, DraftRevisionSchema, DraftSchema, type DraftSummary, DraftSummarySchema } from './draft.schema.ts';
export { draftText, renderDraft, type TemplateDraft } from './engine.ts';
export { toFhir } from './export/fhir.ts';
export { components, hl7Escape, hl7Unescape, parseHl7, toHl7 } from './export/hl7.ts';
export { citationText, type FollowUp, followUpFor, followUpRules } from './followup.ts';
export { type GuardIssue, type GuardResult, guard, locationsOf, numbersOf, sidesOf } from './guard.ts';
export { type ResolvedValues, valuesFromAi, valuesFromMeasurement } from './inputs.ts';
export { PUSH_JOB, type PushTargets, pushBody, ReportOutbox } from './push/outbox.ts';
export { PUSH_FORMATS, type Push, type PushFormat, type PushRequest, PushRequestSchema, PushSchema, type PushTarget, PushTargetSchema } from './push/push.schema.ts';
export { assertReportText, MAX_REPORT_CHARS, type QcFlag, QcFlagSchema, type QcResult, QcResultSchema, ReportQc } from './qc/qc.ts';
export { type SecondOpinion, type SecondOpinionFlag, SecondOpinionSchema } from './qc/second-opinion.ts';
export { EXPORT_FORMATS, type ExportFormat, Reporting, type ReportingDeps } from './reporting.service.ts';
export { DEFAULT_STYLE, type RewriteOutcome, rewriteDraft } from './rewrite.ts';
export { type ReportFinding, ReportFindingSchema, ReportStructurer, STRUCTURE_VERSION, type StructuredReport, StructuredReportSchema } from './structure/structure.ts';
export { type Template, TemplateSchema, type TemplateSummary, TemplateSummarySchema, templates } from './templates.ts';
export { FINDING_TYPES, type FindingType, NODE_TYPES, type NodeType, parseReportValues, type RenderedValue, RenderedValueSchema, type ReportValues, ReportValuesSchema, type ValueSource } from './values.schema.ts';
