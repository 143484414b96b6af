import { AppError } from '../../core/index.ts';

/** No real document nests elements this deep; node-html-parser recurses per level and is quadratic on unclosed tags. */
export const MAX_HTML_DEPTH = 512;

const VOID = new Set(['area', 'base', 'br', 'col', 'embed', 'hr', 'img', 'input', 'link', 'meta', 'param', 'source', 'track', 'wbr', 'keygen']);
/** Elements whose end tag may be omitted: they never nest into themselves, so they do not count. */
const OPTIONAL_END = new Set([
  'html', 'head', 'body', 'p', 'li', 'dt', 'dd', 'tr', 'td', 'th', 'thead', 'tbody', 'tfoot', 'colgroup', 'caption', 'option', 'optgroup', 'rb', 'rt', 'rp',
]);
const RAW_TEXT = new Set(['script', 'style', 'textarea', 'title', 'xmp', 'template']);
const TAG = /<!--[\s\S]*?(?:-->|$)|<(\/?)([a-zA-Z][a-zA-Z0-9-]*)\b[^>]*?(\/?)>/g;

/**
 * Refuse HTML nested deeper than MAX_HTML_DEPTH, from one linear scan of its tags before the parser
 * sees it (5,000 nested `<div>`s used to overflow the stack: a 500). Raw-text elements are skipped,
 * void and optional-end elements are not counted, a stray end tag closes the innermost element.
 */
export function checkHtmlDepth(html: string, fileName: string): void {
  let depth = 0;
  let lower: string | null = null;
  TAG.lastIndex = 0;
  for (let m = TAG.exec(html); m; m = TAG.exec(html)) {
    const name = m[2]?.toLowerCase();
    if (!name || VOID.has(name) || OPTIONAL_END.has(name) || m[3]) continue;
    if (m[1]) {
      depth = Math.max(0, depth - 1);
      continue;
    }
    if (RAW_TEXT.has(name)) {
      lower ??= html.toLowerCase();
      const close = lower.indexOf(`</${name}`, TAG.lastIndex);
      TAG.lastIndex = close < 0 ? html.length : close + name.length + 2;
      continue;
    }
    if (++depth > MAX_HTML_DEPTH) {
      throw new AppError('DOCUMENT_TOO_DEEP', `${fileName} 的 HTML 嵌套超过 ${MAX_HTML_DEPTH} 层 / HTML nested deeper than ${MAX_HTML_DEPTH} levels`, {
        field: 'file',
        details: { limit: MAX_HTML_DEPTH },
      });
    }
  }
}
