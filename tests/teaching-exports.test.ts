import { readFileSync } from 'node:fs';
import path from 'node:path';
import JSZip from 'jszip';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import {
  type ExportFigure, type ExportRow, exportDocxPaper, exportMoodleXml, exportQtiPackage, validateMoodleXml, validateQtiItem, validateQtiPackage,
} from '../teaching/index.ts';

/**
 * Exports another system reads (issue 15 scope 6): image-reading items carry their figure — Moodle as a base64
 * <file> in the question, QTI as a packaged image listed in the manifest, Word as an embedded picture — and the
 * Moodle and QTI files pass their format's structure check, which is shown to reject broken files by element.
 */
const png = readFileSync(path.resolve(import.meta.dirname, '../demo/figures/synthetic-chest-ct-lung-window.png'));
const figure: ExportFigure = { name: 'fig_demo1.png', mime: 'image/png', bytes: png, width: 480, height: 384, synthetic: true, region: { x: 0.3, y: 0.42, r: 0.06 } };
const rows: ExportRow[] = [
  { type: 'single', stem: '图中圆圈所示结节最可能的密度类型是：', options: ['部分实性结节', '纯磨玻璃结节', '钙化结节'], key: ['A'], explanation: '合成示意图。', tags: [], level: 'medium', figure },
  { type: 'multiple', stem: '肺癌的影像表现包括（多选）：', options: ['分叶征', '毛刺征', '爆米花样钙化', '胸膜凹陷征'], key: ['A', 'B', 'D'], explanation: '依据：《合成指南》2025版 第3页。', tags: [], level: 'hard' },
  { type: 'multiple', stem: '六个正确答案的多选题（测试分值）：', options: ['甲', '乙', '丙', '丁', '戊', '己', '庚'], key: ['A', 'B', 'C', 'D', 'E', 'F'], explanation: '', tags: [], level: 'easy' },
];

describe('figures travel with image-reading items', () => {
  it('Moodle XML: the figure is a base64 <file> in the question text, shown by @@PLUGINFILE@@, region drawn in; the file passes the structure check', () => {
    const xml = exportMoodleXml(rows);
    expect(validateMoodleXml(xml)).toEqual([]);
    expect(xml).toContain('<img src="@@PLUGINFILE@@/fig_demo1.png"');
    const b64 = /<file name="fig_demo1.png" path="\/" encoding="base64">([^<]+)<\/file>/.exec(xml)?.[1] as string;
    const embedded = PNG.sync.read(Buffer.from(b64, 'base64'));
    expect([embedded.width, embedded.height]).toEqual([480, 384]);
    // The region mark is drawn: a pixel on the ring (radius 0.06 × 480 px right of the centre) is the mark's yellow.
    const o = (Math.round(0.42 * 384) * 480 + Math.round(0.3 * 480 + 0.06 * 480)) * 4;
    expect([...embedded.data.subarray(o, o + 3)]).toEqual([255, 213, 79]);
    expect(xml).toContain('合成示意图，非真实患者影像');
    // Six keyed options: each worth 16.66667 % (a grade Moodle offers; the sum is 100).
    expect(xml.match(/fraction="16.66667"/g)?.length).toBe(6);
  });

  it('QTI 2.1: the image is packaged once, shown by the item and listed in its manifest resource; the package passes the structure check', async () => {
    const bytes = await exportQtiPackage(rows);
    expect(await validateQtiPackage(bytes)).toEqual([]);
    const zip = await JSZip.loadAsync(bytes);
    expect(zip.file('images/fig_demo1.png')).not.toBeNull();
    const manifest = (await zip.file('imsmanifest.xml')?.async('string')) as string;
    expect(manifest).toContain('<resource identifier="YZ0001" type="imsqti_item_xmlv2p1" href="items/YZ0001.xml"><file href="items/YZ0001.xml"/><file href="images/fig_demo1.png"/></resource>');
    const item = (await zip.file('items/YZ0001.xml')?.async('string')) as string;
    expect(item).toMatch(/<itemBody>\s*<p><img src="\.\.\/images\/fig_demo1\.png" alt="[^"]+" width="480" height="384"\/><\/p>/);
    expect(await zip.file('items/YZ0002.xml')?.async('string')).not.toContain('<img');
  });

  it('Word: the figure is an embedded picture with its caption under the stem', async () => {
    const zip = await JSZip.loadAsync(await exportDocxPaper(rows));
    const media = Object.keys(zip.files).filter((f) => f.startsWith('word/media/'));
    expect(media.length).toBe(1);
    const pic = PNG.sync.read(await zip.file(media[0])?.async('nodebuffer') as Buffer);
    expect(pic.width).toBe(480);
    const doc = (await zip.file('word/document.xml')?.async('string')) as string;
    expect(doc).toContain('<pic:pic');
    expect(doc.indexOf('图中圆圈所示结节')).toBeLessThan(doc.indexOf('<pic:pic'));
    expect(doc.indexOf('<pic:pic')).toBeLessThan(doc.indexOf('A. 部分实性结节'));
    expect(doc).toContain('圆圈所示区域（中心位于图宽 30%、图高 42% 处）');
  });
});

