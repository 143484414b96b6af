/** A text run of a PDF page as pdf.js reports it (only what highlighting needs). */
export interface PdfTextRun {
  str: string;
}

/** Whitespace-free NFKC text: PDF extraction splits lines and (Chromium PDFs) uses Kangxi radicals. */
export function squash(s: string): string {
  return s.normalize('NFKC').replace(/\s+/g, '');
}

const ANCHOR = 24;

/**
 * Which text runs of a page show (part of) a passage. The passage may start on an earlier page
 * (`continues`: mark from the top) and end on a later one (`continuesAfter`: mark to the bottom).
 * Anchors are the passage's first and last characters, shortened until found; returns [] when the
 * passage cannot be located on the page (the page is still shown, unmarked).
 */
export function passageRuns(runs: readonly PdfTextRun[], passage: string, opts: { continues?: boolean; continuesAfter?: boolean } = {}): number[] {
  let text = '';
  const owner: number[] = [];
  runs.forEach((r, i) => {
    const s = squash(r.str);
    text += s;
    for (let k = 0; k < s.length; k++) owner.push(i);
  });
  const target = squash(passage);
  if (!text || !target) return [];
  let start = 0;
  if (!opts.continues) {
    start = -1;
    for (let n = Math.min(ANCHOR, target.length); n >= 6 && start < 0; n = Math.floor(n / 2)) start = text.indexOf(target.slice(0, n));
    if (start < 0) return [];
  }
  let end = text.length - 1;
  if (!opts.continuesAfter) {
    let found = -1;
    for (let n = Math.min(ANCHOR, target.length); n >= 6 && found < 0; n = Math.floor(n / 2)) {
      const at = text.indexOf(target.slice(-n), start);
      if (at >= 0) found = at + n - 1;
    }
    end = found >= 0 ? found : Math.min(text.length - 1, start + target.length - 1);
  }
  const out = new Set<number>();
  for (let k = start; k <= end; k++) out.add(owner[k]);
  return [...out].sort((a, b) => a - b);
}
