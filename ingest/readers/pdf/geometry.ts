/**
 * Page geometry from a pdf.js operator list: the thin filled or stroked rectangles that draw table
 * rules, and the small filled marks that draw list bullets, in page space (PDF points, y up).
 * Tracks the current transformation matrix through save / restore / transform, because producers
 * (Chromium among them) draw inside a scaled coordinate system.
 */

export type Matrix = [number, number, number, number, number, number];
export interface Box {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}
/** A horizontal rule (y, x0–x1) or a vertical one (x, y0–y1). */
export interface HRule {
  y: number;
  x0: number;
  x1: number;
}
export interface VRule {
  x: number;
  y0: number;
  y1: number;
}
export interface PageGeometry {
  hRules: HRule[];
  vRules: VRule[];
  /** Small filled marks (list bullets). */
  dots: Box[];
}

/** The pdf.js `OPS` numbers this module reads (passed in, so it stays free of the pdf.js import). */
export interface OpCodes {
  save: number;
  restore: number;
  transform: number;
  constructPath: number;
  stroke: number;
  closeStroke: number;
  fill: number;
  eoFill: number;
  fillStroke: number;
  eoFillStroke: number;
  closeFillStroke: number;
  closeEOFillStroke: number;
}

const RULE_THICKNESS = 2.5;
const RULE_MIN_LENGTH = 6;
const DOT_MAX = 6;

export function multiply(m: Matrix, n: Matrix): Matrix {
  return [
    m[0] * n[0] + m[1] * n[2],
    m[0] * n[1] + m[1] * n[3],
    m[2] * n[0] + m[3] * n[2],
    m[2] * n[1] + m[3] * n[3],
    m[4] * n[0] + m[5] * n[2] + n[4],
    m[4] * n[1] + m[5] * n[3] + n[5],
  ];
}

function apply(m: Matrix, x: number, y: number): [number, number] {
  return [m[0] * x + m[2] * y + m[4], m[1] * x + m[3] * y + m[5]];
}

/** A user-space box (minX, minY, maxX, maxY) in page space. */
export function mapBox(m: Matrix, b: ArrayLike<number>): Box {
  const pts = [apply(m, b[0], b[1]), apply(m, b[2], b[1]), apply(m, b[0], b[3]), apply(m, b[2], b[3])];
  const xs = pts.map((p) => p[0]);
  const ys = pts.map((p) => p[1]);
  return { x0: Math.min(...xs), y0: Math.min(...ys), x1: Math.max(...xs), y1: Math.max(...ys) };
}

/** Rules and bullet marks of one page. `fnArray`/`argsArray` as pdf.js `getOperatorList()` returns them. */
export function pageGeometry(fnArray: ArrayLike<number>, argsArray: ArrayLike<unknown>, ops: OpCodes): PageGeometry {
  const painting = new Set([ops.stroke, ops.closeStroke, ops.fill, ops.eoFill, ops.fillStroke, ops.eoFillStroke, ops.closeFillStroke, ops.closeEOFillStroke]);
  const filling = new Set([ops.fill, ops.eoFill, ops.fillStroke, ops.eoFillStroke, ops.closeFillStroke, ops.closeEOFillStroke]);
  const out: PageGeometry = { hRules: [], vRules: [], dots: [] };
  const stack: Matrix[] = [];
  let ctm: Matrix = [1, 0, 0, 1, 0, 0];
  for (let i = 0; i < fnArray.length; i++) {
    const fn = fnArray[i];
    const args = argsArray[i] as unknown[] | null;
    if (fn === ops.save) stack.push(ctm);
    else if (fn === ops.restore) ctm = stack.pop() ?? ctm;
    else if (fn === ops.transform && args) ctm = multiply(args.map(Number) as Matrix, ctm);
    else if (fn === ops.constructPath && args) {
      // pdf.js 5: [paint op, path data, minMax]; older: [ops, args, minMax] followed by the paint op.
      const paint = typeof args[0] === 'number' ? (args[0] as number) : fnArray[i + 1];
      const minMax = args[2] as ArrayLike<number> | undefined;
      if (!painting.has(paint) || !minMax || minMax.length < 4 || !Number.isFinite(minMax[0])) continue;
      const b = mapBox(ctm, minMax);
      const w = b.x1 - b.x0;
      const h = b.y1 - b.y0;
      if (h <= RULE_THICKNESS && w >= RULE_MIN_LENGTH) out.hRules.push({ y: (b.y0 + b.y1) / 2, x0: b.x0, x1: b.x1 });
      else if (w <= RULE_THICKNESS && h >= RULE_MIN_LENGTH) out.vRules.push({ x: (b.x0 + b.x1) / 2, y0: b.y0, y1: b.y1 });
      else if (filling.has(paint) && w <= DOT_MAX && h <= DOT_MAX && w >= 1.5 && h >= 1.5) out.dots.push(b);
    }
  }
  return out;
}
