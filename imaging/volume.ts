/**
 * The in-memory image model shared by every reader and measurement: a 3-D voxel grid stored x-fastest
 * (index = i + nx·(j + ny·k)) in one typed array, with its geometry in DICOM patient space (LPS, mm).
 * Readers convert NIfTI's RAS to LPS, so masks from either format line up by physical position.
 */

export type VoxelArray = Int8Array | Uint8Array | Int16Array | Uint16Array | Int32Array | Uint32Array | Float32Array | Float64Array;
export type Vec3 = [number, number, number];

export interface Geometry {
  /** Voxels along i (columns), j (rows), k (slices). */
  dims: Vec3;
  /** mm between voxel centres along i, j, k (k from slice positions, never the thickness tag). */
  spacing: Vec3;
  /** Patient position (LPS, mm) of the centre of voxel (0, 0, 0). */
  origin: Vec3;
  /** Unit direction cosines of the i, j, k axes in LPS, column-major: [ix, iy, iz, jx, jy, jz, kx, ky, kz]. */
  direction: [number, number, number, number, number, number, number, number, number];
}

export type Modality = 'CT' | 'MR' | 'PT' | 'US' | 'OT' | 'unknown';

/** Where an image came from: what a report cites. */
export type ImageSource =
  | { kind: 'nifti'; sha256: string; fileName: string }
  | { kind: 'dicom'; seriesInstanceUid: string; studyInstanceUid: string | null; sopInstanceUids: string[]; sha256: string };

export interface Volume {
  geometry: Geometry;
  /** Rescaled values (HU for CT): rescale slope/intercept are already applied. */
  data: VoxelArray;
  modality: Modality;
  /** How the modality was established: a DICOM header, the caller, or the intensity range of a NIfTI file. */
  modalitySource: 'header' | 'option' | 'inferred' | 'unknown';
  source: ImageSource;
  /** Non-identifying acquisition facts a reader found (series description, kernel, …). */
  meta: Record<string, string | number | null>;
  warnings: string[];
}

export const voxelCount = (g: Geometry) => g.dims[0] * g.dims[1] * g.dims[2];
export const voxelVolumeMm3 = (g: Geometry) => g.spacing[0] * g.spacing[1] * g.spacing[2];

/** Patient position (LPS mm) of a continuous voxel index (i, j, k). */
export function indexToWorld(g: Geometry, i: number, j: number, k: number): Vec3 {
  const [sx, sy, sz] = g.spacing;
  const d = g.direction;
  const a = i * sx;
  const b = j * sy;
  const c = k * sz;
  return [g.origin[0] + d[0] * a + d[3] * b + d[6] * c, g.origin[1] + d[1] * a + d[4] * b + d[7] * c, g.origin[2] + d[2] * a + d[5] * b + d[8] * c];
}

/** Continuous voxel index of a patient position; the direction matrix is orthonormal, so its inverse is its transpose. */
export function worldToIndex(g: Geometry, p: Vec3): Vec3 {
  const d = g.direction;
  const x = p[0] - g.origin[0];
  const y = p[1] - g.origin[1];
  const z = p[2] - g.origin[2];
  return [(d[0] * x + d[1] * y + d[2] * z) / g.spacing[0], (d[3] * x + d[4] * y + d[5] * z) / g.spacing[1], (d[6] * x + d[7] * y + d[8] * z) / g.spacing[2]];
}

/** Same grid within `tol` (a fraction of a voxel for positions, relative for spacing, absolute for cosines). */
export function sameGrid(a: Geometry, b: Geometry, tol = 1e-3): boolean {
  for (let n = 0; n < 3; n++) {
    if (a.dims[n] !== b.dims[n]) return false;
    if (Math.abs(a.spacing[n] - b.spacing[n]) > tol * Math.max(a.spacing[n], 1e-6)) return false;
    if (Math.abs(a.origin[n] - b.origin[n]) > 0.05 * Math.min(a.spacing[0], a.spacing[1], a.spacing[2])) return false;
  }
  for (let n = 0; n < 9; n++) if (Math.abs(a.direction[n] - b.direction[n]) > 1e-3) return false;
  return true;
}

export function identityDirection(): Geometry['direction'] {
  return [1, 0, 0, 0, 1, 0, 0, 0, 1];
}

/** The axis letters of the i, j, k directions in LPS (e.g. "LPS" for a standard axial CT, "RAS"-like flips shown as such). */
export function orientationCode(g: Geometry): string {
  const letters = ['LR', 'PA', 'SI'];
  let out = '';
  for (let axis = 0; axis < 3; axis++) {
    const v = [g.direction[axis * 3], g.direction[axis * 3 + 1], g.direction[axis * 3 + 2]];
    let best = 0;
    for (let n = 1; n < 3; n++) if (Math.abs(v[n]) > Math.abs(v[best])) best = n;
    out += v[best] >= 0 ? letters[best][0] : letters[best][1];
  }
  return out;
}

/**
 * The affine map from voxel indices of grid `from` to continuous voxel indices of grid `to`, as a
 * row-major 3×4 matrix: apply it inline in hot loops instead of allocating points per voxel.
 */
export function indexTransform(from: Geometry, to: Geometry): Float64Array {
  const o = indexToWorld(from, 0, 0, 0);
  const base = worldToIndex(to, o);
  const m = new Float64Array(12);
  for (let axis = 0; axis < 3; axis++) {
    const e = indexToWorld(from, axis === 0 ? 1 : 0, axis === 1 ? 1 : 0, axis === 2 ? 1 : 0);
    const p = worldToIndex(to, e);
    for (let r = 0; r < 3; r++) m[r * 4 + axis] = p[r] - base[r];
  }
  for (let r = 0; r < 3; r++) m[r * 4 + 3] = base[r];
  return m;
}
