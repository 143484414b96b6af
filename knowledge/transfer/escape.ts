/**
 * Quoting for the text export formats. Written here rather than pulled in as a dependency: each is a
 * few lines, and both are pinned down by tests (tests/graph-transfer.test.ts).
 */

/** A spreadsheet evaluates a cell starting with one of these as a formula (OWASP "CSV injection"). */
const FORMULA_START = /^[=+\-@\t\r]/;

/**
 * One RFC 4180 field: quoted when it holds a comma, a double quote, CR or LF, with quotes doubled.
 * Text starting like a formula gets a leading apostrophe, so Excel/WPS show it instead of running
 * it: titles and names come from uploaded documents. Numbers are written as they are.
 */
export function csvField(value: string | number | boolean | null): string {
  if (value === null) return '';
  if (typeof value !== 'string') return String(value);
  const text = FORMULA_START.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/**
 * A CSV document: header row, CRLF line ends (RFC 4180), and a UTF-8 byte order mark, without which
 * Excel on Chinese Windows reads UTF-8 names as mojibake.
 */
export function csvDocument(header: string[], rows: (string | number | boolean | null)[][]): string {
  const lines = [header, ...rows].map((r) => r.map(csvField).join(','));
  return `\uFEFF${lines.join('\r\n')}\r\n`;
}

/**
 * A Cypher string literal in single quotes: backslash and quote escaped, control characters (and the
 * line/paragraph separators) as `\uXXXX`, so every statement of the script stays on one line and no
 * value can end its literal early.
 */
export function cypherString(s: string): string {
  return `'${s.replace(/[\\'\u0000-\u001f\u2028\u2029]/g, (c) => {
    if (c === '\\') return '\\\\';
    if (c === "'") return "\\'";
    return `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
  })}'`;
}

/** A Cypher literal for a property value: strings escaped, floats always with a decimal point, lists of those. */
export function cypherValue(v: string | number | boolean | string[], opts: { float?: boolean } = {}): string {
  if (Array.isArray(v)) return `[${v.map((x) => cypherString(x)).join(', ')}]`;
  if (typeof v === 'string') return cypherString(v);
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new RangeError(`not a finite number: ${v}`);
    // 1 would load as an integer property while 0.9 loads as a float: keep one property type.
    return opts.float && Number.isInteger(v) ? v.toFixed(1) : String(v);
  }
  return v ? 'true' : 'false';
}
