import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alignMask, loadImage, loadMask, type MeasurementResult, measure } from '../imaging/index.ts';
import { chestPhantom, makePhantom, type Phantom, type PhantomSpec } from '../imaging/synthetic/index.ts';
import { imagingTmp, referencePython, sphereSpec, writePhantomNifti } from './helpers/imaging.ts';
import { ROOT } from './helpers/runtime.ts';

/**
 * Cross-check against the reference implementations from PyPI (pyradiomics 3.0.1 + SimpleITK 2.5.7 in the
 * test venv that scripts/imaging/reference-venv.sh builds; .ci/run exports YZ_IMAGING_REF_PYTHON). Phantoms
 * of known volume and HU plus a chest-like case are generated here, measured by both, and the error per
 * feature is written to test-results/imaging-reference.{json,md}.
 */
const PY = referencePython();

/** Mesh-based features depend on how each marching-cubes face is split into triangles (see imaging/measure/mesh.ts). */
const MESH_FEATURES = new Set(['shape_MeshVolume', 'shape_SurfaceArea', 'shape_SurfaceVolumeRatio', 'shape_Sphericity', 'shape_Compactness1', 'shape_Compactness2', 'shape_SphericalDisproportion']);

interface Case {
  id: string;
  phantom: Phantom;
  label: number;
  /** The truth the phantom was built with (analytic volume is checked only where the shape is large enough to resolve). */
  trueValue?: number;
  analyticCheck?: boolean;
}

const spec = (s: PhantomSpec) => makePhantom({ noise: 10, seed: 11, ...s });

function cases(): Case[] {
  const ellipsoid = spec({ dims: [64, 56, 44], spacing: [0.7, 0.7, 1.0], background: -850, shapes: [{ kind: 'ellipsoid', center: [22.3, 19.6, 21.9], radii: [14, 9, 11], value: 45, label: 1 }] });
  const shell = spec({ dims: [60, 60, 40], spacing: [0.8, 0.8, 1.25], background: -20, shapes: [{ kind: 'shell', center: [24.1, 23.8, 25.2], radii: [14, 14, 14], innerFraction: 0.55, value: 120, label: 1 }] });
  const lob = spec({ dims: [56, 56, 40], spacing: [0.6, 0.6, 1.0], background: -850, shapes: [{ kind: 'lobulated', center: [16.7, 17.1, 20.2], radii: [9, 9, 8], lobes: { count: 5, amplitude: 0.15 }, value: 30, label: 1 }] });
  const spic = spec({ dims: [72, 72, 44], spacing: [0.6, 0.6, 1.0], background: -850, shapes: [{ kind: 'spiculated', center: [21.4, 21.7, 22.1], radii: [7, 7, 7], spikes: { count: 8, length: 0.9, widthMm: 1.1 }, value: 30, label: 1 }] });
  const chest = chestPhantom();
  const mr = spec({ dims: [48, 48, 32], spacing: [0.9, 0.9, 2.0], background: 300, shapes: [{ kind: 'ellipsoid', center: [21.4, 22.2, 31.1], radii: [10, 8, 12], value: 820, label: 1 }], noise: 25 });
  return [
    { id: 'sphere_r12', phantom: spec(sphereSpec(12, 40)), label: 1, trueValue: 40, analyticCheck: true },
    { id: 'sphere_r4_nodule', phantom: spec(sphereSpec(4, 30)), label: 1, trueValue: 30 },
    { id: 'ellipsoid_14x9x11', phantom: ellipsoid, label: 1, trueValue: 45, analyticCheck: true },
    { id: 'shell_r14_0.55', phantom: shell, label: 1, trueValue: 120, analyticCheck: true },
    { id: 'lobulated', phantom: lob, label: 1, trueValue: 30 },
    { id: 'spiculated', phantom: spic, label: 1, trueValue: 30 },
    { id: 'mr_signal_ellipsoid', phantom: mr, label: 1, trueValue: 820, analyticCheck: true },
    { id: 'chest_part_solid_nodule', phantom: chest, label: 1 },
    { id: 'chest_solid_nodule', phantom: chest, label: 2 },
  ];
}

