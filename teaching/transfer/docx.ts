import { AlignmentType, Document, HeadingLevel, ImageRun, Packer, PageBreak, Paragraph, TextRun } from 'docx';
import { type ExportFigure, type ExportRow, figureCaption, withRegionMark } from './figure.ts';
import { type ItemRow, LABELS } from './item-row.ts';

export interface PaperOptions {
  title?: string;
  /** Shown under the title (e.g. the filter or the exam's name). */
  subtitle?: string;
}

const TYPE_HEADINGS: Record<ItemRow['type'], string> = { single: '单项选择题（每题只有一个正确答案）', multiple: '多项选择题（每题有两个或以上正确答案）' };
const NUMERALS = ['一', '二', '三'];
const LEVELS: Record<ItemRow['level'], string> = { easy: '易', medium: '中', hard: '难' };
/** Widest a figure is printed (pixels at 96 dpi ≈ 10.6 cm). */
const MAX_FIGURE_WIDTH = 400;

/** An image-reading item's figure as an embedded picture (region mark drawn in) with its caption. */
function figureParagraphs(figure: ExportFigure): Paragraph[] {
  const f = withRegionMark(figure);
  const scale = Math.min(1, MAX_FIGURE_WIDTH / f.width);
  return [
    new Paragraph({ indent: { left: 480 }, children: [new ImageRun({ type: f.mime === 'image/png' ? 'png' : 'jpg', data: f.bytes, transformation: { width: Math.round(f.width * scale), height: Math.round(f.height * scale) }, altText: { name: f.name, description: figureCaption(f), title: figureCaption(f) } })] }),
    new Paragraph({ indent: { left: 480 }, children: [new TextRun({ text: figureCaption(f), size: 18, color: '606060' })] }),
  ];
}

/**
 * A Word exam paper: the items grouped by type and numbered (single choice first), options under each stem,
 * then — after a page break — the answer key with each item's explanation and sources. Built with the `docx`
 * library (Office Open XML); nothing in the item text is interpreted, it is written as plain runs.
 */
export async function exportDocxPaper(rows: readonly ExportRow[], opts: PaperOptions = {}): Promise<Buffer> {
  const body: Paragraph[] = [
    new Paragraph({ heading: HeadingLevel.TITLE, alignment: AlignmentType.CENTER, children: [new TextRun(opts.title ?? '影知 · 影像医学试卷')] }),
    new Paragraph({ alignment: AlignmentType.CENTER, children: [new TextRun({ text: opts.subtitle ?? `共 ${rows.length} 题`, italics: true })] }),
    new Paragraph({ children: [new TextRun('姓名：________　　科室：________　　得分：________')] }),
  ];
  const keyLines: Paragraph[] = [new Paragraph({ heading: HeadingLevel.HEADING_1, children: [new TextRun('参考答案与解析')] })];
  let n = 0;
  const groups = (['single', 'multiple'] as const).map((type) => ({ type, items: rows.filter((r) => r.type === type) })).filter((g) => g.items.length);
  groups.forEach((g, gi) => {
    body.push(new Paragraph({ heading: HeadingLevel.HEADING_1, children: [new TextRun(`${NUMERALS[gi]}、${TYPE_HEADINGS[g.type]}`)] }));
    for (const r of g.items) {
      n++;
      body.push(new Paragraph({ spacing: { before: 200 }, children: [new TextRun({ text: `${n}. `, bold: true }), new TextRun(r.stem), new TextRun({ text: `（${LEVELS[r.level]}）`, color: '808080' })] }));
      if (r.figure) body.push(...figureParagraphs(r.figure));
      for (const [i, o] of r.options.entries()) body.push(new Paragraph({ indent: { left: 480 }, children: [new TextRun(`${LABELS[i]}. ${o}`)] }));
      keyLines.push(new Paragraph({ spacing: { before: 120 }, children: [new TextRun({ text: `${n}. 答案：${r.key.join('')}`, bold: true })] }));
      if (r.explanation) keyLines.push(new Paragraph({ indent: { left: 480 }, children: [new TextRun({ text: `解析：${r.explanation}`, size: 20 })] }));
    }
  });
  const doc = new Document({
    creator: 'YingZhi 影知',
    title: opts.title ?? '影知 · 影像医学试卷',
    styles: { default: { document: { run: { font: { eastAsia: 'SimSun', ascii: 'Times New Roman' }, size: 24 } } } },
    sections: [{ children: [...body, new Paragraph({ children: [new PageBreak()] }), ...keyLines] }],
  });
  return Packer.toBuffer(doc);
}
