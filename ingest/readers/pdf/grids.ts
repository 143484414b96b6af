import type { Box, HRule, VRule } from './geometry.ts';

/** A ruled table: column boundaries left → right and row boundaries top → bottom (y falls). */
export interface Grid {
  xs: number[];
  ys: number[];
  box: Box;
}

const SNAP = 1.5;
const TOUCH = 2.5;

/** Cluster values closer than `tol` and return one representative (the mean) per cluster, sorted ascending. */
export function clusterValues(values: number[], tol = SNAP): number[] {
  const sorted = [...values].sort((a, b) => a - b);
  const out: number[][] = [];
  for (const v of sorted) {
    const last = out.at(-1);
    if (last && v - (last.at(-1) ?? v) <= tol) last.push(v);
    else out.push([v]);
  }
  return out.map((c) => c.reduce((a, b) => a + b, 0) / c.length);
}

/** Collinear rule segments (cell borders are drawn cell by cell) merged into whole lines. */
function mergeH(rules: HRule[]): HRule[] {
  const sorted = [...rules].sort((a, b) => a.y - b.y || a.x0 - b.x0);
  const out: HRule[] = [];
  for (const r of sorted) {
    const m = out.find((o) => Math.abs(o.y - r.y) <= SNAP && r.x0 <= o.x1 + TOUCH && r.x1 >= o.x0 - TOUCH);
    if (m) {
      m.x0 = Math.min(m.x0, r.x0);
      m.x1 = Math.max(m.x1, r.x1);
    } else out.push({ ...r });
  }
  return out;
}

function mergeV(rules: VRule[]): VRule[] {
  return mergeH(rules.map((r) => ({ y: r.x, x0: r.y0, x1: r.y1 }))).map((r) => ({ x: r.y, y0: r.x0, y1: r.x1 }));
}

const crosses = (h: HRule, v: VRule) => v.x >= h.x0 - TOUCH && v.x <= h.x1 + TOUCH && h.y >= v.y0 - TOUCH && h.y <= v.y1 + TOUCH;

/**
 * Ruled tables: connected sets of horizontal and vertical rules with at least two of each (so at least
 * one cell), in page space. A lone box (one row) or a decorative rule is not a grid.
 */
export function findGrids(hRules: HRule[], vRules: VRule[]): Grid[] {
  const hs = mergeH(hRules);
  const vs = mergeV(vRules);
  const seenH = new Set<number>();
  const seenV = new Set<number>();
  const grids: Grid[] = [];
  for (let start = 0; start < hs.length; start++) {
    if (seenH.has(start)) continue;
    const compH = new Set<number>([start]);
    const compV = new Set<number>();
    const queue: Array<['h' | 'v', number]> = [['h', start]];
    seenH.add(start);
    while (queue.length) {
      const [kind, i] = queue.pop() as ['h' | 'v', number];
      if (kind === 'h') {
        vs.forEach((v, j) => {
          if (!seenV.has(j) && crosses(hs[i], v)) {
            seenV.add(j);
            compV.add(j);
            queue.push(['v', j]);
          }
        });
      } else {
        hs.forEach((h, j) => {
          if (!seenH.has(j) && crosses(h, vs[i])) {
            seenH.add(j);
            compH.add(j);
            queue.push(['h', j]);
          }
        });
      }
    }
    const ys = clusterValues([...compH].map((i) => hs[i].y)).reverse();
    const xs = clusterValues([...compV].map((j) => vs[j].x));
    if (ys.length < 3 || xs.length < 3) continue;
    const box = { x0: xs[0], y0: ys.at(-1) ?? 0, x1: xs.at(-1) ?? 0, y1: ys[0] };
    if (box.x1 - box.x0 < 40 || box.y1 - box.y0 < 12) continue;
    grids.push({ xs, ys, box });
  }
  return grids.sort((a, b) => b.box.y1 - a.box.y1);
}
