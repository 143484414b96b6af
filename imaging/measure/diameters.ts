import { hull2d } from './hull.ts';
import { type Roi, sliceSampler } from './roi.ts';

export interface Segment {
  lengthMm: number;
  /** Ends in continuous volume voxel indices (i, j, k). */
  from: [number, number, number];
  to: [number, number, number];
}

export interface Diameters {
  /** pyradiomics Maximum3DDiameter: largest distance between mesh vertices. */
  max3d: Segment;
  /** pyradiomics Maximum2DDiameterSlice / Column / Row: largest distance between vertices sharing a z / y / x coordinate. */
  slice: number;
  column: number;
  row: number;
}

/**
 * Exact maximum vertex distances. Vertices are grouped into planes of equal z (and of equal y, equal x);
 * only vertices on the 2-D convex hull of all three of their planes can end a 3-D diameter, so the
 * brute-force search runs over a few thousand candidates instead of every surface vertex.
 */
export function diameters(roi: Roi, verts: Int32Array, spacing: [number, number, number]): Diameters {
  const n = verts.length / 3;
  const [sx, sy, sz] = spacing.map((s) => s / 2);
  const X = new Int32Array(n);
  const Y = new Int32Array(n);
  const Z = new Int32Array(n);
  for (let v = 0; v < n; v++) {
    X[v] = verts[3 * v];
    Y[v] = verts[3 * v + 1];
    Z[v] = verts[3 * v + 2];
  }
  const onHull = new Uint8Array(n);
  const planeDiameter = (key: Int32Array, u: Int32Array, w: Int32Array, su: number, sw: number, bit: number) => {
    const groups = new Map<number, number[]>();
    for (let v = 0; v < n; v++) {
      let g = groups.get(key[v]);
      if (!g) {
        g = [];
        groups.set(key[v], g);
      }
      g.push(v);
    }
    let best = 0;
    for (const ids of groups.values()) {
      const h = hull2d(u, w, ids);
      for (const v of h) onHull[v] |= bit;
      for (let a = 0; a < h.length; a++) {
        for (let b = a + 1; b < h.length; b++) {
          const du = (u[h[a]] - u[h[b]]) * su;
          const dw = (w[h[a]] - w[h[b]]) * sw;
          const d = du * du + dw * dw;
          if (d > best) best = d;
        }
      }
    }
    return Math.sqrt(best);
  };
  const slice = planeDiameter(Z, X, Y, sx, sy, 1);
  const column = planeDiameter(Y, X, Z, sx, sz, 2);
  const row = planeDiameter(X, Y, Z, sy, sz, 4);
  const cand: number[] = [];
  for (let v = 0; v < n; v++) if (onHull[v] === 7) cand.push(v);
  let best = 0;
  let ba = cand[0] ?? 0;
  let bb = cand[0] ?? 0;
  for (let a = 0; a < cand.length; a++) {
    const p = cand[a];
    const px = X[p] * sx;
    const py = Y[p] * sy;
    const pz = Z[p] * sz;
    for (let b = a + 1; b < cand.length; b++) {
      const q = cand[b];
      const dx = X[q] * sx - px;
      const dy = Y[q] * sy - py;
      const dz = Z[q] * sz - pz;
      const d = dx * dx + dy * dy + dz * dz;
      if (d > best) {
        best = d;
        ba = p;
        bb = q;
      }
    }
  }
  const toVolume = (v: number): [number, number, number] => [roi.box.i0 - 1 + X[v] / 2, roi.box.j0 - 1 + Y[v] / 2, roi.box.k0 - 1 + Z[v] / 2];
  return { max3d: { lengthMm: Math.sqrt(best), from: toVolume(ba), to: toVolume(bb) }, slice, column, row };
}

export interface AxialAxes {
  /** Volume slice index k of the slice with the longest in-plane diameter. */
  slice: number;
  long: Segment;
  /** Longest chord perpendicular to the long axis through it, null for a single-pixel-wide region. */
  short: Segment | null;
}

/**
 * The radiologist's axial measurement: on every acquired slice, the longest distance between boundary
 * points of that slice (pixel edges, as a calliper would be placed edge to edge); the slice where it is
 * largest gives the long axis, and the longest chord perpendicular to it that crosses it is the short
 * axis. Chords are traced through the pixel squares at 1/8 of the smallest pixel spacing.
 */
