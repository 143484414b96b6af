import type { Draft } from '../draft.schema.ts';
import { ucumOf } from './units.ts';

/**
 * HL7 v2.5.1 ORU^R01 for RIS: OBR for the report, OBX TX for findings / impression / follow-up, OBX NM for each
 * number with its UCUM unit and its source ref, OBX RP for the provenance URL. Written here (a few lines of
 * ER7 with escaping) rather than with a library: the maintained npm HL7 packages are MLLP clients or parsers;
 * the round trip is checked by parseHl7 below, which the tests and `toHl7` itself use.
 */

const FS = '|';
export const ENCODING = '^~\\&';

/** ER7 escaping (HL7 v2 §2.7): \ | ^ & ~ and line breaks. */
export function hl7Escape(s: string): string {
  return s.replace(/\\/g, '\\E\\').replace(/\|/g, '\\F\\').replace(/\^/g, '\\S\\').replace(/&/g, '\\T\\').replace(/~/g, '\\R\\').replace(/\r?\n/g, '\\.br\\');
}

export function hl7Unescape(s: string): string {
  return s.replace(/\\(E|F|S|T|R|\.br)\\/g, (_, c: string) => ({ E: '\\', F: '|', S: '^', T: '&', R: '~', '.br': '\n' })[c] ?? '');
}

const ts = (iso: string) => iso.replace(/[-:T]/g, '').replace(/\..*$/, '').replace(/Z$/, '');

export function toHl7(d: Draft, baseUrl = ''): string {
  const segs: string[][] = [];
  segs.push(['MSH', ENCODING, 'YINGZHI', 'RADIOLOGY', 'RIS', 'HOSPITAL', ts(d.createdAt), '', 'ORU^R01^ORU_R01', d.id, 'P', '2.5.1', '', '', '', '', '', 'UNICODE UTF-8']);
  segs.push(['OBR', '1', '', hl7Escape(d.id), '18748-4^Diagnostic imaging study^LN', '', '', ts(d.createdAt), '', '', '', '', '', '', '', '', '', '', '', '', '', '', '', '', '', 'P']);
  let n = 0;
  const obx = (type: string, code: string, value: string, unit = '') => segs.push(['OBX', String(++n), type, code, '', value, unit, '', '', '', '', 'P']);
  obx('TX', '59776-5^Procedure findings^LN', hl7Escape(d.findings));
  obx('TX', '19005-8^Radiology Imaging study [Impression]^LN', hl7Escape(d.impression));
  if (d.followUpText) obx('TX', '18783-1^Radiology Study recommendation^LN', hl7Escape(d.followUpText));
  for (const v of d.renderedValues) {
    if (v.value === null || v.unit === null) continue;
    const u = ucumOf(v.unit);
    obx('NM', `${hl7Escape(v.slot)}^${hl7Escape(v.source.ref)}^L`, String(v.value), `${hl7Escape(u.code)}^${hl7Escape(v.unit)}^UCUM`);
  }
  obx('RP', 'PROVENANCE^YingZhi draft provenance^L', `${hl7Escape(baseUrl + d.provenanceUrl)}^^TEXT`);
  return segs.map((s) => s.join(FS)).join('\r');
}

export interface Hl7Segment {
  name: string;
  /** Fields by HL7 position (MSH-1 is the field separator, so MSH fields line up with the standard's numbering). */
  fields: string[];
}

/** Parse ER7 back into segments and unescaped fields; throws naming the first structural problem. */
export function parseHl7(msg: string): Hl7Segment[] {
  if (!msg.startsWith(`MSH${FS}${ENCODING}${FS}`)) throw new Error('HL7: message must start with MSH|^~\\&|');
  return msg.split('\r').map((line, i) => {
    if (!/^[A-Z][A-Z0-9]{2}\|/.test(line)) throw new Error(`HL7: segment ${i + 1} has no segment name`);
    const parts = line.split(FS);
    const name = parts[0];
    const fields = name === 'MSH' ? ['', FS, ...parts.slice(1)] : ['', ...parts.slice(1)];
    return { name, fields };
  });
}

/** A field's components (split on ^), unescaped. */
export const components = (field: string) => field.split('^').map(hl7Unescape);
