import { type HTMLElement, type Node, NodeType, parse } from 'node-html-parser';
import { type Block, type ParsedDocument, SourceMetaInputSchema, type TableData } from '../document.ts';
import { attachCaptions, tableBlock, tidyTable } from '../tables.ts';
import { decodeText } from './decode.ts';
import { checkHtmlDepth } from './html-depth.ts';
import { virtualPages } from './plain-blocks.ts';

// td/th: cells of a layout table (a real table is read whole by readTable).
const BLOCK_TAGS = new Set(['p', 'li', 'pre', 'blockquote', 'dd', 'dt', 'figcaption', 'td', 'th']);
const SKIP_TAGS = new Set(['script', 'style', 'noscript', 'nav', 'footer', 'header', 'template', 'svg']);
const PAGE_COMMENT = /^\s*page:\s*(\d+)\s*$/;

/**
 * HTML: headings and block elements become blocks, `<table>`s table blocks (header and rows, `<caption>`
 * or a 「表 N」 line before it as caption); `<!-- page: N -->` comments or elements with
 * `data-page="N"` set pages. Metadata from <title> and `<meta name="yz:kind|yz:version|yz:year|…">`.
 */
export function readHtml(bytes: Uint8Array, fileName: string): ParsedDocument {
  const { text } = decodeText(bytes, fileName);
  checkHtmlDepth(text, fileName);
  const root = parse(text, { comment: true, blockTextElements: { script: false, style: false, pre: true } });
  const meta: Record<string, string> = {};
  for (const m of root.querySelectorAll('meta')) {
    const name = m.getAttribute('name') ?? '';
    if (name.startsWith('yz:')) meta[name.slice(3)] = m.getAttribute('content') ?? '';
  }
  const docTitle = root.querySelector('title')?.text.trim();
  const parsedMeta = SourceMetaInputSchema.partial().safeParse({ ...(docTitle ? { title: docTitle } : {}), ...meta });

  const blocks: Block[] = [];
  let page = 1;
  let sawMarker = false;
  const visit = (node: Node) => {
    if (node.nodeType === NodeType.COMMENT_NODE) {
      const m = PAGE_COMMENT.exec(node.rawText);
      if (m) {
        page = Number.parseInt(m[1], 10);
        sawMarker = true;
      }
      return;
    }
    if (node.nodeType !== NodeType.ELEMENT_NODE) return;
    const el = node as HTMLElement;
    const tag = el.rawTagName?.toLowerCase() ?? '';
    if (SKIP_TAGS.has(tag)) return;
    const dataPage = el.getAttribute?.('data-page');
    if (dataPage && /^\d+$/.test(dataPage)) {
      page = Number.parseInt(dataPage, 10);
      sawMarker = true;
    }
    const heading = /^h([1-6])$/.exec(tag);
    if (heading) {
      const t = clean(el.text);
      if (t) blocks.push({ page, kind: 'heading', level: Number(heading[1]), text: t });
      return;
    }
    if (tag === 'table') {
      const data = readTable(el);
      if (data) blocks.push(tableBlock(page, data));
      else for (const child of el.childNodes) visit(child);
      return;
    }
    if (BLOCK_TAGS.has(tag)) {
      const t = clean(el.text);
      if (t) blocks.push({ page, kind: 'text', text: tag === 'li' ? `• ${t}` : t });
      return;
    }
    for (const child of el.childNodes) visit(child);
  };
  visit(root.querySelector('body') ?? root);
  const finalBlocks = attachCaptions(sawMarker ? blocks : virtualPages(blocks.map(({ page: _p, ...b }) => b)));
  return {
    blocks: finalBlocks,
    pageCount: finalBlocks.reduce((m, b) => Math.max(m, b.page), 0),
    paging: sawMarker ? 'marked' : 'virtual',
    meta: parsedMeta.success ? parsedMeta.data : {},
  };
}

const children = (el: HTMLElement, tags: string[]) =>
  el.childNodes.filter((n): n is HTMLElement => n.nodeType === NodeType.ELEMENT_NODE && tags.includes((n as HTMLElement).rawTagName?.toLowerCase() ?? ''));

/**
 * A `<table>`'s own rows (not those of a table nested in a cell): the `<thead>` row, else the first row,
 * is the header. Null for a layout table with fewer than two columns or no data row.
 */
function readTable(table: HTMLElement): TableData | null {
  const sections = children(table, ['thead', 'tbody', 'tfoot']);
  const head = sections.filter((x) => x.rawTagName.toLowerCase() === 'thead').flatMap((x) => children(x, ['tr']));
  const body = [...children(table, ['tr']), ...sections.filter((x) => x.rawTagName.toLowerCase() !== 'thead').flatMap((x) => children(x, ['tr']))];
  const cells = (tr: HTMLElement) => children(tr, ['td', 'th']).map((c) => clean(c.text));
  const rows = [...head, ...body].map(cells).filter((r) => r.some(Boolean));
  if (rows.length < 2) return null;
  const caption = children(table, ['caption'])[0];
  return tidyTable({ ...(caption ? { caption: clean(caption.text) } : {}), header: rows[0], rows: rows.slice(1) });
}

function clean(s: string): string {
  return s
    .replace(/&nbsp;/g, ' ')
    .replace(/\s*\n\s*/g, ' ')
    .replace(/\s{2,}/g, ' ')
    .trim();
}
