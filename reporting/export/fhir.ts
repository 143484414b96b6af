import type { Draft } from '../draft.schema.ts';
import { ucumOf } from './units.ts';

/**
 * FHIR R4: a collection Bundle of one DiagnosticReport (status preliminary, conclusion = impression, the plain
 * text as presentedForm, the provenance URL as identifier and extension) and one Observation per number,
 * each with its UCUM quantity and the ref it came from (Observation.derivedFrom cannot point outside FHIR, so
 * the ref goes into Observation.note and an identifier).
 */

const SYSTEM = 'urn:yingzhi';

export function toFhir(d: Draft, baseUrl = ''): Record<string, unknown> {
  const observations = d.renderedValues
    .filter((v) => v.value !== null && v.unit !== null)
    .map((v, i) => {
      const u = ucumOf(v.unit ?? '');
      return {
        fullUrl: `urn:uuid:${uuidLike(d.id, i + 1)}`,
        resource: {
          resourceType: 'Observation',
          identifier: [{ system: `${SYSTEM}:value-source`, value: v.source.ref }],
          status: 'preliminary',
          category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'imaging', display: 'Imaging' }] }],
          code: { coding: [{ system: `${SYSTEM}:report-slot`, code: v.slot }], text: v.text },
          valueQuantity: { value: v.value, unit: u.display, system: 'http://unitsofmeasure.org', code: u.code },
          note: [{ text: `${v.source.kind}: ${v.source.ref}` }],
        },
      };
    });
  const report = {
    fullUrl: `urn:uuid:${uuidLike(d.id, 0)}`,
    resource: {
      resourceType: 'DiagnosticReport',
      identifier: [{ system: `${SYSTEM}:report-draft`, value: d.id }],
      status: 'preliminary',
      category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0074', code: 'RAD', display: 'Radiology' }] }],
      code: { coding: [{ system: 'http://loinc.org', code: '18748-4', display: 'Diagnostic imaging study' }], text: '影像报告草稿' },
      issued: d.createdAt,
      result: observations.map((o) => ({ reference: o.fullUrl })),
      conclusion: [d.impression, d.followUpText].filter(Boolean).join('\n'),
      presentedForm: [{ contentType: 'text/plain; charset=utf-8', language: 'zh-CN', data: Buffer.from(d.text, 'utf8').toString('base64'), title: '影像报告草稿', url: baseUrl + d.provenanceUrl }],
      extension: [{ url: `${SYSTEM}:provenance`, valueUrl: baseUrl + d.provenanceUrl }],
    },
  };
  return { resourceType: 'Bundle', type: 'collection', timestamp: d.createdAt, entry: [report, ...observations] };
}

/** A stable UUID-shaped id per (draft, entry), so the same draft exports the same bundle. */
function uuidLike(id: string, n: number): string {
  let h = 0x811c9dc5;
  const hex: string[] = [];
  for (let round = 0; round < 4; round++) {
    for (const ch of `${id}#${n}#${round}`) h = Math.imul(h ^ ch.charCodeAt(0), 0x01000193) >>> 0;
    hex.push(h.toString(16).padStart(8, '0'));
  }
  const s = hex.join('');
  return `${s.slice(0, 8)}-${s.slice(8, 12)}-4${s.slice(13, 16)}-8${s.slice(17, 20)}-${s.slice(20, 32)}`;
}
