import type { DicomFile } from '../readers/dicom-dataset.ts';
import { volumeFromParsed } from '../readers/dicom-series.ts';
import { imageQuality } from './image-quality.ts';
import { evaluateRule, matchExamType, protocolRules } from './protocol-check.ts';
import type { QcResult, QcStatus } from './qc.schema.ts';
import { acquiredAt, scannerOf, seriesFacts } from './series-facts.ts';

/**
 * Check one series: the protocol rules of its exam type against its DICOM header, and image quality from
 * its pixels; combined into a 0–100 score (penalties per fail / warn / flag, from the rules file) and an
 * overall status. A series no exam type matches is a warning ("irregular protocol, collected for review").
 */
export function checkSeries(seriesUid: string, files: DicomFile[], timeZone: string): QcResult {
  const rules = protocolRules();
  const v = volumeFromParsed(seriesUid, files);
  const ds = files[0].ds;
  const facts = seriesFacts(ds, v);
  const exam = matchExamType(facts, rules);
  const ruleResults = exam ? exam.rules.map((r) => evaluateRule(r, facts)) : [];
  const iq = imageQuality(v, exam);
  const warnings = [...v.warnings];
  if (!exam) warnings.push(`没有匹配的检查协议（${facts.protocolName ?? facts.seriesDescription ?? '无描述'}），请核对并归集 / no protocol rule set matches this series (${facts.protocolName ?? facts.seriesDescription ?? 'no description'}): irregular protocol collected for review`);
  const all = [...ruleResults, ...iq.checks];
  const fails = all.filter((r) => r.status === 'fail').length;
  const warns = all.filter((r) => r.status === 'warn').length + (exam ? 0 : 1);
  const flags = Number(iq.truncation.flagged) + Number(iq.motion.flagged);
  const s = rules.score;
  const score = Math.max(0, Math.min(100, 100 - fails * s.failPenalty - warns * s.warnPenalty - flags * s.flagPenalty));
  const status: QcStatus = fails > 0 || score < s.failBelow ? 'fail' : warns > 0 || flags > 0 || score < s.warnBelow ? 'warn' : 'pass';
  return {
    seriesUid,
    studyUid: ds.string('x0020000d')?.trim() || null,
    modality: v.modality,
    examType: exam ? { id: exam.id, name: exam.name } : null,
    protocolName: (facts.protocolName as string | null) ?? null,
    seriesDescription: (facts.seriesDescription as string | null) ?? null,
    scanner: scannerOf(facts),
    acquiredAt: acquiredAt(facts, timeZone),
    facts,
    rules: ruleResults,
    imageQuality: iq,
    score,
    status,
    rulesVersion: rules.version,
    warnings,
  };
}
