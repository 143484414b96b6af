import { SaxesParser } from 'saxes';
import { AppError } from '../../core/index.ts';
import { type ExportRow, figureCaption, withRegionMark } from './figure.ts';
import { type ItemRow, LABELS, parseRow, type RowError } from './item-row.ts';

const cdata = (s: string) => `<![CDATA[${s.replaceAll(']]>', ']]]]><![CDATA[>')}]]>`;
const attr = (s: string) => s.replace(/[<>&"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;' })[c] as string);
const html = (s: string) => s.replace(/[<>&]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;' })[c] as string).replace(/\n/g, '<br/>');

/** Moodle's fraction for one of `n` keyed options of a multiple-response item (its accepted percentages). */
const FRACTIONS = ['100', '50', '33.33333', '25', '20', '16.66667', '14.28571', '12.5'];
const fraction = (n: number) => FRACTIONS[n - 1];

/**
 * Moodle XML (quiz format): one `multichoice` question per item, feedback = explanation, tags = knowledge points.
 * An image-reading item's figure travels inside the question as Moodle stores files: a base64 `<file>` in the
 * question text, shown by an `<img src="@@PLUGINFILE@@/name">` (region mark drawn in, caption under it).
 */
export function exportMoodleXml(rows: ExportRow[], names: (tag: string) => string = (t) => t): string {
  const out = ['<?xml version="1.0" encoding="UTF-8"?>', '<quiz>'];
  rows.forEach((r, i) => {
    const single = r.type === 'single';
    out.push(`  <question type="multichoice">`);
    out.push(`    <name><text>${cdata(`YZ-${String(i + 1).padStart(4, '0')} ${r.stem.slice(0, 40)}`)}</text></name>`);
    if (r.figure) {
      const f = withRegionMark(r.figure);
      const img = `<p><img src="@@PLUGINFILE@@/${attr(f.name)}" alt="${attr(figureCaption(f))}" width="${f.width}" height="${f.height}"/></p><p>${html(figureCaption(f))}</p>`;
      out.push(`    <questiontext format="html"><text>${cdata(`<p>${html(r.stem)}</p>${img}`)}</text>`);
      out.push(`      <file name="${attr(f.name)}" path="/" encoding="base64">${f.bytes.toString('base64')}</file>`);
      out.push('    </questiontext>');
    } else out.push(`    <questiontext format="html"><text>${cdata(html(r.stem))}</text></questiontext>`);
    out.push(`    <generalfeedback format="html"><text>${cdata(html(r.explanation))}</text></generalfeedback>`);
    out.push('    <defaultgrade>1</defaultgrade>', '    <penalty>0</penalty>', '    <hidden>0</hidden>');
    out.push(`    <single>${single ? 'true' : 'false'}</single>`, '    <shuffleanswers>true</shuffleanswers>', '    <answernumbering>ABCD</answernumbering>');
    r.options.forEach((text, k) => {
      const keyed = r.key.includes(LABELS[k]);
      const f = keyed ? fraction(r.key.length) : single ? '0' : '-100';
      out.push(`    <answer fraction="${f}" format="html"><text>${cdata(html(text))}</text></answer>`);
    });
    out.push(`    <tags>${r.tags.map((t) => `<tag><text>${cdata(names(t))}</text></tag>`).join('')}<tag><text>${attr(`yz-level-${r.level}`)}</text></tag></tags>`);
    out.push('  </question>');
  });
  out.push('</quiz>', '');
  return out.join('\n');
}

const unhtml = (s: string) => s.replace(/<br\s*\/?>/gi, '\n').replace(/<[^>]+>/g, '').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&').trim();

/**
 * Read Moodle XML multichoice questions (other question types are row errors). Malformed XML is refused
 * as a whole, naming the line; never evaluated, entities not expanded (saxes has no DTD support).
 */
export function parseMoodleXml(xml: string): { rows: ItemRow[]; numbers: number[]; errors: RowError[] } {
  type Q = { type: string; stem: string; feedback: string; single: string; answers: { fraction: number; text: string }[]; tags: string[] };
  const questions: Q[] = [];
  let cur: Q | null = null;
  const path: string[] = [];
  let text = '';
  let fractionAttr = 0;
  const parser = new SaxesParser();
  parser.on('opentag', (t) => {
    path.push(t.name);
    text = '';
    if (t.name === 'question') cur = { type: String(t.attributes.type ?? ''), stem: '', feedback: '', single: 'true', answers: [], tags: [] };
    if (t.name === 'answer') fractionAttr = Number(t.attributes.fraction ?? 0);
  });
  parser.on('text', (t) => {
    text += t;
  });
  parser.on('cdata', (t) => {
    text += t;
  });
  parser.on('closetag', (t) => {
    const parent = path[path.length - 2];
    const q = cur as Q | null;
    if (q && t.name === 'text') {
      if (parent === 'questiontext') q.stem = unhtml(text);
      else if (parent === 'generalfeedback') q.feedback = unhtml(text);
      else if (parent === 'answer') q.answers.push({ fraction: fractionAttr, text: unhtml(text) });
      else if (parent === 'tag') q.tags.push(text.trim());
    }
    if (q && t.name === 'single') q.single = text.trim();
    if (t.name === 'question' && q) {
      questions.push(q);
      cur = null;
    }
    path.pop();
    text = '';
  });
  try {
    parser.write(xml).close();
  } catch (e) {
    throw new AppError('IMPORT_INVALID', `Moodle XML 格式错误 / malformed Moodle XML: ${(e as Error).message}`, { field: 'file' });
  }
  if (!questions.length) throw new AppError('IMPORT_INVALID', '文件中没有 <question> / no questions in the file', { field: 'file' });
  const rows: ItemRow[] = [];
  const numbers: number[] = [];
  const errors: RowError[] = [];
  questions.forEach((q, i) => {
    if (q.type === 'category') return;
    if (q.type !== 'multichoice') {
      errors.push({ row: i + 1, field: 'type', message: `不支持的题型 ${q.type || '(无)'}，只导入 multichoice` });
      return;
    }
    const level = q.tags.find((t) => t.startsWith('yz-level-'))?.slice(9);
    const parsed = parseRow({
      type: q.single === 'false' ? 'multiple' : 'single',
      stem: q.stem,
      options: q.answers.map((a) => a.text),
      key: q.answers.flatMap((a, k) => (a.fraction > 0 ? [LABELS[k]] : [])),
      explanation: q.feedback,
      tags: q.tags.filter((t) => !t.startsWith('yz-level-')),
      level,
    }, i + 1);
    if (parsed.row) {
      rows.push(parsed.row);
      numbers.push(i + 1);
    }
    errors.push(...parsed.errors);
  });
  return { rows, numbers, errors };
}
