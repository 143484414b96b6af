import type { Roi } from './roi.ts';

/**
 * Marching-cubes surface of a binary mask with vertices at edge midpoints (the iso-value 0.5 of a 0/1
 * mask always cuts an edge in its middle), as pyradiomics builds it for MeshVolume, SurfaceArea and the
 * diameters. The triangle table is generated here from first principles instead of being pasted in:
 * on every cube face the crossing edges are joined so that inside corners are cut off (an ambiguous face
 * separates its two inside corners), the segments close into loops, each loop is oriented so its normal
 * points from inside to outside, and is fanned into triangles. Like pyradiomics, a cube whose corner
 * (x0, y1, z1) is inside uses the triangulation of its complement, reversed.
 */

/** Corner c of the unit cube: x = bit 0, y = bit 1, z = bit 2. */
const corner = (c: number): [number, number, number] => [c & 1, (c >> 1) & 1, (c >> 2) & 1];

/** The 12 cube edges as corner pairs, and each edge's midpoint offset doubled (integers). */
export const EDGES: Array<[number, number]> = [];
export const EDGE_MID2: Array<[number, number, number]> = [];
for (let c = 0; c < 8; c++) {
  for (const bit of [1, 2, 4]) {
    if (c & bit) continue;
    EDGES.push([c, c | bit]);
    const a = corner(c);
    const b = corner(c | bit);
    EDGE_MID2.push([a[0] + b[0], a[1] + b[1], a[2] + b[2]]);
  }
}
const edgeIndex = (a: number, b: number) => EDGES.findIndex(([p, q]) => (p === a && q === b) || (p === b && q === a));

/** Faces as corner cycles. */
const FACES: number[][] = [];
for (const axis of [1, 2, 4]) {
  const [u, v] = [1, 2, 4].filter((b) => b !== axis);
  for (const side of [0, axis]) FACES.push([side, side | u, side | u | v, side | v]);
}

function loopsOf(m: number): number[][] {
  const inside = (c: number) => (m >> c) & 1;
  const adj = new Map<number, number[]>();
  const link = (a: number, b: number) => {
    adj.set(a, [...(adj.get(a) ?? []), b]);
    adj.set(b, [...(adj.get(b) ?? []), a]);
  };
  for (const q of FACES) {
    const crossing: number[] = [];
    for (let n = 0; n < 4; n++) if (inside(q[n]) !== inside(q[(n + 1) % 4])) crossing.push(n);
    if (crossing.length === 2) link(edgeIndex(q[crossing[0]], q[(crossing[0] + 1) % 4]), edgeIndex(q[crossing[1]], q[(crossing[1] + 1) % 4]));
    else if (crossing.length === 4) {
      for (let n = 0; n < 4; n++) if (inside(q[n])) link(edgeIndex(q[(n + 3) % 4], q[n]), edgeIndex(q[n], q[(n + 1) % 4]));
    }
  }
  const seen = new Set<number>();
  const loops: number[][] = [];
  for (const start of [...adj.keys()].sort((a, b) => a - b)) {
    if (seen.has(start)) continue;
    const loop = [start];
    seen.add(start);
    let prev = -1;
    let cur = start;
    for (;;) {
      const [a, b] = adj.get(cur) ?? [];
      const next = a === prev ? b : a;
      if (next === start || next === undefined) break;
      loop.push(next);
      seen.add(next);
      prev = cur;
      cur = next;
    }
    loops.push(orient(loop, inside));
  }
  return loops;
}

/** Reverse a loop whose Newell normal points inwards (towards the inside corners of its edges). */
function orient(loop: number[], inside: (c: number) => number): number[] {
  const n = [0, 0, 0];
  const out = [0, 0, 0];
  for (let i = 0; i < loop.length; i++) {
    const a = EDGE_MID2[loop[i]];
    const b = EDGE_MID2[loop[(i + 1) % loop.length]];
    n[0] += (a[1] - b[1]) * (a[2] + b[2]);
    n[1] += (a[2] - b[2]) * (a[0] + b[0]);
    n[2] += (a[0] - b[0]) * (a[1] + b[1]);
    const [p, q] = EDGES[loop[i]];
    const [ins, outs] = inside(p) ? [corner(p), corner(q)] : [corner(q), corner(p)];
    for (let d = 0; d < 3; d++) out[d] += outs[d] - ins[d];
  }
  return n[0] * out[0] + n[1] * out[1] + n[2] * out[2] < 0 ? [...loop].reverse() : loop;
}

