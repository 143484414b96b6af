import JSZip from 'jszip';
import { SaxesParser } from 'saxes';
import { describe, expect, it } from 'vitest';
import { exportDocxPaper, type ItemRow } from '../teaching/index.ts';

/** The Word paper (issue 15 scope 6): opened as the zip it is, its document.xml read back as text. */
async function paragraphs(buf: Buffer): Promise<string[]> {
  const zip = await JSZip.loadAsync(buf);
  expect(Object.keys(zip.files)).toEqual(expect.arrayContaining(['[Content_Types].xml', 'word/document.xml', 'word/styles.xml']));
  const xml = await zip.file('word/document.xml')?.async('string');
  const out: string[] = [];
  let current: string[] | null = null;
  let inText = false;
  const p = new SaxesParser();
  p.on('opentag', (t) => {
    if (t.name === 'w:p') current = [];
    if (t.name === 'w:t') inText = true;
    if (t.name === 'w:br' && t.attributes['w:type'] === 'page') out.push('<page-break>');
  });
  p.on('closetag', (t) => {
    if (t.name === 'w:t') inText = false;
    if (t.name === 'w:p' && current) {
      if (current.length) out.push(current.join(''));
      current = null;
    }
  });
  p.on('text', (s) => { if (inText) current?.push(s); });
  p.write(xml ?? '').close();
  return out;
}

const rows: ItemRow[] = [
  { type: 'multiple', stem: '肺癌的影像表现包括（多选）：', options: ['分叶征', '毛刺征', '爆米花样钙化', '胸膜凹陷征'], key: ['A', 'B', 'D'], explanation: '依据：《合成指南》2025版 第3页。', tags: [], level: 'hard' },
  { type: 'single', stem: '依据指南“表 10-1 偶发实性结节随访建议”，结节大小为“6～8 mm”时，“单发·低风险”一栏为：', options: ['无需常规随访', '6～12 个月复查 CT', '3 个月复查 CT'], key: ['B'], explanation: '表 10-1 第11页。', tags: [], level: 'medium' },
  { type: 'single', stem: '题干含 <script>alert(1)</script> & 特殊字符：', options: ['甲 & 乙', '<b>丙</b>'], key: ['A'], explanation: '', tags: [], level: 'easy' },
];

describe('Word (.docx) exam paper with answer key', () => {
  it('numbers single choice first, then multiple choice, with options; the key and explanations follow a page break', async () => {
    const text = await paragraphs(await exportDocxPaper(rows, { title: '测试试卷' }));
    expect(text[0]).toBe('测试试卷');
    const single = text.indexOf('一、单项选择题（每题只有一个正确答案）');
    const multiple = text.indexOf('二、多项选择题（每题有两个或以上正确答案）');
    expect(single).toBeGreaterThan(0);
    expect(multiple).toBeGreaterThan(single);
    expect(text).toContain(`1. ${rows[1].stem}（中）`);
    expect(text).toContain('B. 6～12 个月复查 CT');
    expect(text).toContain(`3. ${rows[0].stem}（难）`);
    const br = text.indexOf('<page-break>');
    expect(br).toBeGreaterThan(multiple);
    // Nothing of the key before the page break: the paper can be handed out without it.
    expect(text.slice(0, br).some((t) => t.includes('答案：'))).toBe(false);
    expect(text.slice(br)).toEqual(expect.arrayContaining(['参考答案与解析', '1. 答案：B', '解析：表 10-1 第11页。', '3. 答案：ABD']));
  });

  it('writes hostile item text as plain text (escaped XML, nothing interpreted)', async () => {
    const text = await paragraphs(await exportDocxPaper(rows));
    expect(text).toContain('2. 题干含 <script>alert(1)</script> & 特殊字符：（易）');
    expect(text).toContain('B. <b>丙</b>');
  });
});
