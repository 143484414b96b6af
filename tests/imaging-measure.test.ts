import { truncateSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { isAppError } from '../core/index.ts';
import { alignMask, type Geometry, loadImage, loadMask, type MaskVolume, measure, readNifti, readPath, type Volume, writeNifti } from '../imaging/index.ts';
import { chestPhantom, makePhantom, type PhantomShape, writeRtstruct, writeSeg, writeSeries } from '../imaging/synthetic/index.ts';
import { imagingTmp, sphereSpec, writePhantomDicom } from './helpers/imaging.ts';

const tmp = imagingTmp();
afterAll(() => tmp.cleanup());

const ctVolume = (geometry: Geometry, data: Int16Array, modality: Volume['modality'] = 'CT'): Volume => ({
  geometry, data, modality, modalitySource: 'option', source: { kind: 'nifti', sha256: 'test', fileName: 'test.nii' }, meta: {}, warnings: [],
});
const labelMask = (geometry: Geometry, labels: Uint8Array): MaskVolume => ({
  geometry, labels, kind: 'labels', sha256: 'mask', fileName: null, threshold: null, names: new Map(), hasGeometry: true, resampled: false, warnings: [],
});
const nii = (name: string, geometry: Geometry, data: Int16Array | Uint8Array | Float32Array, gzip = true) => ({ name, bytes: writeNifti({ geometry, data, gzip }) });

/** The AppError code a call throws (fails the test when it does not throw one). */
function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (isAppError(e)) return `${e.code}: ${e.message}`;
    throw e;
  }
  throw new Error('expected an error');
}

