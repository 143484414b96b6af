import JSZip from 'jszip';
import { SaxesParser, type SaxesTagPlain } from 'saxes';

/** One problem found in an export, naming the file, the element (a path from the root) and what is wrong. */
export interface ExportProblem {
  file: string;
  element: string;
  message: string;
}

interface Node {
  name: string;
  attrs: Record<string, string>;
  children: Node[];
  text: string;
  path: string;
}

/** The document as a small tree (no DTDs, no entities: saxes expands none). Malformed XML is one problem. */
function tree(xml: string, file: string, problems: ExportProblem[]): Node | null {
  const root: Node = { name: '#document', attrs: {}, children: [], text: '', path: '' };
  const stack: Node[] = [root];
  const p = new SaxesParser({ xmlns: false });
  p.on('opentag', (t: SaxesTagPlain) => {
    const parent = stack[stack.length - 1];
    const node: Node = { name: t.name, attrs: t.attributes as Record<string, string>, children: [], text: '', path: `${parent.path}/${t.name}` };
    parent.children.push(node);
    stack.push(node);
  });
  p.on('text', (s) => { stack[stack.length - 1].text += s; });
  p.on('cdata', (s) => { stack[stack.length - 1].text += s; });
  p.on('closetag', () => { stack.pop(); });
  try {
    p.write(xml).close();
  } catch (e) {
    problems.push({ file, element: '(document)', message: `not well-formed XML: ${(e as Error).message}` });
    return null;
  }
  return root.children[0] ?? null;
}

const kids = (n: Node, name: string) => n.children.filter((c) => c.name === name);
const one = (n: Node, name: string) => kids(n, name)[0];

/** Children in the order a schema's xs:sequence requires: each name's elements may repeat but may not come back later. */
function checkOrder(n: Node, order: readonly string[], file: string, problems: ExportProblem[]) {
  let at = 0;
  for (const c of n.children) {
    const i = order.indexOf(c.name);
    if (i < 0) problems.push({ file, element: c.path, message: `<${c.name}> is not allowed in <${n.name}> (allowed: ${order.join(', ')})` });
    else if (i < at) problems.push({ file, element: c.path, message: `<${c.name}> must come before <${order[at]}> in <${n.name}>` });
    else at = i;
  }
}

function requireAttrs(n: Node, names: readonly string[], file: string, problems: ExportProblem[]) {
  for (const a of names) if (!n.attrs[a]) problems.push({ file, element: n.path, message: `<${n.name}> lacks the required attribute ${a}` });
}

const QTI21 = 'http://www.imsglobal.org/xsd/imsqti_v2p1';
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_.-]*$/;
/** QTI 2.1 itemBody content this exporter writes (block content of the XHTML profile). */
const BLOCKS = ['p', 'div', 'choiceInteraction'];

/**
 * The rules of the QTI 2.1 assessmentItem (imsqti_v2p1: element order, required attributes, identifier syntax,
 * cardinality and baseType values, choice identifiers unique and keyed values among them, images with src and alt)
 * for the constructs this exporter writes. Not the IMS XSD itself (no registry this project can reach ships it):
 * a structural check written from the specification, so an export that breaks any of these is refused.
 */