/** Triangles (edge-index triples) per cube configuration. */
export const TRIANGLES: Int8Array[] = [];
{
  const base: number[][] = [];
  for (let m = 0; m < 256; m++) {
    const tris: number[] = [];
    for (const loop of loopsOf(m)) for (let t = 1; t + 1 < loop.length; t++) tris.push(loop[0], loop[t], loop[t + 1]);
    base.push(tris);
  }
  const FLIP_CORNER = 6; // x0 y1 z1: the corner pyradiomics' bit 7 names
  for (let m = 0; m < 256; m++) {
    if (m & (1 << FLIP_CORNER)) {
      const c = base[~m & 255];
      const rev: number[] = [];
      for (let t = 0; t < c.length; t += 3) rev.push(c[t], c[t + 2], c[t + 1]);
      TRIANGLES.push(Int8Array.from(rev));
    } else TRIANGLES.push(Int8Array.from(base[m]));
  }
}

export interface MeshMeasures {
  /** mm², sum of triangle areas. */
  surfaceArea: number;
  /** mm³, signed volume by the divergence theorem. */
  meshVolume: number;
}

/** Surface area and enclosed volume of the region's marching-cubes mesh (spacing in mm along x, y, z). */
export function meshMeasures(roi: Roi, spacing: [number, number, number]): MeshMeasures {
  const { lx, ly, lz, local } = roi;
  const plane = lx * ly;
  const [sx, sy, sz] = spacing;
  const hx = sx / 2;
  const hy = sy / 2;
  const hz = sz / 2;
  // Edge midpoints relative to the cube origin, in mm; positions are taken relative to the region centre.
  const ex = EDGE_MID2.map((e) => e[0] * hx);
  const ey = EDGE_MID2.map((e) => e[1] * hy);
  const ez = EDGE_MID2.map((e) => e[2] * hz);
  const cx = (lx / 2) * sx;
  const cy = (ly / 2) * sy;
  const cz = (lz / 2) * sz;
  let area = 0;
  let vol6 = 0;
  const offsets = [0, 1, lx, lx + 1, plane, plane + 1, plane + lx, plane + lx + 1];
  for (let z = 0; z < lz - 1; z++) {
    for (let y = 0; y < ly - 1; y++) {
      let base = lx * (y + ly * z);
      for (let x = 0; x < lx - 1; x++, base++) {
        let m = 0;
        for (let c = 0; c < 8; c++) if (local[base + offsets[c]]) m |= 1 << c;
        if (m === 0 || m === 255) continue;
        const tris = TRIANGLES[m];
        const ox = x * sx - cx;
        const oy = y * sy - cy;
        const oz = z * sz - cz;
        for (let t = 0; t < tris.length; t += 3) {
          const a = tris[t];
          const b = tris[t + 1];
          const c = tris[t + 2];
          const ax = ox + ex[a];
          const ay = oy + ey[a];
          const az = oz + ez[a];
          const bx = ox + ex[b];
          const by = oy + ey[b];
          const bz = oz + ez[b];
          const qx = ox + ex[c];
          const qy = oy + ey[c];
          const qz = oz + ez[c];
          // Signed volume of the tetrahedron (origin, a, b, c) × 6.
          vol6 += ax * (by * qz - bz * qy) + ay * (bz * qx - bx * qz) + az * (bx * qy - by * qx);
          const ux = bx - ax;
          const uy = by - ay;
          const uz = bz - az;
          const vx = qx - ax;
          const vy = qy - ay;
          const vz = qz - az;
          const nx = uy * vz - uz * vy;
          const ny = uz * vx - ux * vz;
          const nz = ux * vy - uy * vx;
          area += 0.5 * Math.sqrt(nx * nx + ny * ny + nz * nz);
        }
      }
    }
  }
  return { surfaceArea: area, meshVolume: vol6 / 6 };
}

/**
 * Every mesh vertex (the midpoint of each voxel edge whose two voxels differ), as doubled local-index
 * coordinates in one Int32Array of (x2, y2, z2) triples: integers, so plane membership is exact.
 */
export function meshVertices(roi: Roi): Int32Array {
  const { lx, ly, lz, local } = roi;
  const plane = lx * ly;
  const visit = (emit: (x2: number, y2: number, z2: number) => void) => {
    for (let z = 0; z < lz; z++) {
      for (let y = 0; y < ly; y++) {
        let idx = lx * (y + ly * z);
        for (let x = 0; x < lx; x++, idx++) {
          const v = local[idx];
          if (x + 1 < lx && v !== local[idx + 1]) emit(2 * x + 1, 2 * y, 2 * z);
          if (y + 1 < ly && v !== local[idx + lx]) emit(2 * x, 2 * y + 1, 2 * z);
          if (z + 1 < lz && v !== local[idx + plane]) emit(2 * x, 2 * y, 2 * z + 1);
        }
      }
    }
  };
  let n = 0;
  visit(() => n++);
  const out = new Int32Array(n * 3);
  let w = 0;
  visit((x, y, z) => {
    out[w++] = x;
    out[w++] = y;
    out[w++] = z;
  });
  return out;
}
