import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Block, chunkDocument, readDocument, type TableData } from '../ingest/index.ts';
import { chromiumAvailable, launchBrowser } from './helpers/browser.ts';
import { DEMO, ingestFiles, ROOT, testRuntime } from './helpers/runtime.ts';
import type { Runtime } from '../runtime/index.ts';

const utf8 = (s: string) => new TextEncoder().encode(s);
/** Cell text compared across PDF and Markdown: wave dashes (〜 from the PDF font, ～ in the source) and spacing unified. */
const norm = (s: string) => s.normalize('NFKC').replace(/[〜～~]/g, '~').replace(/\s+/g, '');
const normTable = (t: TableData | undefined) => t && { caption: t.caption && norm(t.caption), header: t.header.map(norm), rows: t.rows.map((r) => r.map(norm)) };
const tables = (blocks: Block[]) => blocks.filter((b) => b.kind === 'table');

async function readDemo(stem: string, ext: 'md' | 'pdf') {
  const file = ext === 'md' ? path.join(DEMO, `${stem}.md`) : path.join(ROOT, 'demo/pdf', `${stem}.pdf`);
  return readDocument(readFileSync(file), `${stem}.${ext}`);
}

describe('PDF structure from pdf.js positions (demo PDFs printed from the Markdown sources)', () => {
  for (const stem of ['lung-nodule-guideline', 'stroke-textbook']) {
    it(`${stem}: every ruled table comes out with the header and rows of its Markdown source, on the same page`, async () => {
      const [pdf, md] = await Promise.all([readDemo(stem, 'pdf'), readDemo(stem, 'md')]);
      const fromPdf = tables(pdf.blocks);
      const fromMd = tables(md.blocks);
      expect(fromPdf.length).toBe(fromMd.length);
      expect(fromPdf.length).toBeGreaterThanOrEqual(4);
      fromPdf.forEach((t, i) => {
        expect(t.page).toBe(fromMd[i].page);
        expect(normTable(t.table)).toEqual(normTable(fromMd[i].table));
      });
    });
  }

  it('headings come from numbering and type size only: the same headings as the source, no table cell among them', async () => {
    const [pdf, md] = await Promise.all([readDemo('lung-nodule-guideline', 'pdf'), readDemo('lung-nodule-guideline', 'md')]);
    const headings = (d: { blocks: Block[] }) => d.blocks.filter((b) => b.kind === 'heading').map((b) => `${b.page} H${b.level} ${norm(b.text)}`);
    expect(headings(pdf)).toEqual(headings(md));
    const cells = new Set(tables(pdf.blocks).flatMap((b) => [...(b.table?.header ?? []), ...(b.table?.rows.flat() ?? [])]).map(norm));
    for (const h of pdf.blocks.filter((b) => b.kind === 'heading')) {
      expect(cells.has(norm(h.text)), h.text).toBe(false);
      expect(h.text).not.toMatch(/再复查|个月复查/);
    }
    // Table 10-1 keeps the row a resident asks about, cell by cell.
    const t101 = tables(pdf.blocks).find((b) => b.table?.caption?.startsWith('表 10-1'))?.table;
    expect(t101?.caption).toBe('表 10-1 偶发实性结节随访建议');
    expect(t101?.header).toEqual(['结节大小（平均直径）', '单发·低风险', '单发·高风险', '多发']);
    expect(t101?.rows[2].slice(0, 2)).toEqual(['＞8 mm', '3 个月复查 CT，或行 PET-CT，或活检']);
  });

  it('drops the folio of every page, even where the table at the foot of a page overlaps it', async () => {
    const pdf = await readDemo('lung-nodule-guideline', 'pdf');
    const text = pdf.blocks.map((b) => b.text).join('\n');
    expect(text).not.toMatch(/—\s*\d{1,2}\s*—/);
    const appendix = tables(pdf.blocks).at(-1)?.table;
    expect(appendix?.rows.at(-1)).toEqual(['重建层厚', '≤1.25 mm（推荐 1 mm）']);
  });
});

