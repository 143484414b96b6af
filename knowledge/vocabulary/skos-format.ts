import { Parser as TurtleParser, type Quad } from 'n3';
import { RdfXmlParser } from 'rdfxml-streaming-parser';
import { type EntityType, guessEntityType } from '../../core/index.ts';
import { entityTypeOf, type ParsedTerminology, type ParseOptions, type TermRecord } from './terminology.ts';

const RDF_TYPE = 'http://www.w3.org/1999/02/22-rdf-syntax-ns#type';
const SKOS = 'http://www.w3.org/2004/02/skos/core#';
const RDFS_LABEL = 'http://www.w3.org/2000/01/rdf-schema#label';
const OWL_CLASS = 'http://www.w3.org/2002/07/owl#Class';
const DCT_TYPE = 'http://purl.org/dc/terms/type';

/** English head words for concepts that carry no type and no Chinese label. */
const EN_TYPES: Array<[RegExp, EntityType]> = [
  [/\b(?:disease|disorder|syndrome|cancer|carcinoma|tumou?r|neoplasm|\w+itis|\w+oma)\b/i, 'Disease'],
  [/\bsign\b/i, 'Sign'],
  [/\b(?:procedure|biopsy|resection|\w+ectomy|\w+plasty)\b/i, 'Procedure'],
  [/\b(?:CT|MRI|MR|ultrasound|sonography|radiograph\w*|imaging|angiography|PET)\b/, 'Exam'],
  [/\b(?:stage|grade|classification|score)\b/i, 'Stage'],
];

/**
 * SKOS vocabularies (and OWL classes labelled with rdfs:label, as RadLex is published), in Turtle or
 * RDF/XML. A concept gives prefLabel@zh / @en as names, altLabel (and further labels) as aliases, and
 * skos:notation — or its IRI's last segment (RID5352) — as code. Its type is a dcterms:type literal naming
 * an entity type, else the operator's `type`, else a guess from the label's head word.
 */
export async function parseSkos(text: string, opts: ParseOptions): Promise<ParsedTerminology> {
  const system = opts.system?.trim() || 'skos';
  const out: ParsedTerminology = { system, records: [], errors: [], warnings: [] };
  let quads: Quad[];
  try {
    quads = /^\s*(?:<\?xml|<rdf:RDF)/.test(text) ? await parseRdfXml(text) : new TurtleParser().parse(text);
  } catch (e) {
    const line = Number(/line (\d+)/i.exec((e as Error).message)?.[1] ?? 1);
    out.errors.push({ line, message: `RDF 解析失败 / RDF parse error: ${(e as Error).message}` });
    return out;
  }
  const concepts = new Map<string, { pref: Map<string, string>; alt: string[]; labels: Map<string, string>; notation?: string; type?: string; order: number }>();
  const get = (iri: string) => {
    let c = concepts.get(iri);
    if (!c) {
      c = { pref: new Map(), alt: [], labels: new Map(), order: concepts.size + 1 };
      concepts.set(iri, c);
    }
    return c;
  };
  const isConcept = new Set(quads.filter((q) => q.predicate.value === RDF_TYPE && (q.object.value === `${SKOS}Concept` || q.object.value === OWL_CLASS)).map((q) => q.subject.value));
  for (const q of quads) {
    if (!isConcept.has(q.subject.value) || q.object.termType !== 'Literal') continue;
    const c = get(q.subject.value);
    const lang = (q.object as { language?: string }).language?.toLowerCase() ?? '';
    const value = q.object.value.trim();
    if (!value) continue;
    const p = q.predicate.value;
    if (p === `${SKOS}prefLabel` && !c.pref.has(lang)) c.pref.set(lang, value);
    else if (p === `${SKOS}altLabel` || p === `${SKOS}hiddenLabel`) c.alt.push(value);
    else if (p === RDFS_LABEL && !c.labels.has(lang)) c.labels.set(lang, value);
    else if (p === `${SKOS}notation`) c.notation = value;
    else if (p === DCT_TYPE) c.type = value;
  }
  for (const [iri, c] of concepts) {
    const pick = (m: Map<string, string>, zh: boolean) => [...m.entries()].find(([l]) => (zh ? l.startsWith('zh') : l === 'en' || l.startsWith('en-') || l === ''))?.[1];
    const nameZh = pick(c.pref, true) ?? pick(c.labels, true);
    const nameEn = pick(c.pref, false) ?? pick(c.labels, false);
    const code = c.notation ?? /[#/]([^#/]+)$/.exec(iri)?.[1];
    const explicit = entityTypeOf(c.type);
    if (c.type && !explicit) out.errors.push({ line: c.order, field: 'type', message: `${code ?? iri} 的 dcterms:type“${c.type}”不是实体类型 / unknown type` });
    const type = explicit ?? opts.type ?? guessEntityType(nameZh ?? '') ?? EN_TYPES.find(([re]) => re.test(nameEn ?? ''))?.[1] ?? 'Finding';
    const extra = [...c.labels.values(), ...c.pref.values()].filter((x) => x !== nameZh && x !== nameEn);
    const record: TermRecord = { line: c.order, system, code, type, typeGiven: !!explicit || !!opts.type, nameZh, nameEn, synonyms: [...c.alt, ...extra] };
    out.records.push(record);
  }
  return out;
}

function parseRdfXml(text: string): Promise<Quad[]> {
  return new Promise((resolve, reject) => {
    const quads: Quad[] = [];
    const parser = new RdfXmlParser();
    parser.on('data', (q: Quad) => quads.push(q));
    parser.on('error', reject);
    parser.on('end', () => resolve(quads));
    parser.write(text);
    parser.end();
  });
}