export function validateQtiItem(xml: string, file: string): ExportProblem[] {
  const problems: ExportProblem[] = [];
  const item = tree(xml, file, problems);
  if (!item) return problems;
  if (item.name !== 'assessmentItem') return [{ file, element: item.path, message: `root must be <assessmentItem>, not <${item.name}>` }];
  if (item.attrs.xmlns !== QTI21) problems.push({ file, element: item.path, message: `namespace must be ${QTI21}` });
  requireAttrs(item, ['identifier', 'title', 'adaptive', 'timeDependent'], file, problems);
  for (const a of ['adaptive', 'timeDependent']) if (item.attrs[a] && !['true', 'false'].includes(item.attrs[a])) problems.push({ file, element: item.path, message: `${a} must be true or false` });
  if (item.attrs.identifier && !IDENTIFIER.test(item.attrs.identifier)) problems.push({ file, element: item.path, message: `identifier "${item.attrs.identifier}" is not a QTI identifier` });
  checkOrder(item, ['responseDeclaration', 'outcomeDeclaration', 'templateDeclaration', 'templateProcessing', 'stylesheet', 'itemBody', 'responseProcessing', 'modalFeedback'], file, problems);
  const responses = new Map<string, Node>();
  for (const d of [...kids(item, 'responseDeclaration'), ...kids(item, 'outcomeDeclaration')]) {
    requireAttrs(d, ['identifier', 'cardinality'], file, problems);
    if (!['single', 'multiple', 'ordered', 'record'].includes(d.attrs.cardinality ?? '')) problems.push({ file, element: d.path, message: `cardinality "${d.attrs.cardinality}" is not single|multiple|ordered|record` });
    if (d.attrs.baseType && !['identifier', 'boolean', 'integer', 'float', 'string', 'point', 'pair', 'directedPair', 'duration', 'file', 'uri'].includes(d.attrs.baseType)) problems.push({ file, element: d.path, message: `baseType "${d.attrs.baseType}" is not a QTI base type` });
    if (d.name === 'responseDeclaration') responses.set(d.attrs.identifier, d);
  }
  const body = one(item, 'itemBody');
  if (!body) problems.push({ file, element: item.path, message: '<assessmentItem> needs an <itemBody>' });
  else {
    for (const c of body.children) if (!BLOCKS.includes(c.name)) problems.push({ file, element: c.path, message: `<${c.name}> is not block content of <itemBody>` });
    for (const img of body.children.flatMap((c) => kids(c, 'img'))) requireAttrs(img, ['src', 'alt'], file, problems);
    for (const ci of kids(body, 'choiceInteraction')) {
      requireAttrs(ci, ['responseIdentifier', 'maxChoices'], file, problems);
      const decl = responses.get(ci.attrs.responseIdentifier);
      if (!decl) problems.push({ file, element: ci.path, message: `responseIdentifier "${ci.attrs.responseIdentifier}" names no responseDeclaration` });
      checkOrder(ci, ['prompt', 'simpleChoice'], file, problems);
      const ids = kids(ci, 'simpleChoice').map((c) => {
        requireAttrs(c, ['identifier'], file, problems);
        return c.attrs.identifier;
      });
      if (ids.length < 1) problems.push({ file, element: ci.path, message: '<choiceInteraction> needs at least one <simpleChoice>' });
      if (new Set(ids).size !== ids.length) problems.push({ file, element: ci.path, message: 'simpleChoice identifiers are not unique' });
      const correct = decl ? one(decl, 'correctResponse') : undefined;
      for (const v of correct ? kids(correct, 'value') : []) if (!ids.includes(v.text.trim())) problems.push({ file, element: v.path, message: `correct value "${v.text.trim()}" is not a simpleChoice identifier` });
      const max = Number(ci.attrs.maxChoices);
      if (decl?.attrs.cardinality === 'single' && max !== 1) problems.push({ file, element: ci.path, message: 'a single-cardinality response needs maxChoices="1"' });
    }
  }
  const rp = one(item, 'responseProcessing');
  if (rp && !rp.attrs.template && !rp.children.length) problems.push({ file, element: rp.path, message: '<responseProcessing> needs a template or rules' });
  for (const f of kids(item, 'modalFeedback')) requireAttrs(f, ['outcomeIdentifier', 'showHide', 'identifier'], file, problems);
  return problems;
}

/**
 * A QTI 2.1 content package: imsmanifest.xml (IMS CP 1.1) whose every resource names an item file that exists
 * and validates, and whose every file — images included — is in the zip; every image an item shows is a file of
 * that item's resource. Problems name the file and element.
 */
export async function validateQtiPackage(zipBytes: Buffer): Promise<ExportProblem[]> {
  const zip = await JSZip.loadAsync(zipBytes);
  const problems: ExportProblem[] = [];
  const manifestXml = await zip.file('imsmanifest.xml')?.async('string');
  if (!manifestXml) return [{ file: 'imsmanifest.xml', element: '(file)', message: 'the package has no imsmanifest.xml' }];
  const manifest = tree(manifestXml, 'imsmanifest.xml', problems);
  if (!manifest) return problems;
  if (manifest.name !== 'manifest' || manifest.attrs.xmlns !== 'http://www.imsglobal.org/xsd/imscp_v1p1') problems.push({ file: 'imsmanifest.xml', element: manifest.path, message: 'root must be <manifest> in the IMS CP 1.1 namespace' });
  requireAttrs(manifest, ['identifier'], 'imsmanifest.xml', problems);
  checkOrder(manifest, ['metadata', 'organizations', 'resources'], 'imsmanifest.xml', problems);
  if (!one(manifest, 'organizations')) problems.push({ file: 'imsmanifest.xml', element: manifest.path, message: '<manifest> needs <organizations>' });
  const resources = one(manifest, 'resources');
  if (!resources) return [...problems, { file: 'imsmanifest.xml', element: manifest.path, message: '<manifest> needs <resources>' }];
  for (const r of kids(resources, 'resource')) {
    requireAttrs(r, ['identifier', 'type'], 'imsmanifest.xml', problems);
    const files = kids(r, 'file').map((f) => f.attrs.href);
    for (const href of files) if (!href || !zip.file(href)) problems.push({ file: 'imsmanifest.xml', element: r.path, message: `resource ${r.attrs.identifier} lists ${href ?? '(no href)'}, which is not in the package` });
    if (r.attrs.type !== 'imsqti_item_xmlv2p1') continue;
    const xml = r.attrs.href ? await zip.file(r.attrs.href)?.async('string') : undefined;
    if (!xml) {
      problems.push({ file: 'imsmanifest.xml', element: r.path, message: `resource ${r.attrs.identifier}: item file ${r.attrs.href} is missing` });
      continue;
    }
    problems.push(...validateQtiItem(xml, r.attrs.href));
    const dir = r.attrs.href.includes('/') ? r.attrs.href.slice(0, r.attrs.href.lastIndexOf('/') + 1) : '';
    for (const src of [...xml.matchAll(/<img\b[^>]*\bsrc="([^"]+)"/g)].map((m) => m[1])) {
      const target = new URL(src, `file:///${dir}`).pathname.slice(1);
      if (!zip.file(target)) problems.push({ file: r.attrs.href, element: '/assessmentItem/itemBody/p/img', message: `image ${src} is not in the package` });
      else if (!files.includes(target)) problems.push({ file: 'imsmanifest.xml', element: r.path, message: `resource ${r.attrs.identifier} shows ${target} but does not list it as a file` });
    }
  }
  return problems;
}

