/** A plain-text table for benchmark output (CJK-aware column widths). */
export function printTable(title: string, headers: string[], rows: Array<Array<string | number>>): string {
  const width = (s: string) => [...s].reduce((w, ch) => w + (/[\u2e80-\u9fff\uff00-\uffef]/.test(ch) ? 2 : 1), 0);
  const cells = rows.map((r) => r.map((c) => String(c)));
  const widths = headers.map((h, i) => Math.max(width(h), ...cells.map((r) => width(r[i] ?? ''))));
  const pad = (s: string, i: number) => s + ' '.repeat(widths[i] - width(s));
  const line = (r: string[]) => `| ${r.map(pad).join(' | ')} |`;
  const out = [`\n${title}`, line(headers), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...cells.map(line)].join('\n');
  process.stdout.write(`${out}\n`);
  return out;
}

export function percentile(values: number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}

export const ms = (v: number) => `${v.toFixed(1)} ms`;