describe('readers', () => {
  const p = makePhantom({ ...sphereSpec(6, 40), noise: 8, seed: 4 });

  it('NIfTI round trip keeps dims, spacing, origin, an oblique direction and the values (LPS ↔ RAS)', () => {
    const c = Math.cos(0.3);
    const s = Math.sin(0.3);
    const g: Geometry = { ...p.geometry, origin: [-120.5, 88.25, -40], direction: [c, s, 0, -s, c, 0, 0, 0, -1] };
    for (const gzip of [false, true]) {
      const v = readNifti(writeNifti({ geometry: g, data: p.image, gzip }), { fileName: gzip ? 'x.nii.gz' : 'x.nii' });
      expect(v.geometry.dims).toEqual(g.dims);
      for (let n = 0; n < 3; n++) {
        expect(v.geometry.spacing[n]).toBeCloseTo(g.spacing[n], 5);
        expect(v.geometry.origin[n]).toBeCloseTo(g.origin[n], 3);
      }
      for (let n = 0; n < 9; n++) expect(v.geometry.direction[n]).toBeCloseTo(g.direction[n], 5);
      expect(Array.from(v.data.slice(0, 500))).toEqual(Array.from(p.image.slice(0, 500)));
      expect(v.modality).toBe('CT');
      expect(v.modalitySource).toBe('inferred');
    }
  });

  it('a DICOM series in shuffled file order: HU from rescale, slice spacing from positions (not the thickness tag)', () => {
    const dir = writePhantomDicom(tmp.dir, p, { header: { SliceThickness: 5 } });
    const files = readPath(dir).reverse();
    const v = loadImage(files);
    expect(v.geometry.dims).toEqual(p.geometry.dims);
    expect(v.geometry.spacing[2]).toBeCloseTo(1.25, 6);
    expect(v.geometry.spacing[0]).toBeCloseTo(0.7, 6);
    expect(v.data).toBeInstanceOf(Int16Array);
    expect(Array.from(v.data)).toEqual(Array.from(p.image));
    expect(v.source).toMatchObject({ kind: 'dicom', seriesInstanceUid: expect.any(String), sopInstanceUids: expect.any(Array) });
    // The same volume measured from NIfTI and from DICOM gives the same numbers.
    const fromNifti = loadImage([nii('img.nii.gz', p.geometry, p.image)]);
    const m = labelMask(p.geometry, p.mask);
    const a = measure(v, m).lesions[0];
    const b = measure(fromNifti, m).lesions[0];
    // NIfTI stores spacing as float32: equal to 1e-6 relative.
    expect(Math.abs(a.volumeMm3 - b.volumeMm3) / b.volumeMm3).toBeLessThan(1e-6);
    expect(a.intensity.mean).toBe(b.intensity.mean);
    expect(Math.abs(a.axial.longAxis.lengthMm - b.axial.longAxis.lengthMm)).toBeLessThan(1e-5);
  });

  it('DICOM SEG (binary and fractional) and RTSTRUCT masks land on the image grid with their names', () => {
    const image = loadImage([nii('img.nii.gz', p.geometry, p.image)]);
    const two = new Uint8Array(p.mask);
    for (let n = 0; n < two.length; n += 97) if (two[n]) two[n] = 2;
    const seg = loadMask({ name: 'seg.dcm', bytes: writeSeg({ geometry: p.geometry, labels: two, segments: { 1: '结节 nodule', 2: 'core' } }) }, image.geometry);
    expect(seg.kind).toBe('dicom_seg');
    expect(Array.from(seg.labels)).toEqual(Array.from(two));
    const r = measure(image, seg);
    expect(r.lesions.map((l) => [l.label, l.labelName])).toEqual([[1, '结节 nodule'], [2, 'core']]);
    const rt = loadMask({ name: 'rt.dcm', bytes: writeRtstruct(p.geometry, p.mask, { 1: 'GTV 病灶' }) }, image.geometry);
    expect(rt.kind).toBe('rtstruct');
    expect(Array.from(rt.labels)).toEqual(Array.from(p.mask));
    expect(measure(image, rt).provenance.mask.labels).toEqual([{ value: 1, name: 'GTV 病灶', voxels: p.truth.get(1)?.voxels }]);
    const prob = new Float32Array(p.mask.length);
    for (let n = 0; n < prob.length; n++) prob[n] = p.mask[n] ? 0.8 : 0.3;
    const frac = loadMask({ name: 'frac.dcm', bytes: writeSeg({ geometry: p.geometry, labels: p.mask, segments: { 1: 'prob' }, fractional: prob }) }, image.geometry);
    expect(frac.threshold).toBe(0.5);
    expect(Array.from(frac.labels)).toEqual(Array.from(p.mask));
  });

  it('a probabilistic NIfTI mask is inside where value > threshold (0.5 by default, configurable)', () => {
    const prob = new Float32Array(p.mask.length);
    for (let n = 0; n < prob.length; n++) prob[n] = p.mask[n] ? 0.7 : 0.2;
    const image = loadImage([nii('img.nii.gz', p.geometry, p.image)]);
    const def = loadMask(nii('prob.nii.gz', p.geometry, prob), image.geometry);
    expect(def).toMatchObject({ kind: 'probability', threshold: 0.5 });
    expect(measure(image, def).lesions[0].voxelCount).toBe(p.truth.get(1)?.voxels);
    const high = loadMask(nii('prob.nii.gz', p.geometry, prob), image.geometry, { threshold: 0.75 });
    expect(() => measure(image, high)).toThrow(/empty/);
    expect(measure(image, loadMask(nii('prob.nii.gz', p.geometry, prob), image.geometry, { threshold: 0.1 })).lesions[0].voxelCount).toBe(prob.length);
  });

  it('a mask of the same field of view at half resolution is resampled, with a warning', () => {
    const image = loadImage([nii('img.nii.gz', p.geometry, p.image)]);
    const [nx, ny, nz] = p.geometry.dims;
    const [cx, cy] = [Math.floor(nx / 2), Math.floor(ny / 2)];
    const coarse: Geometry = { ...p.geometry, dims: [cx, cy, nz], spacing: [p.geometry.spacing[0] * 2, p.geometry.spacing[1] * 2, p.geometry.spacing[2]], origin: [0.35, 0.35, 0] };
    // A coarse voxel is labelled when most of the 2×2 fine voxels it covers are.
    const cm = new Uint8Array(cx * cy * nz);
    for (let k = 0; k < nz; k++) for (let j = 0; j < cy; j++) for (let i = 0; i < cx; i++) {
      let n = 0;
      for (const [di, dj] of [[0, 0], [1, 0], [0, 1], [1, 1]]) n += p.mask[2 * i + di + nx * (2 * j + dj + ny * k)];
      cm[i + cx * (j + cy * k)] = n >= 2 ? 1 : 0;
    }
    const aligned = alignMask(loadMask(nii('coarse.nii.gz', coarse, cm), image.geometry), image.geometry);
    expect(aligned.resampled).toBe(true);
    expect(aligned.warnings.join()).toMatch(/resampled/);
    const v = measure(image, aligned).lesions[0].volumeMm3;
    const truth = p.truth.get(1)?.analyticMm3 as number;
    expect(Math.abs(v - truth) / truth).toBeLessThan(0.1);
  });
});

