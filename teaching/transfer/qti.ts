import JSZip from 'jszip';
import { type ExportRow, figureCaption, withRegionMark } from './figure.ts';
import { LABELS } from './item-row.ts';

const esc = (s: string) => s.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c] as string);

/**
 * One QTI 2.1 assessmentItem (choiceInteraction; multiple-response items score all-or-nothing via match_correct).
 * An image-reading item's figure is an `<img>` in the item body, `src` relative to the item file (`imageHref`).
 */
export function qtiItem(r: ExportRow, id: string, imageHref?: string): string {
  const card = r.type === 'single' ? 'single' : 'multiple';
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<assessmentItem xmlns="http://www.imsglobal.org/xsd/imsqti_v2p1" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"',
    '  xsi:schemaLocation="http://www.imsglobal.org/xsd/imsqti_v2p1 http://www.imsglobal.org/xsd/qti/qtiv2p1/imsqti_v2p1.xsd"',
    `  identifier="${id}" title="${esc(r.stem.slice(0, 60))}" adaptive="false" timeDependent="false" xml:lang="zh-CN">`,
    `  <responseDeclaration identifier="RESPONSE" cardinality="${card}" baseType="identifier">`,
    `    <correctResponse>${r.key.map((k) => `<value>${k}</value>`).join('')}</correctResponse>`,
    '  </responseDeclaration>',
    '  <outcomeDeclaration identifier="SCORE" cardinality="single" baseType="float"><defaultValue><value>0</value></defaultValue></outcomeDeclaration>',
    '  <itemBody>',
    r.figure && imageHref ? `    <p><img src="${esc(imageHref)}" alt="${esc(figureCaption(r.figure))}" width="${r.figure.width}" height="${r.figure.height}"/></p>` : '',
    r.figure ? `    <p>${esc(figureCaption(r.figure))}</p>` : '',
    `    <choiceInteraction responseIdentifier="RESPONSE" shuffle="true" maxChoices="${r.type === 'single' ? 1 : 0}">`,
    `      <prompt>${esc(r.stem)}</prompt>`,
    ...r.options.map((o, i) => `      <simpleChoice identifier="${LABELS[i]}">${esc(o)}</simpleChoice>`),
    '    </choiceInteraction>',
    '  </itemBody>',
    '  <responseProcessing template="http://www.imsglobal.org/question/qti_v2p1/rptemplates/match_correct"/>',
    r.explanation ? `  <modalFeedback outcomeIdentifier="SCORE" showHide="hide" identifier="EXPLANATION">${esc(r.explanation)}</modalFeedback>` : '',
    '</assessmentItem>',
    '',
  ].filter(Boolean).join('\n');
}

/**
 * An IMS content package (zip): imsmanifest.xml listing one QTI 2.1 assessmentItem file per item; a figure is
 * packaged once under images/ (region mark drawn in) and listed as a file of every item resource that shows it.
 */
export async function exportQtiPackage(rows: ExportRow[]): Promise<Buffer> {
  const zip = new JSZip();
  const ids = rows.map((_, i) => `YZ${String(i + 1).padStart(4, '0')}`);
  const images = new Map<number, string>();
  for (const [i, r] of rows.entries()) {
    if (!r.figure) continue;
    const href = `images/${r.figure.name}`;
    if (!zip.file(href)) zip.file(href, withRegionMark(r.figure).bytes);
    images.set(i, href);
  }
  for (const [i, r] of rows.entries()) zip.file(`items/${ids[i]}.xml`, qtiItem(r, ids[i], images.has(i) ? `../${images.get(i)}` : undefined));
  zip.file('imsmanifest.xml', [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<manifest xmlns="http://www.imsglobal.org/xsd/imscp_v1p1" xmlns:imsqti="http://www.imsglobal.org/xsd/imsqti_metadata_v2p1" identifier="YINGZHI-BANK">',
    '  <metadata><schema>QTIv2.1 Package</schema><schemaversion>1.0.0</schemaversion></metadata>',
    '  <organizations/>',
    '  <resources>',
    ...ids.map((id, i) => `    <resource identifier="${id}" type="imsqti_item_xmlv2p1" href="items/${id}.xml"><file href="items/${id}.xml"/>${images.has(i) ? `<file href="${images.get(i)}"/>` : ''}</resource>`),
    '  </resources>',
    '</manifest>',
    '',
  ].join('\n'));
  return zip.generateAsync({ type: 'nodebuffer', compression: 'DEFLATE' });
}
