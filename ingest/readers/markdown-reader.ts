import { marked, type Token, type Tokens } from 'marked';
import { AppError, splitFrontMatter } from '../../core/index.ts';
import { type Block, type ParsedDocument, SourceMetaInputSchema } from '../document.ts';
import { attachCaptions, tableText, tidyTable } from '../tables.ts';
import { decodeText } from './decode.ts';
import { virtualPages } from './plain-blocks.ts';

export const PAGE_MARKER = /^[ \t]*<!--\s*page:\s*(\d+)\s*-->[ \t]*$/gm;

/** Markdown with optional YAML front-matter (data only, see splitFrontMatter) and `<!-- page: N -->` page markers. */
export function readMarkdown(bytes: Uint8Array, fileName: string): ParsedDocument {
  const { text } = decodeText(bytes, fileName);
  const parsed = splitFrontMatter(text, fileName);
  const meta = SourceMetaInputSchema.partial().safeParse(normaliseFrontMatter(parsed.data));
  if (!meta.success) {
    const issue = meta.error.issues[0];
    throw new AppError('VALIDATION_FAILED', `${fileName}: front-matter 字段 ${issue?.path.join('.')} 无效 / invalid: ${issue?.message}`, {
      field: String(issue?.path[0] ?? 'front-matter'),
    });
  }
  const pages = splitPages(parsed.content);
  const blocks: Block[] = [];
  if (pages) {
    for (const p of pages) for (const b of markdownBlocks(p.text)) blocks.push({ ...b, page: p.page });
  }
  const finalBlocks = attachCaptions(pages ? blocks : virtualPages(markdownBlocks(parsed.content)));
  const title = meta.data.title ?? finalBlocks.find((b) => b.kind === 'heading' && b.level === 1)?.text;
  return {
    blocks: finalBlocks,
    pageCount: finalBlocks.reduce((m, b) => Math.max(m, b.page), 0),
    paging: pages ? 'marked' : 'virtual',
    meta: { ...meta.data, ...(title ? { title } : {}) },
  };
}

function normaliseFrontMatter(data: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(data)) {
    if (v === null || v === undefined) continue;
    out[k] = k === 'version' || k === 'title' || k === 'publisher' ? String(v) : v;
  }
  return out;
}

/** Split at page markers; text before the first marker belongs to page 1. Null when there are none. */
export function splitPages(content: string): Array<{ page: number; text: string }> | null {
  const markers = [...content.matchAll(PAGE_MARKER)];
  if (markers.length === 0) return null;
  const pages: Array<{ page: number; text: string }> = [];
  const head = content.slice(0, markers[0].index).trim();
  if (head) pages.push({ page: 1, text: head });
  markers.forEach((m, i) => {
    const start = (m.index ?? 0) + m[0].length;
    const end = i + 1 < markers.length ? markers[i + 1].index : content.length;
    const page = Math.max(1, Number.parseInt(m[1], 10));
    const prev = pages.at(-1);
    if (prev && prev.page === page) prev.text += `\n\n${content.slice(start, end)}`;
    else pages.push({ page, text: content.slice(start, end) });
  });
  return pages;
}

/** Markdown → blocks: headings, paragraphs, one block per list item (numbered ones keep their number), tables as tables. */
export function markdownBlocks(md: string): Omit<Block, 'page'>[] {
  const out: Omit<Block, 'page'>[] = [];
  const walk = (tokens: Token[]) => {
    for (const t of tokens) {
      switch (t.type) {
        case 'heading':
          out.push({ kind: 'heading', level: (t as Tokens.Heading).depth, text: inline((t as Tokens.Heading).tokens) });
          break;
        case 'paragraph':
          pushText(out, inline((t as Tokens.Paragraph).tokens));
          break;
        case 'text':
          pushText(out, 'tokens' in t && t.tokens ? inline(t.tokens) : t.text);
          break;
        case 'list':
          // An item's own text, then its nested list's items (「M1：有远处转移，进一步分为：」 › M1a, M1b, M1c).
          for (const [i, item] of (t as Tokens.List).items.entries()) {
            const list = t as Tokens.List;
            const bullet = list.ordered ? `${(typeof list.start === 'number' ? list.start : 1) + i}. ` : '• ';
            pushText(out, `${bullet}${inline(item.tokens.filter((x) => x.type !== 'list')).trim()}`);
            walk(item.tokens.filter((x) => x.type === 'list'));
          }
          break;
        case 'table': {
          const table = t as Tokens.Table;
          const data = tidyTable({ header: table.header.map((h) => inline(h.tokens)), rows: table.rows.map((row) => row.map((cell) => inline(cell.tokens))) });
          if (data) out.push({ kind: 'table', text: tableText(data), table: data });
          break;
        }
        case 'blockquote':
          walk((t as Tokens.Blockquote).tokens);
          break;
        case 'code':
          pushText(out, (t as Tokens.Code).text);
          break;
        default:
          break; // html comments, rules and spacing carry no text
      }
    }
  };
  walk(marked.lexer(md));
  return out;
}

function pushText(out: Omit<Block, 'page'>[], text: string) {
  const t = text.replace(/\s*\n\s*/g, (_m: string, offset: number, s: string) => (/[A-Za-z0-9]/.test(s[offset - 1] ?? '') ? ' ' : '')).trim();
  if (t) out.push({ kind: 'text', text: t });
}

/**
 * Inline text without markup. CommonMark does not close `**…**` when the closing `**` follows punctuation and a
 * CJK character comes next (「**推荐意见：**对于…」), so those markers are left as text by the lexer: drop them.
 */
function inline(tokens: Token[] | undefined): string {
  return inlineRaw(tokens).replace(/\*\*([^*\n]+?)\*\*/g, '$1').replace(/__([^_\n]+?)__/g, '$1');
}

function inlineRaw(tokens: Token[] | undefined): string {
  if (!tokens) return '';
  return tokens
    .map((t) => {
      if ('tokens' in t && t.tokens && t.type !== 'codespan') return inlineRaw(t.tokens);
      if (t.type === 'br') return '\n';
      if (t.type === 'html') return '';
      return 'text' in t ? decodeEntities(String(t.text)) : '';
    })
    .join('');
}

function decodeEntities(s: string): string {
  return s.replace(/&(amp|lt|gt|quot|#39);/g, (_, e: string) => ({ amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'" })[e] ?? _);
}
