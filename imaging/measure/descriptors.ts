import type { Geometry, VoxelArray } from '../volume.ts';
import { axialAxes } from './diameters.ts';
import { hull2d } from './hull.ts';
import { meshVertices } from './mesh.ts';
import { type Roi, sliceSampler } from './roi.ts';

/**
 * Descriptors a radiologist words into a report, each a number plus the grade the department's thresholds
 * (DESCRIPTOR_THRESHOLDS, calibrated on synthetic phantoms in tests/imaging-measure.test.ts) give it.
 * The grades are suggestions with their numbers beside them, never a diagnosis.
 */
export const DESCRIPTOR_THRESHOLDS = {
  /** Edge sharpness index (≈1.3 for a step edge between voxels): ≥ clear → 边界清楚, ≥ fair → 边界尚清, else 边界模糊. */
  margin: { clear: 0.9, fair: 0.7 },
  /**
   * Contour: spiculation index ≥ → 毛刺; lobulation index ≥ → 分叶 unless the outline is spike-dominated
   * (solidity below `spikySolidity`, where spikes also raise the low harmonics). Below `minPixels` across
   * the long axis the outline is too coarse to grade.
   */
  contour: { lobulation: 0.06, spiculation: 0.06, spikySolidity: 0.75, minPixels: 10 },
  /** CT: SD (HU) of the lesion core ≤ uniform → 密度均匀, ≤ fair → 密度欠均匀, else 密度不均匀. MR: coefficient of variation. */
  uniformityCt: { uniform: 15, fair: 30 },
  uniformityMr: { uniform: 0.1, fair: 0.2 },
  /** CT enhancement ΔHU: < none → 无明显强化, < mild → 轻度, < moderate → 中度, else 明显强化. MR: relative %. */
  enhancementCt: { none: 10, mild: 20, moderate: 40 },
  enhancementMr: { none: 20, mild: 50, moderate: 100 },
  /** Lung nodule typing from the consolidation-to-tumour ratio of axial long axes. */
  solid: { pureGgnCtr: 0, solidCtr: 0.95 },
} as const;

export interface MarginResult {
  sharpnessIndex: number;
  edgeGradientPerMm: number;
  /** Lesion–surroundings contrast over the mean edge gradient: the width (mm) the transition takes. */
  edgeWidthMm: number;
  contrast: number;
  grade: 'clear' | 'fairly_clear' | 'ill_defined';
}

/**
 * Margin sharpness from the edge gradient: the mean gradient magnitude (per voxel step) over the inner
 * and outer boundary shells, ×2, divided by the contrast between the lesion core and the ring two voxels
 * outside. An ideal step edge scores 1; blur spreads the step over more voxels and lowers it.
 */