describe('PDF with running header and footer, a ruled and a borderless table (printed by Chromium here)', () => {
  let blocks: Block[] = [];
  beforeAll(async () => {
    if (!chromiumAvailable()) return;
    const browser = await launchBrowser();
    try {
      const page = await browser.newPage();
      await page.setContent(readFileSync(path.join(ROOT, 'tests/fixtures/structured-doc.html'), 'utf8'));
      const font = 'font-size:8pt;width:100%;text-align:center;font-family:Noto Serif CJK SC';
      const pdf = await page.pdf({
        format: 'A5', displayHeaderFooter: true, margin: { top: '22mm', bottom: '20mm', left: '12mm', right: '12mm' },
        headerTemplate: `<div style="${font}">影知测试文档 · 内部资料</div>`,
        footerTemplate: `<div style="${font}">第 <span class="pageNumber"></span> 页</div>`,
      });
      blocks = (await readDocument(new Uint8Array(pdf), 'structured.pdf')).blocks;
    } finally {
      await browser.close();
    }
  }, 60_000);

  it.runIf(chromiumAvailable())('removes the running header repeated at the same height and the page numbers', () => {
    const text = blocks.map((b) => b.text).join('\n');
    expect(text).not.toContain('影知测试文档');
    expect(text).not.toMatch(/第\s*\d\s*页/);
    expect(blocks.filter((b) => b.kind === 'heading').map((b) => [b.page, b.level, b.text])).toEqual([
      [1, 1, '1 随访原则'],
      [2, 2, '1.1 CT 值参考'],
      [3, 2, '1.2 报告要求'],
    ]);
  });

  it.runIf(chromiumAvailable())('keeps the ruled table (caption from the 「表 1-1」 line above it) and the column-aligned one as tables', () => {
    const [ruled, aligned] = tables(blocks).map((b) => b.table);
    expect(ruled?.caption).toBe('表 1-1 实性结节随访间隔');
    expect(ruled?.header).toEqual(['结节大小', '低风险', '高风险']);
    expect(ruled?.rows.map((r) => norm(r[1]))).toEqual(['无需常规随访', '6～12 个月复查 CT，稳定者 18～24 个月再复查', '3 个月复查 CT，或行 PET-CT，或活检'].map(norm));
    expect(aligned).toEqual({ header: ['组织', 'CT 值', '窗宽'], rows: [['脂肪', '-100 HU', '400'], ['水', '0 HU', '400'], ['钙化', '200 HU', '1500']] });
    // The prose around the tables is untouched and not mixed into them.
    expect(blocks.some((b) => b.kind === 'text' && b.text === '表中时间均从首次发现结节的检查日期起算。')).toBe(true);
    expect(blocks.some((b) => b.kind === 'text' && b.text.startsWith('阅片时应同时观察肺窗和纵隔窗'))).toBe(true);
  });
});

describe('Markdown and HTML tables', () => {
  it('Markdown: a table is one block with header and rows; the bold 「表 N」 line above becomes its caption', async () => {
    const md = await readDemo('lung-nodule-guideline', 'md');
    const t = tables(md.blocks).find((b) => b.page === 11);
    expect(t?.table).toMatchObject({ caption: '表 10-1 偶发实性结节随访建议', header: ['结节大小（平均直径）', '单发·低风险', '单发·高风险', '多发'] });
    expect(t?.table?.rows).toHaveLength(3);
    expect(md.blocks.some((b) => b.kind === 'text' && b.text === '表 10-1 偶发实性结节随访建议')).toBe(false);
    // A table without such a line has no caption; a caption never becomes a heading.
    expect(tables(md.blocks).find((b) => b.page === 9)?.table?.caption).toBeUndefined();
    expect(md.blocks.some((b) => b.kind === 'heading' && /^表/.test(b.text))).toBe(false);
  });

  it('plain text: tab-, pipe- and space-aligned columns become tables with the 「表 N」 line above as caption; prose stays prose', async () => {
    const txt = [
      '急性胰腺炎的严重程度按器官衰竭分级。',
      '表 3-1 修订版亚特兰大分级',
      '分级\t器官衰竭\t局部并发症',
      '轻症\t无\t无',
      '中度重症\t短暂（≤48 h）\t有或无',
      '重症\t持续（＞48 h）\t有或无',
      '',
      '| 分型 | CT 表现 |',
      '| --- | --- |',
      '| 间质水肿性 | 胰腺弥漫性肿大 |',
      '| 坏死性 | 胰腺实质无强化区 |',
      '',
      'Balthazar 分级    CT 表现',
      'A    胰腺正常',
      'B    胰腺局限性或弥漫性肿大',
      '',
      '本段是正文，句中偶有  两个空格，但只有一行。',
    ].join('\n');
    const doc = await readDocument(utf8(txt), 'ap.txt');
    const found = tables(doc.blocks).map((b) => b.table);
    expect(found).toEqual([
      { caption: '表 3-1 修订版亚特兰大分级', header: ['分级', '器官衰竭', '局部并发症'], rows: [['轻症', '无', '无'], ['中度重症', '短暂（≤48 h）', '有或无'], ['重症', '持续（＞48 h）', '有或无']] },
      { header: ['分型', 'CT 表现'], rows: [['间质水肿性', '胰腺弥漫性肿大'], ['坏死性', '胰腺实质无强化区']] },
      { header: ['Balthazar 分级', 'CT 表现'], rows: [['A', '胰腺正常'], ['B', '胰腺局限性或弥漫性肿大']] },
    ]);
    expect(doc.blocks.filter((b) => b.kind === 'text').map((b) => b.text)).toEqual(['急性胰腺炎的严重程度按器官衰竭分级。', '本段是正文，句中偶有  两个空格，但只有一行。']);
  });

  it('HTML: <table> with <caption>, <thead> and <tbody>; a one-column layout table stays text', async () => {
    const html = `<html><body><h1>2 分期</h1>
      <table><caption>表 2-1 T 分期</caption><thead><tr><th>T 分类</th><th>大小</th></tr></thead>
      <tbody><tr><td>T1a</td><td>≤1 cm</td></tr><tr><td>T2a</td><td>＞3 cm 且 ≤4 cm</td></tr></tbody></table>
      <p>表 2-2 N 分期</p><table><tr><td>N1</td><td>同侧肺门</td></tr><tr><td>N2</td><td>同侧纵隔</td></tr></table>
      <table><tr><td>只是排版用的单列表格。</td></tr><tr><td>第二行。</td></tr></table></body></html>`;
    const doc = await readDocument(utf8(html), 't.html');
    expect(tables(doc.blocks).map((b) => b.table)).toEqual([
      { caption: '表 2-1 T 分期', header: ['T 分类', '大小'], rows: [['T1a', '≤1 cm'], ['T2a', '＞3 cm 且 ≤4 cm']] },
      { caption: '表 2-2 N 分期', header: ['N1', '同侧肺门'], rows: [['N2', '同侧纵隔']] },
    ]);
    expect(doc.blocks.filter((b) => b.kind === 'text').map((b) => b.text)).toEqual(['只是排版用的单列表格。', '第二行。']);
  });
});

