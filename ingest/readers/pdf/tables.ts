import type { TableData } from '../../document.ts';
import { tidyTable } from '../../tables.ts';
import { joinLines } from '../plain-blocks.ts';
import type { Grid } from './grids.ts';
import { type Line, midY, type Piece, toLines } from './lines.ts';

/** A table found on a page, with the vertical extent it occupies (for reading order). */
export interface PlacedTable {
  top: number;
  bottom: number;
  table: TableData;
}

const PAD = 2;

function cellText(pieces: Piece[]): string {
  return toLines(pieces).reduce((acc, l) => (acc ? joinLines(acc, l.text) : l.text), '');
}

/**
 * Fill a ruled grid with the text pieces whose centre lies in each cell; the first row is the header.
 * Returns the table (null when it holds no table) and the pieces it took, which leave the running text.
 */
export function gridTable(grid: Grid, pieces: Piece[]): { placed: PlacedTable | null; used: Set<Piece> } {
  const { xs, ys, box } = grid;
  const cells: Piece[][][] = ys.slice(1).map(() => xs.slice(1).map(() => []));
  const used = new Set<Piece>();
  for (const p of pieces) {
    const cx = p.x + p.w / 2;
    const cy = midY(p);
    if (cx < box.x0 - PAD || cx > box.x1 + PAD || cy < box.y0 - PAD || cy > box.y1 + PAD) continue;
    const col = Math.max(0, Math.min(xs.length - 2, xs.findIndex((x, i) => i + 1 < xs.length && cx >= x - PAD && cx < xs[i + 1])));
    const row = Math.max(0, Math.min(ys.length - 2, ys.findIndex((y, i) => i + 1 < ys.length && cy <= y + PAD && cy > ys[i + 1])));
    cells[row][col].push(p);
    used.add(p);
  }
  const grid2 = cells.map((r) => r.map(cellText));
  const table = tidyTable({ header: grid2[0] ?? [], rows: grid2.slice(1) });
  return { placed: table ? { top: box.y1, bottom: box.y0, table } : null, used };
}

/** A line split into column runs: their left edges and texts. */
interface RowCandidate {
  line: Line;
  starts: number[];
  cells: string[];
}

/**
 * Borderless (or three-line) tables: at least three consecutive lines split into the same two or more
 * columns by wide gaps, with short cells. Column edges come from the runs' left edges; a run belongs
 * to the last column edge at or left of it. Conservative on purpose: justified prose never has em-wide
 * gaps, and two-column page layouts have long runs, so neither is taken for a table.
 */
export function alignedTables(lines: Line[]): Array<{ lines: Line[]; placed: PlacedTable }> {
  const out: Array<{ lines: Line[]; placed: PlacedTable }> = [];
  const candidates: (RowCandidate | null)[] = lines.map((l) => (l.runs.length >= 2 ? { line: l, starts: l.runs.map((x) => x.x), cells: l.runs.map((x) => x.text) } : null));
  let i = 0;
  while (i < candidates.length) {
    const first = candidates[i];
    if (!first) {
      i++;
      continue;
    }
    const tol = first.line.size * 1.2;
    const cols = [...first.starts].sort((a, b) => a - b);
    let j = i + 1;
    while (j < candidates.length) {
      const c = candidates[j];
      if (!c?.starts.every((s) => cols.some((x) => Math.abs(x - s) <= tol))) break;
      j++;
    }
    const run = candidates.slice(i, j) as RowCandidate[];
    const cellLengths = run.flatMap((r) => r.cells.map((c) => c.length));
    const mean = cellLengths.reduce((a, b) => a + b, 0) / Math.max(1, cellLengths.length);
    const sentences = run.flatMap((r) => r.cells).filter((c) => /[。；]$/.test(c)).length;
    if (run.length >= 3 && cols.length >= 2 && mean <= 20 && sentences <= run.length / 3) {
      const colOf = (x: number) => cols.reduce((k, edge, i) => (edge - tol <= x ? i : k), 0);
      const grid = run.map((r) => {
        const row = cols.map(() => '');
        r.cells.forEach((c, m) => {
          const k = colOf(r.starts[m]);
          row[k] = row[k] ? `${row[k]} ${c}` : c;
        });
        return row;
      });
      const table = tidyTable({ header: grid[0], rows: grid.slice(1) });
      if (table) out.push({ lines: run.map((r) => r.line), placed: { top: run[0].line.y + run[0].line.size, bottom: (run.at(-1)?.line.y ?? 0) - 2, table } });
    }
    i = Math.max(j, i + 1);
  }
  return out;
}