export function marginSharpness(roi: Roi, image: VoxelArray, g: Geometry): MarginResult {
  const [nx, ny, nz] = g.dims;
  const P = 3;
  const i0 = Math.max(0, roi.box.i0 - P);
  const j0 = Math.max(0, roi.box.j0 - P);
  const k0 = Math.max(0, roi.box.k0 - P);
  const i1 = Math.min(nx - 1, roi.box.i1 + P);
  const j1 = Math.min(ny - 1, roi.box.j1 + P);
  const k1 = Math.min(nz - 1, roi.box.k1 + P);
  const bx = i1 - i0 + 1;
  const by = j1 - j0 + 1;
  const bz = k1 - k0 + 1;
  // 1 inside, 2 first ring outside, 3 second ring outside.
  const L = new Uint8Array(bx * by * bz);
  for (let k = k0; k <= k1; k++) {
    for (let j = j0; j <= j1; j++) {
      for (let i = i0; i <= i1; i++) {
        const li = i - roi.box.i0 + 1;
        const lj = j - roi.box.j0 + 1;
        const lk = k - roi.box.k0 + 1;
        if (li >= 0 && lj >= 0 && lk >= 0 && li < roi.lx && lj < roi.ly && lk < roi.lz && roi.local[li + roi.lx * (lj + roi.ly * lk)]) L[i - i0 + bx * (j - j0 + by * (k - k0))] = 1;
      }
    }
  }
  const sx = 1;
  const sy = bx;
  const sz = bx * by;
  for (const [from, to] of [[1, 2], [2, 3]]) {
    for (let z = 0; z < bz; z++) for (let y = 0; y < by; y++) for (let x = 0; x < bx; x++) {
      const v = x + bx * (y + by * z);
      if (L[v] !== 0) continue;
      if ((x > 0 && L[v - sx] === from) || (x < bx - 1 && L[v + sx] === from) || (y > 0 && L[v - sy] === from) || (y < by - 1 && L[v + sy] === from) || (z > 0 && L[v - sz] === from) || (z < bz - 1 && L[v + sz] === from)) L[v] = to + 10;
    }
    for (let v = 0; v < L.length; v++) if (L[v] > 10) L[v] -= 10;
  }
  const at = (x: number, y: number, z: number) => image[i0 + x + nx * (j0 + y + ny * (k0 + z))];
  let gradSum = 0;
  let gradMmSum = 0;
  let gradN = 0;
  let core = 0;
  let coreN = 0;
  let inside = 0;
  let insideN = 0;
  let ring = 0;
  let ringN = 0;
  const [px, py, pz] = g.spacing;
  for (let z = 0; z < bz; z++) for (let y = 0; y < by; y++) for (let x = 0; x < bx; x++) {
    const v = x + bx * (y + by * z);
    const l = L[v];
    if (l === 0) continue;
    const val = at(x, y, z);
    if (l === 3) {
      ring += val;
      ringN++;
      continue;
    }
    const edge = l === 2 || (x > 0 && L[v - sx] !== 1) || (x < bx - 1 && L[v + sx] !== 1) || (y > 0 && L[v - sy] !== 1) || (y < by - 1 && L[v + sy] !== 1) || (z > 0 && L[v - sz] !== 1) || (z < bz - 1 && L[v + sz] !== 1);
    if (l === 1) {
      inside += val;
      insideN++;
      if (!edge) {
        core += val;
        coreN++;
      }
    }
    if (!edge) continue;
    const gx = (at(Math.min(bx - 1, x + 1), y, z) - at(Math.max(0, x - 1), y, z)) / 2;
    const gy = (at(x, Math.min(by - 1, y + 1), z) - at(x, Math.max(0, y - 1), z)) / 2;
    const gz = (at(x, y, Math.min(bz - 1, z + 1)) - at(x, y, Math.max(0, z - 1))) / 2;
    gradSum += Math.sqrt(gx * gx + gy * gy + gz * gz);
    gradMmSum += Math.sqrt((gx / px) ** 2 + (gy / py) ** 2 + (gz / pz) ** 2);
    gradN++;
  }
  const lesionMean = coreN >= 8 ? core / coreN : inside / Math.max(1, insideN);
  const contrast = ringN ? Math.abs(lesionMean - ring / ringN) : 0;
  const meanGrad = gradN ? gradSum / gradN : 0;
  const sharpnessIndex = contrast > 1e-6 ? Math.min(1.5, (2 * meanGrad) / contrast) : 0;
  const t = DESCRIPTOR_THRESHOLDS.margin;
  const edgeGradientPerMm = gradN ? gradMmSum / gradN : 0;
  return {
    sharpnessIndex,
    edgeGradientPerMm,
    edgeWidthMm: edgeGradientPerMm > 0 ? contrast / edgeGradientPerMm : 0,
    contrast,
    grade: sharpnessIndex >= t.clear ? 'clear' : sharpnessIndex >= t.fair ? 'fairly_clear' : 'ill_defined',
  };
}

export interface ContourResult {
  /** RMS of the low-order (2 < k ≤ 10) harmonics of the radius profile relative to the fitted ellipse. */
  lobulationIndex: number;
  /** RMS of the high-order (k > 10) harmonics of the same profile: narrow projections. */
  spiculationIndex: number;
  /** Area / convex-hull area on the measured axial slice. */
  solidity: number;
  grade: 'regular' | 'lobulated' | 'spiculated' | 'lobulated_spiculated' | 'indeterminate';
}

const RAYS = 256;

/**
 * Contour on the axial slice of the long axis: the farthest boundary along 256 rays from the centroid,
 * divided by the radius of the ellipse with the region's second moments, minus 1. A smooth ellipse
 * gives a flat profile whatever its elongation; lobes show as low harmonics, spicules as high ones.
 */
