import { type Diameters, diameters } from './diameters.ts';
import { symmetricEigenvalues3 } from './eigen.ts';
import { meshMeasures } from './mesh.ts';
import type { Roi } from './roi.ts';

export interface ShapeResult {
  /** The pyradiomics shape features (names without the `original_shape_` prefix). */
  features: Record<string, number>;
  diameters: Diameters;
}

/**
 * The pyradiomics 3-D shape features (pyradiomics 3.0.1 definitions): mesh volume and surface from
 * marching cubes, voxel volume, sphericity and the deprecated compactness/disproportion trio, the
 * maximum diameters over mesh vertices, and the principal axes from the voxel-centre covariance.
 */
export function shapeFeatures(roi: Roi, verts: Int32Array, spacing: [number, number, number]): ShapeResult {
  const { surfaceArea: A, meshVolume: V } = meshMeasures(roi, spacing);
  const d = diameters(roi, verts, spacing);
  const [least, minor, major] = principalVariances(roi, spacing);
  const voxelVolume = roi.count * spacing[0] * spacing[1] * spacing[2];
  const features: Record<string, number> = {
    MeshVolume: V,
    VoxelVolume: voxelVolume,
    SurfaceArea: A,
    SurfaceVolumeRatio: A / V,
    Sphericity: (36 * Math.PI * V * V) ** (1 / 3) / A,
    Compactness1: V / Math.sqrt(Math.PI * A ** 3),
    Compactness2: (36 * Math.PI * V * V) / A ** 3,
    SphericalDisproportion: A / (36 * Math.PI * V * V) ** (1 / 3),
    Maximum3DDiameter: d.max3d.lengthMm,
    Maximum2DDiameterSlice: d.slice,
    Maximum2DDiameterColumn: d.column,
    Maximum2DDiameterRow: d.row,
    MajorAxisLength: 4 * Math.sqrt(major),
    MinorAxisLength: 4 * Math.sqrt(minor),
    LeastAxisLength: 4 * Math.sqrt(least),
    Elongation: major > 0 ? Math.sqrt(minor / major) : 0,
    Flatness: major > 0 ? Math.sqrt(least / major) : 0,
  };
  return { features, diameters: d };
}

/** Eigenvalues (ascending) of the population covariance of the voxel centres in mm. */
function principalVariances(roi: Roi, spacing: [number, number, number]): [number, number, number] {
  const { lx, ly, lz, local, count } = roi;
  const [sx, sy, sz] = spacing;
  let mx = 0;
  let my = 0;
  let mz = 0;
  let idx = 0;
  for (let z = 0; z < lz; z++) for (let y = 0; y < ly; y++) for (let x = 0; x < lx; x++, idx++) if (local[idx]) {
    mx += x;
    my += y;
    mz += z;
  }
  mx /= count;
  my /= count;
  mz /= count;
  let xx = 0;
  let yy = 0;
  let zz = 0;
  let xy = 0;
  let xz = 0;
  let yz = 0;
  idx = 0;
  for (let z = 0; z < lz; z++) {
    const dz = (z - mz) * sz;
    for (let y = 0; y < ly; y++) {
      const dy = (y - my) * sy;
      for (let x = 0; x < lx; x++, idx++) {
        if (!local[idx]) continue;
        const dx = (x - mx) * sx;
        xx += dx * dx;
        yy += dy * dy;
        zz += dz * dz;
        xy += dx * dy;
        xz += dx * dz;
        yz += dy * dz;
      }
    }
  }
  const n = count;
  return symmetricEigenvalues3([xx / n, xy / n, xz / n, xy / n, yy / n, yz / n, xz / n, yz / n, zz / n]);
}