describe('measurements on phantoms of known size', () => {
  const run = (shape: Omit<PhantomShape, 'center' | 'label'>, opts: { blur?: number; noise?: number; spacing?: [number, number, number] } = {}) => {
    const sp = opts.spacing ?? [0.7, 0.7, 1.25];
    const R = Math.max(...shape.radii) * (1 + (shape.spikes?.length ?? 0) + (shape.lobes?.amplitude ?? 0)) + 8;
    const dims: [number, number, number] = [Math.ceil((2 * R) / sp[0]), Math.ceil((2 * R) / sp[1]), Math.ceil((2 * R) / sp[2])];
    const ph = makePhantom({ dims, spacing: sp, background: -850, noise: opts.noise ?? 10, blurMm: opts.blur ?? 0, seed: 5, shapes: [{ ...shape, center: [R + 0.17, R - 0.23, R + 0.11], label: 1 } as PhantomShape] });
    return { ph, lesion: measure(ctVolume(ph.geometry, ph.image), labelMask(ph.geometry, ph.mask)).lesions[0] };
  };

  it('sphere: volume within 1 % of 4/3πr³, axial long and short axes ≈ 2r, 3-D diameter ≈ 2r, mean HU within 1 HU', () => {
    const { ph, lesion } = run({ kind: 'ellipsoid', radii: [12, 12, 12], value: 40 });
    const truth = ph.truth.get(1)?.analyticMm3 as number;
    expect(Math.abs(lesion.volumeMm3 - truth) / truth).toBeLessThan(0.01);
    expect(lesion.volumeCm3).toBeCloseTo(lesion.volumeMm3 / 1000, 9);
    expect(Math.abs(lesion.axial.longAxis.lengthMm - 24)).toBeLessThan(1.0);
    expect(Math.abs((lesion.axial.shortAxis?.lengthMm ?? 0) - 24)).toBeLessThan(1.0);
    expect(Math.abs(lesion.maxDiameter3d.lengthMm - 24)).toBeLessThan(1.5);
    expect(Math.abs(lesion.intensity.mean - 40)).toBeLessThan(1);
    expect(lesion.intensity.kind).toBe('hu');
    // The long axis lies on the reported slice, its ends 24 mm apart in patient space.
    const a = lesion.axial.longAxis;
    expect(a.fromIndex[2]).toBe(lesion.axial.slice);
    expect(Math.hypot(a.fromMm[0] - a.toMm[0], a.fromMm[1] - a.toMm[1], a.fromMm[2] - a.toMm[2])).toBeCloseTo(a.lengthMm, 6);
  });

  it('ellipsoid 14 × 8 mm in plane: long ≈ 28, perpendicular short ≈ 16', () => {
    const { lesion } = run({ kind: 'ellipsoid', radii: [14, 8, 10], value: 30 });
    expect(Math.abs(lesion.axial.longAxis.lengthMm - 28)).toBeLessThan(1.0);
    expect(Math.abs((lesion.axial.shortAxis?.lengthMm ?? 0) - 16)).toBeLessThan(1.0);
    const l = lesion.axial.longAxis;
    const s = lesion.axial.shortAxis!;
    const dot = (l.toMm[0] - l.fromMm[0]) * (s.toMm[0] - s.fromMm[0]) + (l.toMm[1] - l.fromMm[1]) * (s.toMm[1] - s.fromMm[1]);
    expect(Math.abs(dot) / (l.lengthMm * s.lengthMm)).toBeLessThan(0.01);
  });

  it('contour grades: regular spheres/ellipsoids, lobulated, spiculated; tiny lesions are indeterminate', () => {
    for (const r of [4, 6, 10, 15]) expect(run({ kind: 'ellipsoid', radii: [r, r, r], value: 30 }).lesion.descriptors.contour.grade, `sphere r${r}`).toBe('regular');
    for (const r of [4, 8, 14]) expect(run({ kind: 'ellipsoid', radii: [r, r * 0.6, r * 0.8], value: 30 }).lesion.descriptors.contour.grade).toBe('regular');
    for (const r of [5, 8, 12]) expect(run({ kind: 'lobulated', radii: [r, r, r * 0.9], lobes: { count: 5, amplitude: 0.15 }, value: 30 }).lesion.descriptors.contour.grade).toBe('lobulated');
    for (const r of [4, 6, 10]) expect(run({ kind: 'spiculated', radii: [r, r, r], spikes: { count: 8, length: 0.8, widthMm: 0.9 }, value: 30 }).lesion.descriptors.contour.grade).toBe('spiculated');
    expect(run({ kind: 'ellipsoid', radii: [3, 3, 3], value: 30 }).lesion.descriptors.contour.grade).toBe('indeterminate');
    expect(run({ kind: 'ellipsoid', radii: [10, 10, 10], value: 30 }).lesion.descriptors.contour.sphericity).toBeGreaterThan(0.85);
  });

  it('margin: a sharp edge is clear, a blurred one fairly clear, a very blurred one ill-defined', () => {
    const grade = (blur: number) => run({ kind: 'ellipsoid', radii: [8, 8, 8], value: 30 }, { blur }).lesion.descriptors.margin;
    expect(grade(0).grade).toBe('clear');
    expect(grade(2).grade).toBe('fairly_clear');
    const blurred = grade(4);
    expect(blurred.grade).toBe('ill_defined');
    expect(blurred.edgeWidthMm).toBeGreaterThan(grade(0).edgeWidthMm);
  });

  it('density uniformity follows the lesion SD (HU)', () => {
    expect(run({ kind: 'ellipsoid', radii: [8, 8, 8], value: 30 }, { noise: 8 }).lesion.descriptors.uniformity.grade).toBe('uniform');
    expect(run({ kind: 'ellipsoid', radii: [8, 8, 8], value: 30 }, { noise: 22 }).lesion.descriptors.uniformity.grade).toBe('slightly_heterogeneous');
    expect(run({ kind: 'ellipsoid', radii: [8, 8, 8], value: 30 }, { noise: 45 }).lesion.descriptors.uniformity.grade).toBe('heterogeneous');
  });

  it('part-solid nodule: solid component volume, CTR and node type; a pure GGN has none', () => {
    const ch = chestPhantom();
    const r = measure(ctVolume(ch.geometry, ch.image), labelMask(ch.geometry, ch.mask));
    const [partSolid, solid] = r.lesions;
    expect(partSolid.label).toBe(1);
    expect(partSolid.solidComponent?.nodeType).toBe('part_solid');
    expect(partSolid.solidComponent?.ctr).toBeGreaterThan(0.25);
    expect(partSolid.solidComponent?.ctr).toBeLessThan(0.75);
    expect(solid.solidComponent).toBeNull();
    const ggn = run({ kind: 'ellipsoid', radii: [6, 6, 6], value: -600 });
    expect(ggn.lesion.solidComponent).toMatchObject({ nodeType: 'pure_ground_glass', volumeMm3: 0, ctr: 0 });
  });

  it('enhancement from the unenhanced phase: ΔHU and grade', () => {
    const post = makePhantom({ ...sphereSpec(8, 75), noise: 5, seed: 2 });
    const pre = makePhantom({ ...sphereSpec(8, 40), noise: 5, seed: 3 });
    const r = measure(ctVolume(post.geometry, post.image), labelMask(post.geometry, post.mask), { pre: ctVolume(pre.geometry, pre.image) });
    const e = r.lesions[0].descriptors.enhancement;
    expect(e?.unit).toBe('HU');
    expect(Math.abs((e?.value ?? 0) - 35)).toBeLessThan(1.5);
    expect(e?.grade).toBe('moderate');
    expect(r.provenance.prePhase).toMatchObject({ kind: 'nifti' });
  });

  it('connected components become separate lesions, largest first', () => {
    const ph = makePhantom({ dims: [80, 50, 30], spacing: [0.8, 0.8, 1.5], background: -850, noise: 5, shapes: [
      { kind: 'ellipsoid', center: [15, 20, 22], radii: [6, 6, 6], value: 30, label: 1 },
      { kind: 'ellipsoid', center: [45, 20, 22], radii: [9, 9, 9], value: 30, label: 1 },
    ] });
    const r = measure(ctVolume(ph.geometry, ph.image), labelMask(ph.geometry, ph.mask), { components: true });
    expect(r.lesions.map((l) => l.ref)).toEqual(['L1.1', 'L1.2']);
    expect(r.lesions[0].volumeMm3).toBeGreaterThan(r.lesions[1].volumeMm3 * 2.5);
    expect(r.lesions[0].voxelCount + r.lesions[1].voxelCount).toBe(ph.truth.get(1)?.voxels);
  });

  it('every number is citable: quantities carry unit, lesion and a ref into the result; the id is stable', () => {
    const { ph } = run({ kind: 'ellipsoid', radii: [6, 6, 6], value: 30 });
    const a = measure(ctVolume(ph.geometry, ph.image), labelMask(ph.geometry, ph.mask));
    const b = measure(ctVolume(ph.geometry, ph.image), labelMask(ph.geometry, ph.mask));
    expect(a.id).toBe(b.id);
    expect(a.id).toMatch(/^msr_[0-9a-f]{24}$/);
    const vol = a.quantities.find((q) => q.key === 'volume.cm3');
    expect(vol).toMatchObject({ ref: `${a.id}#L1/volume.cm3`, lesion: 'L1', unit: 'cm³', value: a.lesions[0].volumeCm3 });
    expect(a.quantities.find((q) => q.key === 'intensity.mean')?.unit).toBe('HU');
    expect(a.quantities.filter((q) => q.key.startsWith('feature.')).length).toBeGreaterThanOrEqual(36);
    expect(a.provenance.software).toMatchObject({ name: 'yingzhi-imaging', version: expect.any(String), featureDefinitions: expect.stringContaining('pyradiomics') });
  });

  it('organ volume and share (器官体积/占比): a tumour inside the liver, lobe shares, ratio to a reference label', () => {
    // Liver (label 1, 30 × 24 × 20 mm) with a tumour (label 2, r 8 mm) inside it, and the spleen (label 3) beside it.
    const ph = makePhantom({ dims: [120, 70, 40], spacing: [0.8, 0.8, 1.5], background: -100, noise: 4, shapes: [
      { kind: 'ellipsoid', center: [35, 28, 30], radii: [30, 24, 20], value: 60, label: 1 },
      { kind: 'ellipsoid', center: [40, 28, 30], radii: [8, 8, 8], value: 20, label: 2 },
      { kind: 'ellipsoid', center: [80, 28, 30], radii: [12, 9, 10], value: 50, label: 3 },
    ] });
    const voxel = 0.8 * 0.8 * 1.5;
    const tumour = ph.truth.get(2)?.voxels ?? 0;
    const liverOnly = (ph.truth.get(1)?.voxels ?? 0) - tumour; // the tumour's voxels carry label 2
    const spleen = ph.truth.get(3)?.voxels ?? 0;
    const total = liverOnly + tumour + spleen;
    const r = measure(ctVolume(ph.geometry, ph.image), labelMask(ph.geometry, ph.mask), { label: 2, referenceLabel: 1 });
    expect(r.lesions.map((l) => l.ref)).toEqual(['L2']); // full measurement of the tumour only …
    expect(r.volumes.map((v) => v.label)).toEqual([1, 2, 3]); // … volumes of every label
    const [liver, tum, spl] = r.volumes;
    expect(liver.volumeMm3).toBeCloseTo(liverOnly * voxel, 6);
    expect(tum.sharePercent).toBeCloseTo((100 * tumour) / total, 9);
    expect(liver.sharePercent + tum.sharePercent + spl.sharePercent).toBeCloseTo(100, 9);
    expect(spl.ratioToReference).toBeCloseTo(spleen / liverOnly, 9);
    expect(liver.ratioToReference).toBe(1);
    // Tumour burden = tumour / (liver + tumour) when the mask holds those two labels only.
    const burden = measure(ctVolume(ph.geometry, ph.image), labelMask(ph.geometry, ph.mask.map((v) => (v === 3 ? 0 : v))), { label: 2 });
    expect(burden.volumes[1].sharePercent).toBeCloseTo((100 * tumour) / (tumour + liverOnly), 9);
    expect(burden.volumes[1].sharePercent).toBeCloseTo((100 * 8 ** 3) / (30 * 24 * 20), 1); // analytic: 3.56 %
    expect(burden.volumes[1].ratioToReference).toBeNull();
    const share = r.quantities.find((q) => q.key === 'label.volume.share' && q.lesion === 'L2');
    expect(share).toMatchObject({ ref: `${r.id}#L2/label.volume.share`, unit: '%', value: tum.sharePercent });
    expect(r.quantities.find((q) => q.key === 'label.volume.ratio_to_L1' && q.lesion === 'L3')?.value).toBe(spl.ratioToReference);
    expect(r.provenance.settings.referenceLabel).toBe(1);
    expect(codeOf(() => measure(ctVolume(ph.geometry, ph.image), labelMask(ph.geometry, ph.mask), { referenceLabel: 9 }))).toMatch(/^LABEL_NOT_FOUND: .*label 9/);
    // One label alone has no share to report.
    const single = measure(ctVolume(ph.geometry, ph.image), labelMask(ph.geometry, ph.mask.map((v) => (v === 2 ? 1 : 0))));
    expect(single.quantities.some((q) => q.key === 'label.volume.share')).toBe(false);
  });

  it('MR: signal statistics in arbitrary units; HU statistics are refused', () => {
    const ph = makePhantom({ ...sphereSpec(6, 900, { background: 200 }), noise: 20 });
    const mr = ctVolume(ph.geometry, ph.image, 'MR');
    const l = measure(mr, labelMask(ph.geometry, ph.mask)).lesions[0];
    expect(l.intensity).toMatchObject({ kind: 'signal', unit: 'a.u.' });
    expect(l.solidComponent).toBeNull();
    expect(codeOf(() => measure(mr, labelMask(ph.geometry, ph.mask), { requireHu: true }))).toMatch(/^MODALITY_NOT_SUPPORTED: .*MR/);
  });
});