export function contour(roi: Roi, sliceK: number, spacing: [number, number, number], longAxisMm: number): ContourResult {
  const [sx, sy] = spacing;
  const { lx, ly, local } = roi;
  const lz = sliceK - roi.box.k0 + 1;
  const off = lx * ly * lz;
  let n = 0;
  let mx = 0;
  let my = 0;
  for (let y = 0; y < ly; y++) for (let x = 0; x < lx; x++) if (local[off + x + lx * y]) {
    n++;
    mx += x * sx;
    my += y * sy;
  }
  mx /= n;
  my /= n;
  let cxx = 0;
  let cyy = 0;
  let cxy = 0;
  const hx: number[] = [];
  const hy: number[] = [];
  for (let y = 0; y < ly; y++) for (let x = 0; x < lx; x++) if (local[off + x + lx * y]) {
    const dx = x * sx - mx;
    const dy = y * sy - my;
    cxx += dx * dx;
    cyy += dy * dy;
    cxy += dx * dy;
    // Pixel corners (doubled index units) for the hull.
    hx.push(2 * x - 1, 2 * x + 1, 2 * x + 1, 2 * x - 1);
    hy.push(2 * y - 1, 2 * y - 1, 2 * y + 1, 2 * y + 1);
  }
  // A uniform ellipse with semi-axes a, b has variances a²/4 and b²/4 along its axes (plus the pixel's own 1/12).
  cxx = cxx / n + (sx * sx) / 12;
  cyy = cyy / n + (sy * sy) / 12;
  cxy /= n;
  const tr = cxx + cyy;
  const det = cxx * cyy - cxy * cxy;
  const l1 = tr / 2 + Math.sqrt(Math.max(0, (tr * tr) / 4 - det));
  const l2 = tr / 2 - Math.sqrt(Math.max(0, (tr * tr) / 4 - det));
  const a = 2 * Math.sqrt(l1);
  const b = 2 * Math.sqrt(Math.max(l2, 1e-12));
  const phi = 0.5 * Math.atan2(2 * cxy, cxx - cyy);
  const inside = sliceSampler(roi, lz, spacing);
  const h = Math.min(sx, sy) / 4;
  const reach = Math.hypot(lx * sx, ly * sy);
  const e = new Float64Array(RAYS);
  for (let r = 0; r < RAYS; r++) {
    const th = (2 * Math.PI * r) / RAYS;
    const ux = Math.cos(th);
    const uy = Math.sin(th);
    let last = 0;
    for (let s = 0; s < reach; s += h) if (inside(mx + ux * s, my + uy * s)) last = s;
    const radius = last + h / 2;
    const t = th - phi;
    const re = (a * b) / Math.sqrt((b * Math.cos(t)) ** 2 + (a * Math.sin(t)) ** 2);
    e[r] = radius / re - 1;
  }
  let low = 0;
  let high = 0;
  for (let k = 1; k <= RAYS / 2; k++) {
    let re = 0;
    let im = 0;
    for (let r = 0; r < RAYS; r++) {
      const w = (2 * Math.PI * k * r) / RAYS;
      re += e[r] * Math.cos(w);
      im -= e[r] * Math.sin(w);
    }
    // One-sided power: both ±k terms, except the Nyquist term.
    const p = ((k === RAYS / 2 ? 1 : 2) * (re * re + im * im)) / (RAYS * RAYS);
    if (k <= 2) continue; // k = 1, 2: off-centre and ellipse misfit, not contour
    if (k <= 10) low += p;
    else high += p;
  }
  const ids = hx.map((_, i) => i);
  const hull = hull2d(hx, hy, ids);
  let hullArea = 0;
  for (let i = 0; i < hull.length; i++) {
    const p = hull[i];
    const q = hull[(i + 1) % hull.length];
    hullArea += hx[p] * hy[q] - hx[q] * hy[p];
  }
  hullArea = (Math.abs(hullArea) / 2 / 4) * sx * sy;
  const lobulationIndex = Math.sqrt(low);
  const spiculationIndex = Math.sqrt(high);
  const solidity = hullArea > 0 ? Math.min(1, (n * sx * sy) / hullArea) : 1;
  const t = DESCRIPTOR_THRESHOLDS.contour;
  const spic = spiculationIndex >= t.spiculation;
  const lob = lobulationIndex >= t.lobulation && !(spic && solidity < t.spikySolidity);
  const coarse = longAxisMm / Math.min(sx, sy) < t.minPixels;
  return {
    lobulationIndex,
    spiculationIndex,
    solidity,
    grade: coarse ? 'indeterminate' : lob && spic ? 'lobulated_spiculated' : spic ? 'spiculated' : lob ? 'lobulated' : 'regular',
  };
}

export interface UniformityResult {
  /** SD of the lesion core (boundary voxels excluded when at least 30 remain): HU for CT. */
  sd: number;
  cv: number;
  grade: 'uniform' | 'slightly_heterogeneous' | 'heterogeneous';
}