/** Grades Moodle's question editor offers (qformat_xml imports only these, in per cent). */
const MOODLE_FRACTIONS = [100, 90, 83.33333, 80, 75, 70, 66.66667, 60, 50, 40, 33.33333, 30, 25, 20, 16.66667, 14.28571, 12.5, 11.11111, 10, 5, 0];
const isMoodleFraction = (f: number) => MOODLE_FRACTIONS.some((x) => Math.abs(Math.abs(f) - x) < 0.001);

/**
 * Moodle XML quiz format as Moodle's importer (qformat_xml) reads a multichoice question: <quiz> of <question>
 * elements; name/text, questiontext with format and text, single true|false, answers with a fraction Moodle offers
 * (a single-answer item needs one 100 % answer, a multiple-answer item positive fractions summing to 100 %), and
 * every @@PLUGINFILE@@ file the HTML shows embedded as a base64 <file> that decodes to a PNG or JPEG.
 * Moodle publishes no XSD for this format: this is its importer's structure, checked.
 */
export function validateMoodleXml(xml: string): ExportProblem[] {
  const file = 'quiz.xml';
  const problems: ExportProblem[] = [];
  const quiz = tree(xml, file, problems);
  if (!quiz) return problems;
  if (quiz.name !== 'quiz') return [{ file, element: quiz.path, message: `root must be <quiz>, not <${quiz.name}>` }];
  kids(quiz, 'question').forEach((q, i) => {
    const at = (n: Node) => n.path.replace('/quiz/question', `/quiz/question[${i + 1}]`);
    const where = (n: Node, message: string) => {
      problems.push({ file, element: at(n), message });
    };
    if (q.attrs.type === 'category') return;
    if (q.attrs.type !== 'multichoice') {
      where(q, `question type "${q.attrs.type}" is not multichoice`);
      return;
    }
    const name = one(q, 'name');
    if (!name || !one(name, 'text')?.text.trim()) where(q, '<question> needs <name><text>');
    const qt = one(q, 'questiontext');
    if (!qt) {
      where(q, '<question> needs <questiontext>');
      return;
    }
    if (!['html', 'moodle_auto_format', 'plain_text', 'markdown'].includes(qt.attrs.format ?? '')) where(qt, `questiontext format "${qt.attrs.format}" is not a Moodle text format`);
    const html = one(qt, 'text')?.text ?? '';
    if (!html.trim()) where(qt, '<questiontext> needs a non-empty <text>');
    const files = new Map(kids(qt, 'file').map((f) => [f.attrs.name, f]));
    for (const f of files.values()) {
      if (f.attrs.encoding !== 'base64' || !f.attrs.path) where(f, '<file> needs path and encoding="base64"');
      const bytes = Buffer.from(f.text.trim(), 'base64');
      const png = bytes.subarray(1, 4).toString('latin1') === 'PNG';
      const jpeg = bytes[0] === 0xff && bytes[1] === 0xd8;
      if (!png && !jpeg) where(f, `file ${f.attrs.name} is not a base64 PNG or JPEG`);
    }
    for (const m of html.matchAll(/@@PLUGINFILE@@\/([^"'\s>]+)/g)) if (!files.has(decodeURIComponent(m[1]))) where(qt, `the question text shows ${m[1]}, which is not embedded as a <file>`);
    const single = one(q, 'single')?.text.trim();
    if (single !== 'true' && single !== 'false') where(q, '<single> must be true or false');
    const answers = kids(q, 'answer');
    if (answers.length < 2) where(q, 'a multichoice question needs at least 2 <answer>s');
    const fractions = answers.map((a) => {
      const f = Number(a.attrs.fraction);
      if (!Number.isFinite(f) || !isMoodleFraction(f)) where(a, `fraction "${a.attrs.fraction}" is not a grade Moodle offers`);
      if (!one(a, 'text')?.text.trim()) where(a, '<answer> needs a non-empty <text>');
      return f;
    });
    const positive = fractions.filter((f) => f > 0);
    if (single === 'true' && !fractions.some((f) => Math.abs(f - 100) < 0.001)) where(q, 'a single-answer question needs one answer with fraction 100');
    const sum = positive.reduce((a, b) => a + b, 0);
    if (single === 'false' && Math.abs(sum - 100) > 0.01) where(q, `the positive fractions of a multiple-answer question sum to ${Math.round(sum * 1000) / 1000}, not 100`);
  });
  if (!kids(quiz, 'question').length) problems.push({ file, element: quiz.path, message: '<quiz> has no <question>' });
  return problems;
}