describe('bad input is refused with a named reason', () => {
  const p = makePhantom({ ...sphereSpec(5, 40), noise: 5 });
  const image = loadImage([nii('img.nii.gz', p.geometry, p.image)]);

  it('mask and image dimensions differ (a mask without orientation), or the mask lies elsewhere', () => {
    const [nx, ny, nz] = p.geometry.dims;
    const small: Geometry = { ...p.geometry, dims: [nx - 4, ny, nz] };
    const bytes = Buffer.from(writeNifti({ geometry: small, data: new Uint8Array((nx - 4) * ny * nz).fill(1) }));
    bytes.writeInt16LE(0, 252); // qform_code
    bytes.writeInt16LE(0, 254); // sform_code
    const m = loadMask({ name: 'noorient.nii', bytes }, image.geometry);
    expect(codeOf(() => alignMask(m, image.geometry))).toMatch(/^MASK_GEOMETRY_MISMATCH: .*differ/);
    const far: Geometry = { ...p.geometry, origin: [500, 500, 500] };
    expect(codeOf(() => alignMask(loadMask(nii('far.nii.gz', far, p.mask), image.geometry), image.geometry))).toMatch(/^MASK_GEOMETRY_MISMATCH: .*overlap/);
  });

  it('an empty mask, and a label that is not in the mask (naming the labels present)', () => {
    expect(codeOf(() => measure(image, labelMask(p.geometry, new Uint8Array(p.mask.length))))).toMatch(/^MASK_EMPTY/);
    const msg = codeOf(() => measure(image, labelMask(p.geometry, p.mask), { label: 7 }));
    expect(msg).toMatch(/^LABEL_NOT_FOUND: .*label 7.*1 \(\d+ voxels\)/);
  });

  it('missing spacing in NIfTI and in DICOM', () => {
    const bytes = Buffer.from(writeNifti({ geometry: p.geometry, data: p.image }));
    bytes.writeInt16LE(0, 252);
    bytes.writeInt16LE(0, 254);
    for (let n = 0; n < 3; n++) bytes.writeFloatLE(0, 80 + n * 4);
    expect(codeOf(() => loadImage([{ name: 'nospacing.nii', bytes }]))).toMatch(/^IMAGE_GEOMETRY_INVALID: .*spacing/);
    const files = writeSeries({ geometry: p.geometry, pixels: p.image, header: { PixelSpacing: undefined } });
    expect(codeOf(() => loadImage(files))).toMatch(/^IMAGE_GEOMETRY_INVALID: .*Pixel Spacing/);
  });

  it('a gzip-corrupt NIfTI, and a file that is neither NIfTI nor DICOM', () => {
    const gz = Buffer.from(gzipSync(writeNifti({ geometry: p.geometry, data: p.image })));
    gz.fill(0x41, 200, 260);
    expect(codeOf(() => loadImage([{ name: 'broken.nii.gz', bytes: gz }]))).toMatch(/^IMAGE_UNREADABLE: .*gzip/);
    expect(codeOf(() => loadImage([{ name: 'notes.txt', bytes: Buffer.from('just text, not an image') }]))).toMatch(/^IMAGE_UNREADABLE: .*DICOM/);
  });

  it('a DICOM series with two orientations, two series mixed, and a missing slice', () => {
    const g = p.geometry;
    const twoOrient = writeSeries({ geometry: g, pixels: p.image, sliceOverrides: { 3: { ImageOrientationPatient: [1, 0, 0, 0, 0, -1] } } });
    expect(codeOf(() => loadImage(twoOrient))).toMatch(/^SERIES_MIXED: .*orientations/);
    const other = writeSeries({ geometry: g, pixels: p.image, seriesDescription: 'second series' });
    const mixed = [...writeSeries({ geometry: g, pixels: p.image }), ...other].map((f, n) => ({ ...f, name: `${n}.dcm` }));
    expect(codeOf(() => loadImage(mixed))).toMatch(/^SERIES_MIXED: .*2 series.*second series/);
    const gap = writeSeries({ geometry: g, pixels: p.image }).filter((_, n) => n !== 5);
    expect(codeOf(() => loadImage(gap))).toMatch(/^IMAGE_GEOMETRY_INVALID: .*uneven slice spacing/);
  });

  it('a 2 GB file is refused before it is read; a gzip that inflates past the limit too', () => {
    // A sparse 2 GiB file: no disk used, and the reader must not try to load it.
    const big = path.join(tmp.dir, 'huge.nii');
    writeFileSync(big, '');
    truncateSync(big, 2 * 1024 ** 3);
    const started = performance.now();
    expect(codeOf(() => readPath(big))).toMatch(/^FILE_TOO_LARGE: .*2048 MB/);
    expect(performance.now() - started).toBeLessThan(1000);
    const bomb = gzipSync(Buffer.alloc(8 * 1024 * 1024));
    expect(codeOf(() => loadImage([{ name: 'bomb.nii.gz', bytes: bomb }], { limits: { maxBytes: 1024 * 1024 } }))).toMatch(/^FILE_TOO_LARGE: .*inflates/);
  });

  it('an integer label map is read as labels, not as probabilities', () => {
    const m = loadMask(nii('labels.nii.gz', p.geometry, p.mask), image.geometry);
    expect(m.kind).toBe('labels');
  });
});