describe('row-wise chunks with the header repeated', () => {
  it('each table row is one chunk carrying the caption, the column names and its section; prose never mixes in', async () => {
    const md = await readDemo('lung-nodule-guideline', 'md');
    const { pages, chunks, tables: stored } = chunkDocument(md.blocks, 600);
    const rows = chunks.filter((c) => c.table && stored[c.table.table].table.caption === '表 10-1 偶发实性结节随访建议');
    expect(rows).toHaveLength(3);
    expect(rows[2].text).toContain('表 10-1 偶发实性结节随访建议｜结节大小（平均直径）：＞8 mm；单发·低风险：3 个月复查 CT，或行 PET-CT，或活检');
    expect(rows.map((c) => c.table)).toEqual([0, 1, 2].map((i) => ({ table: rows[0].table?.table, rowStart: i, rowEnd: i + 1 })));
    expect(rows[0].headingPath).toEqual(['10 偶发肺结节的随访管理', '10.2 偶发实性结节的随访间隔']);
    for (const c of chunks.filter((x) => !x.table)) expect(c.text).not.toContain('单发·低风险');
    // The stored table span is the table's text in the page text.
    for (const t of stored) {
      const page = pages.find((p) => p.page === t.page)?.text ?? '';
      expect(page.slice(t.charStart, t.charEnd).split('\n')[t.table.caption ? 1 : 0]).toBe(t.table.header.join(' | '));
    }
  });
});

describe('tables stored with the source (PGlite)', () => {
  let rt: Runtime;
  beforeAll(async () => {
    rt = await testRuntime();
    await ingestFiles(rt, [path.join(DEMO, 'lung-nodule-guideline.md')], { demo: true });
  }, 120_000);
  afterAll(async () => rt?.close());

  it('persists each table and the rows of each row chunk, and serves them with the passage and the page', async () => {
    const { rows } = await rt.db.query<{ n: number }>('SELECT count(*)::int AS n FROM source_tables');
    expect(rows[0].n).toBe(5);
    const { rows: chunkRows } = await rt.db.query<{ chunk_id: string; text: string }>(
      `SELECT c.id AS chunk_id, c.text FROM chunks c JOIN chunk_table_rows r ON r.chunk_id = c.id WHERE c.text LIKE '%＞8 mm；单发·低风险%'`,
    );
    expect(chunkRows).toHaveLength(1);
    const id = chunkRows[0].chunk_id;
    const table = (await rt.tables.forChunks(rt.db, [id])).get(id);
    expect(table).toMatchObject({ caption: '表 10-1 偶发实性结节随访建议', rowStart: 2, tableRows: 3, rows: [['＞8 mm', '3 个月复查 CT，或行 PET-CT，或活检', '3 个月复查 CT，或行 PET-CT，或活检', '3～6 个月复查 CT，稳定者 18～24 个月再复查']] });
    expect((await rt.tables.rowChunks(rt.db, id)).map((r) => r.table.rowStart)).toEqual([0, 1, 2]);
    const source = (await rt.sources.list({ limit: 10 })).items[0];
    const onPage = await rt.tables.forPages(rt.db, source.id, 11, 11);
    expect(onPage.map((t) => t.caption)).toEqual(['表 10-1 偶发实性结节随访建议']);
    const pageText = (await rt.sources.page(source.id, 11)) ?? '';
    expect(pageText.slice(onPage[0].charStart, onPage[0].charEnd)).toContain('＞8 mm | 3 个月复查 CT');
  });
});