export function axialAxes(roi: Roi, verts: Int32Array, spacing: [number, number, number]): AxialAxes {
  const n = verts.length / 3;
  const [sx, sy] = spacing;
  const bySlice = new Map<number, number[]>();
  const X: number[] = [];
  const Y: number[] = [];
  for (let v = 0; v < n; v++) {
    X.push(verts[3 * v]);
    Y.push(verts[3 * v + 1]);
    const z2 = verts[3 * v + 2];
    if (z2 % 2 !== 0) continue; // only the contour of an acquired slice, not the between-slice planes
    let g = bySlice.get(z2);
    if (!g) {
      g = [];
      bySlice.set(z2, g);
    }
    g.push(v);
  }
  let best = -1;
  let bestZ2 = 0;
  let ba = 0;
  let bb = 0;
  for (const [z2, ids] of bySlice) {
    const h = hull2d(X, Y, ids);
    for (let a = 0; a < h.length; a++) {
      for (let b = a + 1; b < h.length; b++) {
        const dx = ((X[h[a]] - X[h[b]]) * sx) / 2;
        const dy = ((Y[h[a]] - Y[h[b]]) * sy) / 2;
        const d = dx * dx + dy * dy;
        // Ties go to the slice nearest the region's middle, so a flat-topped shape reports its central slice.
        if (d > best + 1e-9 || (Math.abs(d - best) <= 1e-9 && Math.abs(z2 / 2 - roi.lz / 2) < Math.abs(bestZ2 / 2 - roi.lz / 2))) {
          best = d;
          bestZ2 = z2;
          ba = h[a];
          bb = h[b];
        }
      }
    }
  }
  const lz = bestZ2 / 2;
  const k = roi.box.k0 - 1 + lz;
  const toVol = (x2: number, y2: number): [number, number, number] => [roi.box.i0 - 1 + x2 / 2, roi.box.j0 - 1 + y2 / 2, k];
  const long: Segment = { lengthMm: Math.sqrt(Math.max(best, 0)), from: toVol(X[ba], Y[ba]), to: toVol(X[bb], Y[bb]) };
  return { slice: k, long, short: shortAxis(roi, lz, long, spacing) };
}

function shortAxis(roi: Roi, lz: number, long: Segment, spacing: [number, number, number]): Segment | null {
  const [sx, sy] = spacing;
  const { lx, ly } = roi;
  // Work in local mm: local pixel (x, y) covers [x−½, x+½] × [y−½, y+½] in index units.
  const ax = (long.from[0] - roi.box.i0 + 1) * sx;
  const ay = (long.from[1] - roi.box.j0 + 1) * sy;
  const bx = (long.to[0] - roi.box.i0 + 1) * sx;
  const by = (long.to[1] - roi.box.j0 + 1) * sy;
  const len = Math.hypot(bx - ax, by - ay);
  if (len === 0) return null;
  const ux = (bx - ax) / len;
  const uy = (by - ay) / len;
  const wx = -uy;
  const wy = ux;
  const inside = sliceSampler(roi, lz, spacing);
  const h = Math.min(sx, sy) / 8;
  const reach = Math.hypot(lx * sx, ly * sy);
  let best: { len: number; s0: number; s1: number; t: number } | null = null;
  for (let t = h; t < len; t += h * 2) {
    const cx = ax + ux * t;
    const cy = ay + uy * t;
    if (!inside(cx, cy)) continue;
    let s0 = 0;
    while (s0 > -reach && inside(cx + wx * (s0 - h), cy + wy * (s0 - h))) s0 -= h;
    let s1 = 0;
    while (s1 < reach && inside(cx + wx * (s1 + h), cy + wy * (s1 + h))) s1 += h;
    // The run ends half a step beyond its last inside sample on each side.
    const chord = s1 - s0 + h;
    if (!best || chord > best.len) best = { len: chord, s0: s0 - h / 2, s1: s1 + h / 2, t };
  }
  if (!best) return null;
  const toVol = (s: number): [number, number, number] => {
    const px = ax + ux * best.t + wx * s;
    const py = ay + uy * best.t + wy * s;
    return [px / sx + roi.box.i0 - 1, py / sy + roi.box.j0 - 1, roi.box.k0 - 1 + lz];
  };
  return { lengthMm: best.len, from: toVol(best.s0), to: toVol(best.s1) };
}
