import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type Geometry, writeNifti } from '../../imaging/index.ts';
import { makePhantom, type Phantom, type PhantomSpec, writeSeries } from '../../imaging/synthetic/index.ts';

/** A temp dir for generated imaging fixtures (large ones are made at test time, never committed). */
export function imagingTmp(): { dir: string; cleanup(): void } {
  const dir = mkdtempSync(path.join(tmpdir(), 'yz-imaging-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Write a phantom as image.nii.gz + mask.nii.gz into `dir` (optionally under a prefix). */
export function writePhantomNifti(dir: string, p: Phantom, prefix = ''): { image: string; mask: string } {
  const image = path.join(dir, `${prefix}image.nii.gz`);
  const mask = path.join(dir, `${prefix}mask.nii.gz`);
  writeFileSync(image, writeNifti({ geometry: p.geometry, data: p.image, gzip: true }));
  writeFileSync(mask, writeNifti({ geometry: p.geometry, data: p.mask, gzip: true }));
  return { image, mask };
}

/** Write a phantom as a DICOM CT series (rescale 1/−1024 as scanners store it) into `dir/series`. */
export function writePhantomDicom(dir: string, p: Phantom, opts: { header?: Record<string, unknown>; name?: string } = {}): string {
  const sub = path.join(dir, opts.name ?? 'series');
  const files = writeSeries({ geometry: p.geometry, pixels: p.image, rescale: { slope: 1, intercept: -1024 }, header: opts.header });
  rmSync(sub, { recursive: true, force: true });
  mkdirSync(sub, { recursive: true });
  for (const f of files) writeFileSync(path.join(sub, f.name), f.bytes);
  return sub;
}

export const sphereSpec = (radiusMm: number, value: number, opts: Partial<PhantomSpec> = {}): PhantomSpec => {
  const spacing = opts.spacing ?? [0.7, 0.7, 1.25];
  const size = (s: number) => Math.ceil((2 * radiusMm + 12) / s);
  const dims: [number, number, number] = [size(spacing[0]), size(spacing[1]), size(spacing[2])];
  const center: [number, number, number] = [(dims[0] * spacing[0]) / 2 + 0.13, (dims[1] * spacing[1]) / 2 - 0.21, (dims[2] * spacing[2]) / 2 + 0.07];
  return { dims, spacing, background: -850, shapes: [{ kind: 'ellipsoid', center, radii: [radiusMm, radiusMm, radiusMm], value, label: 1 }], ...opts };
};

export const phantom = (spec: PhantomSpec) => makePhantom(spec);

/**
 * The reference venv's python (pyradiomics, SimpleITK, pydicom; scripts/imaging/reference-venv.sh, exported by
 * .ci/run as YZ_IMAGING_REF_PYTHON); null locally when it was never built, an error under CI.
 */
export function referencePython(): string | null {
  const fromEnv = process.env.YZ_IMAGING_REF_PYTHON;
  if (fromEnv && existsSync(fromEnv)) return fromEnv;
  const cached = ['/var/cache/yingzhi', path.join(process.env.HOME ?? '', '.cache/yingzhi')].map((d) => path.join(d, 'imaging-reference-venv/bin/python')).find((p) => existsSync(p));
  if (cached) return cached;
  if (process.env.CI === 'true') throw new Error('imaging reference venv missing: .ci/run must run scripts/imaging/reference-venv.sh and export YZ_IMAGING_REF_PYTHON');
  return null;
}

export type { Geometry };