export function uniformity(roi: Roi, ct: boolean): UniformityResult {
  // Partial-volume voxels at the edge are not lesion texture: peel up to two voxel layers while ≥ 30 voxels remain.
  const depth = peelDepth(roi);
  let s = 0;
  let s2 = 0;
  let n = 0;
  for (const minDepth of [2, 1, 0]) {
    s = 0;
    s2 = 0;
    n = 0;
    let vi = 0;
    for (let idx = 0; idx < depth.length; idx++) {
      if (!roi.local[idx]) continue;
      const v = roi.values[vi++];
      if (depth[idx] > minDepth) {
        s += v;
        s2 += v * v;
        n++;
      }
    }
    if (n >= 30) break;
  }
  const mean = s / n;
  const sd = Math.sqrt(Math.max(0, s2 / n - mean * mean));
  const cv = mean !== 0 ? sd / Math.abs(mean) : 0;
  const t = ct ? DESCRIPTOR_THRESHOLDS.uniformityCt : DESCRIPTOR_THRESHOLDS.uniformityMr;
  const x = ct ? sd : cv;
  return { sd, cv, grade: x <= t.uniform ? 'uniform' : x <= t.fair ? 'slightly_heterogeneous' : 'heterogeneous' };
}

/** Per local voxel: 1 on the region's 6-connected edge, 2 one layer in, 3 deeper (0 outside). */
function peelDepth(roi: Roi): Uint8Array {
  const { lx, ly, local } = roi;
  const plane = lx * ly;
  const depth = new Uint8Array(local.length);
  for (let idx = 0; idx < local.length; idx++) if (local[idx]) depth[idx] = 3;
  // Layer L: still-deep voxels touching a voxel of depth L − 1 (outside for L = 1); marked +10 first so a pass does not cascade.
  for (const layer of [1, 2]) {
    const touch = layer - 1;
    for (let idx = 0; idx < local.length; idx++) {
      if (depth[idx] !== 3) continue;
      if (depth[idx - 1] === touch || depth[idx + 1] === touch || depth[idx - lx] === touch || depth[idx + lx] === touch || depth[idx - plane] === touch || depth[idx + plane] === touch) depth[idx] = layer + 10;
    }
    for (let idx = 0; idx < local.length; idx++) if (depth[idx] > 10) depth[idx] -= 10;
  }
  return depth;
}

export interface SolidResult {
  thresholdHu: number;
  voxelCount: number;
  volumeMm3: number;
  fraction: number;
  longAxisMm: number;
  /** Consolidation-to-tumour ratio: solid long axis / lesion long axis. */
  ctr: number;
  nodeType: 'pure_ground_glass' | 'part_solid' | 'solid';
}

/** The solid component of a sub-solid lung nodule: voxels at or above `thresholdHu`, its volume and axial long axis. */
export function solidComponent(roi: Roi, spacing: [number, number, number], thresholdHu: number, lesionLongAxisMm: number): SolidResult {
  const local = new Uint8Array(roi.local.length);
  let vi = 0;
  let n = 0;
  for (let idx = 0; idx < local.length; idx++) {
    if (!roi.local[idx]) continue;
    if (roi.values[vi++] >= thresholdHu) {
      local[idx] = 1;
      n++;
    }
  }
  const voxel = spacing[0] * spacing[1] * spacing[2];
  let longAxisMm = 0;
  if (n > 0) {
    const solid: Roi = { ...roi, local, count: n };
    longAxisMm = axialAxes(solid, meshVertices(solid), spacing).long.lengthMm;
  }
  const ctr = lesionLongAxisMm > 0 ? longAxisMm / lesionLongAxisMm : 0;
  const t = DESCRIPTOR_THRESHOLDS.solid;
  return {
    thresholdHu,
    voxelCount: n,
    volumeMm3: n * voxel,
    fraction: n / roi.count,
    longAxisMm,
    ctr,
    nodeType: ctr <= t.pureGgnCtr ? 'pure_ground_glass' : ctr >= t.solidCtr ? 'solid' : 'part_solid',
  };
}

export interface EnhancementResult {
  preMean: number;
  postMean: number;
  /** CT: ΔHU; MR: relative enhancement in %. */
  value: number;
  unit: 'HU' | '%';
  grade: 'none' | 'mild' | 'moderate' | 'marked';
}

export function enhancement(preMean: number, postMean: number, ct: boolean): EnhancementResult {
  const value = ct ? postMean - preMean : preMean !== 0 ? ((postMean - preMean) / Math.abs(preMean)) * 100 : 0;
  const t = ct ? DESCRIPTOR_THRESHOLDS.enhancementCt : DESCRIPTOR_THRESHOLDS.enhancementMr;
  const grade = value < t.none ? 'none' : value < t.mild ? 'mild' : value < t.moderate ? 'moderate' : 'marked';
  return { preMean, postMean, value, unit: ct ? 'HU' : '%', grade };
}