describe.skipIf(!PY)('measurements agree with pyradiomics and SimpleITK on generated phantoms', () => {
  const tmp = imagingTmp();
  const all = cases();
  const ours = new Map<string, MeasurementResult>();
  let ref: { versions: Record<string, string>; results: Record<string, { pyradiomics: Record<string, number> | null; sitk: Record<string, number>; ms: Record<string, number> }> };

  beforeAll(() => {
    const jobs = all.map((c) => {
      const files = writePhantomNifti(tmp.dir, c.phantom, `${c.id}-`);
      const image = loadImage([{ name: path.basename(files.image), bytes: readFileSync(files.image) }], { modality: c.id.startsWith('mr') ? 'MR' : 'CT' });
      const mask = alignMask(loadMask({ name: path.basename(files.mask), bytes: readFileSync(files.mask) }, image.geometry), image.geometry);
      ours.set(c.id, measure(image, mask, { label: c.label }));
      return { id: c.id, image: files.image, mask: files.mask, label: c.label };
    });
    ref = JSON.parse(execFileSync(PY as string, [path.join(ROOT, 'scripts/imaging/reference.py')], { input: JSON.stringify(jobs), maxBuffer: 64 * 1024 * 1024 }).toString());
  }, 180_000);
  afterAll(() => tmp.cleanup());

  it('every pyradiomics first-order and shape feature agrees (exact but for mesh triangulation); the error table is written', () => {
    expect(ref.versions.pyradiomics).toBe('v3.0.1');
    const rows: Array<{ feature: string; maxRelErr: number; worstCase: string }> = [];
    const names = Object.keys(ref.results[all[0].id].pyradiomics ?? {}).sort();
    expect(names.length).toBeGreaterThanOrEqual(36);
    const bad: string[] = [];
    for (const name of names) {
      let worst = 0;
      let worstCase = '';
      for (const c of all) {
        const theirs = ref.results[c.id].pyradiomics?.[name] as number;
        const mine = ours.get(c.id)?.lesions[0].features[`original_${name}`] as number;
        const err = Math.abs(mine - theirs) / Math.max(Math.abs(theirs), 1e-9);
        if (err > worst) {
          worst = err;
          worstCase = c.id;
        }
        const tol = MESH_FEATURES.has(name) ? 0.01 : 1e-6;
        if (!(err <= tol)) bad.push(`${c.id} ${name}: ours ${mine} vs pyradiomics ${theirs} (rel ${err.toExponential(2)})`);
      }
      rows.push({ feature: name, maxRelErr: worst, worstCase });
    }
    const dir = path.join(ROOT, 'test-results');
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'imaging-reference.json'), `${JSON.stringify({ versions: ref.versions, cases: all.map((c) => c.id), rows }, null, 2)}\n`);
    const md = ['| feature | max relative error | worst phantom |', '|---|---|---|', ...rows.map((r) => `| ${r.feature} | ${r.maxRelErr === 0 ? '0' : r.maxRelErr.toExponential(2)} | ${r.worstCase} |`)].join('\n');
    writeFileSync(path.join(dir, 'imaging-reference.md'), `${md}\n`);
    expect(bad).toEqual([]);
  });

  it('volume within 1 % and mean HU within 1 HU of SimpleITK, and of the phantom truth where the shape is resolved', () => {
    for (const c of all) {
      const l = ours.get(c.id)?.lesions[0];
      const s = ref.results[c.id].sitk;
      expect(l, c.id).toBeDefined();
      if (!l) continue;
      expect(l.voxelCount, c.id).toBe(s.voxels);
      expect(Math.abs(l.volumeMm3 - s.physicalSize) / s.physicalSize, c.id).toBeLessThan(0.01);
      expect(Math.abs(l.intensity.mean - s.mean), c.id).toBeLessThan(1);
      expect(Math.abs(l.intensity.sd - s.sd), c.id).toBeLessThan(1e-6 * Math.max(1, s.sd));
      expect([l.intensity.min, l.intensity.max, l.intensity.median, l.intensity.percentiles.p10, l.intensity.percentiles.p90]).toEqual([s.min, s.max, s.median, s.p10, s.p90]);
      if (c.trueValue !== undefined) expect(Math.abs(l.intensity.mean - c.trueValue), `${c.id} mean vs truth`).toBeLessThan(1);
      if (c.analyticCheck) {
        const truth = c.phantom.truth.get(c.label)?.analyticMm3 as number;
        expect(Math.abs(l.volumeMm3 - truth) / truth, `${c.id} volume vs analytic ${truth.toFixed(1)}`).toBeLessThan(0.01);
      }
    }
  });
});