describe('the structure checks are not a rubber stamp', () => {
  const good = exportMoodleXml(rows.slice(0, 2));
  it('Moodle: each broken file is rejected naming the element', () => {
    const broken = (from: string, to: string) => validateMoodleXml(good.replace(from, to));
    expect(broken('<single>true</single>', '<single>yes</single>')).toEqual([expect.objectContaining({ element: '/quiz/question[1]', message: '<single> must be true or false' })]);
    expect(broken('fraction="100"', 'fraction="97"')[0]).toMatchObject({ element: '/quiz/question[1]/answer', message: expect.stringContaining('fraction "97"') });
    expect(broken('fraction="33.33333"', 'fraction="50"').map((p) => p.message)).toContain('the positive fractions of a multiple-answer question sum to 116.667, not 100');
    expect(broken('<file name="fig_demo1.png"', '<file name="other.png"')[0]).toMatchObject({ element: '/quiz/question[1]/questiontext', message: expect.stringContaining('fig_demo1.png, which is not embedded') });
    expect(broken('encoding="base64">', 'encoding="base64">PHN2Zy8+')[0].message).toContain('not a base64 PNG or JPEG');
    expect(broken('<question type="multichoice">', '<question type="essay">')[0].message).toContain('not multichoice');
    expect(validateMoodleXml('<quiz><question type="multichoice">')[0].message).toContain('not well-formed');
  });

  it('QTI: each broken item or package is rejected naming the file and element', async () => {
    const zip = await JSZip.loadAsync(await exportQtiPackage(rows));
    const item = (await zip.file('items/YZ0002.xml')?.async('string')) as string;
    const bad = (from: string | RegExp, to: string) => validateQtiItem(item.replace(from, to), 'items/YZ0002.xml');
    expect(bad('<value>D</value>', '<value>Z</value>')[0]).toMatchObject({ element: '/assessmentItem/responseDeclaration/correctResponse/value', message: 'correct value "Z" is not a simpleChoice identifier' });
    expect(bad(' adaptive="false"', '')[0]).toMatchObject({ element: '/assessmentItem', message: '<assessmentItem> lacks the required attribute adaptive' });
    expect(bad('cardinality="multiple"', 'cardinality="many"')[0].message).toContain('cardinality "many"');
    expect(bad('identifier="YZ0002"', 'identifier="2 bad"')[0].message).toContain('not a QTI identifier');
    expect(bad('simpleChoice identifier="B"', 'simpleChoice identifier="A"')[0].message).toBe('simpleChoice identifiers are not unique');
    // Element order: the item body before the response declaration is not QTI.
    const moved = item.replace(/(\s*<responseDeclaration[\s\S]*?<\/responseDeclaration>)([\s\S]*?<\/itemBody>)/, '$2$1');
    expect(validateQtiItem(moved, 'x.xml')[0]).toMatchObject({ element: '/assessmentItem/responseDeclaration', message: '<responseDeclaration> must come before <itemBody> in <assessmentItem>' });
    expect(bad('<choiceInteraction', '<table/><choiceInteraction')[0]).toMatchObject({ element: '/assessmentItem/itemBody/table', message: '<table> is not block content of <itemBody>' });
    // A package whose manifest forgets the image, or lists a file that is not there.
    const unlisted = await JSZip.loadAsync(await exportQtiPackage(rows));
    const m = (await unlisted.file('imsmanifest.xml')?.async('string')) as string;
    unlisted.file('imsmanifest.xml', m.replace('<file href="images/fig_demo1.png"/>', ''));
    expect((await validateQtiPackage(await unlisted.generateAsync({ type: 'nodebuffer' })))[0]).toMatchObject({ file: 'imsmanifest.xml', message: 'resource YZ0001 shows images/fig_demo1.png but does not list it as a file' });
    unlisted.remove('images/fig_demo1.png');
    unlisted.file('imsmanifest.xml', m);
    const missing = await validateQtiPackage(await unlisted.generateAsync({ type: 'nodebuffer' }));
    expect(missing.map((p) => p.message)).toEqual(expect.arrayContaining(['resource YZ0001 lists images/fig_demo1.png, which is not in the package', 'image ../images/fig_demo1.png is not in the package']));
  });
});
