import { AppError, sha256Hex } from '../../core/index.ts';
import type { MaskVolume } from '../mask.ts';
import { type LabelVolume, type Lesion, type MeasurementResult, type Provenance, type Quantity, SCHEMA_VERSION, type SegmentDto } from '../measurement.schema.ts';
import { FEATURE_DEFINITIONS, SOFTWARE_VERSION } from '../version.ts';
import { type Geometry, type ImageSource, indexToWorld, indexTransform, orientationCode, type Volume, voxelVolumeMm3 } from '../volume.ts';
import { contour, enhancement, marginSharpness, solidComponent, uniformity } from './descriptors.ts';
import { axialAxes, type Segment } from './diameters.ts';
import { firstOrderFeatures, histogram, intensityStats, percentile } from './first-order.ts';
import { meshVertices } from './mesh.ts';
import { extractRois, type LabelInfo, pickLabels, type Roi, scanLabels } from './roi.ts';
import { shapeFeatures } from './shape.ts';

export interface MeasureOptions {
  /** Measure only this label (refused when absent); default every label present. */
  label?: number;
  /** Split each label into its 26-connected components, one lesion each. */
  components?: boolean;
  /** pyradiomics bin width for Entropy/Uniformity (default 25). */
  binWidth?: number;
  /** Solid-component threshold for sub-solid lung nodules (default −300 HU). */
  solidThresholdHu?: number;
  /** Report every label's volume also as a ratio to this label's (e.g. the liver); refused when absent. */
  referenceLabel?: number;
  /** The caller asked for HU statistics: refuse a non-CT image instead of reporting signal statistics. */
  requireHu?: boolean;
  /** The other contrast phase (unenhanced), on the same patient coordinates, for the enhancement descriptor. */
  pre?: Volume | null;
  onProgress?: (done: number, total: number, step: string) => void;
}

/**
 * Measure every lesion of a mask on an image: volume, axial long/short axes, 3-D maximum diameter,
 * intensity statistics and histogram, solid component (sub-solid CT nodules), descriptors and the
 * pyradiomics first-order + shape features, with provenance. Pure computation over typed arrays; the
 * volume is never copied, each region is extracted once into its bounding box.
 */
export function measure(image: Volume, mask: MaskVolume, opts: MeasureOptions = {}): MeasurementResult {
  const timings: Record<string, number> = {};
  const t0 = performance.now();
  const lap = (key: string, since: number) => {
    timings[key] = (timings[key] ?? 0) + (performance.now() - since);
  };
  const g = image.geometry;
  const ct = image.modality === 'CT';
  if (opts.requireHu && !ct) {
    throw new AppError('MODALITY_NOT_SUPPORTED', `HU 统计仅适用于 CT，本图像模态为 ${image.modality} / HU statistics need a CT image; this image is ${image.modality} (signal statistics are available without requiring HU)`, { field: 'modality' });
  }
  const binWidth = opts.binWidth ?? 25;
  const solidThresholdHu = opts.solidThresholdHu ?? -300;
  let t = performance.now();
  const present = scanLabels(mask.labels, g);
  const chosen = pickLabels(present, opts.label);
  if (opts.referenceLabel !== undefined) pickLabels(present, opts.referenceLabel, 'referenceLabel');
  lap('scan', t);
  const lesions: Lesion[] = [];
  const warnings = [...image.warnings, ...mask.warnings];
  const total = chosen.length;
  chosen.forEach((info, n) => {
    opts.onProgress?.(n, total, `label ${info.label}`);
    t = performance.now();
    const rois = extractRois(mask.labels, image.data, g, info, opts.components ?? false);
    lap('extract', t);
    for (const roi of rois) lesions.push(measureRoi(roi, image, mask, { ct, binWidth, solidThresholdHu, pre: opts.pre ?? null, lap }));
  });
  opts.onProgress?.(total, total, 'done');
  const provenance = provenanceOf(image, mask, present, opts, binWidth, solidThresholdHu);
  const id = `msr_${sha256Hex(JSON.stringify({ provenance, v: SCHEMA_VERSION })).slice(0, 24)}`;
  const volumes = labelVolumes(present, mask, voxelVolumeMm3(g), opts.referenceLabel);
  timings.total = performance.now() - t0;
  for (const k of Object.keys(timings)) timings[k] = Math.round(timings[k] * 10) / 10;
  return {
    id,
    schemaVersion: SCHEMA_VERSION,
    createdAt: new Date().toISOString(),
    provenance,
    lesions,
    volumes,
    quantities: [...lesions.flatMap((l) => quantitiesOf(id, l)), ...volumeQuantities(id, volumes, opts.referenceLabel)],
    warnings,
    timingsMs: timings,
  };
}

interface RoiContext {
  ct: boolean;
  binWidth: number;
  solidThresholdHu: number;
  pre: Volume | null;
  lap: (key: string, since: number) => void;
}

function measureRoi(roi: Roi, image: Volume, mask: MaskVolume, c: RoiContext): Lesion {
  const g = image.geometry;
  const spacing = g.spacing;
  let t = performance.now();
  const stats = intensityStats(roi.values);
  const first = firstOrderFeatures(roi.values, stats, voxelVolumeMm3(g), c.binWidth);
  c.lap('firstOrder', t);
  t = performance.now();
  const verts = meshVertices(roi);
  const shape = shapeFeatures(roi, verts, spacing);
  c.lap('shape', t);
  t = performance.now();
  const axial = axialAxes(roi, verts, spacing);
  c.lap('axial', t);
  t = performance.now();
  const margin = marginSharpness(roi, image.data, g);
  const cont = contour(roi, axial.slice, spacing, axial.long.lengthMm);
  const unif = uniformity(roi, c.ct);
  const enh = c.pre ? enhancement(meanOnOtherGrid(roi, c.pre, g), stats.mean, c.ct) : null;
  const solid = c.ct && stats.mean <= -100 ? solidComponent(roi, spacing, c.solidThresholdHu, axial.long.lengthMm) : null;
  c.lap('descriptors', t);
  const volumeMm3 = roi.count * voxelVolumeMm3(g);
  const features: Record<string, number> = {};
  for (const [k, v] of Object.entries(first)) features[`original_firstorder_${k}`] = v;
  for (const [k, v] of Object.entries(shape.features)) features[`original_shape_${k}`] = v;
  return {
    ref: roi.component ? `L${roi.label}.${roi.component}` : `L${roi.label}`,
    label: roi.label,
    labelName: mask.names.get(roi.label) ?? null,
    component: roi.component,
    voxelCount: roi.count,
    volumeMm3,
    volumeCm3: volumeMm3 / 1000,
    axial: { slice: axial.slice, longAxis: segment(g, axial.long), shortAxis: axial.short ? segment(g, axial.short) : null },
    maxDiameter3d: segment(g, shape.diameters.max3d),
    centroidMm: centroid(roi, g),
    intensity: {
      kind: c.ct ? 'hu' : 'signal',
      unit: c.ct ? 'HU' : 'a.u.',
      mean: stats.mean,
      sd: stats.sd,
      min: stats.min,
      max: stats.max,
      median: percentile(stats.sorted, 50),
      percentiles: {
        p5: percentile(stats.sorted, 5),
        p10: percentile(stats.sorted, 10),
        p25: percentile(stats.sorted, 25),
        p75: percentile(stats.sorted, 75),
        p90: percentile(stats.sorted, 90),
        p95: percentile(stats.sorted, 95),
      },
      histogram: histogram(stats.sorted),
    },
    solidComponent: solid && { thresholdHu: solid.thresholdHu, volumeMm3: solid.volumeMm3, fraction: solid.fraction, longAxisMm: solid.longAxisMm, ctr: solid.ctr, nodeType: solid.nodeType },
    descriptors: {
      margin,
      contour: { sphericity: shape.features.Sphericity, ...cont },
      uniformity: { ...unif, entropy: first.Entropy },
      enhancement: enh,
    },
    features,
  };
}

function segment(g: Geometry, s: Segment): SegmentDto {
  return { lengthMm: s.lengthMm, fromIndex: s.from, toIndex: s.to, fromMm: indexToWorld(g, ...s.from), toMm: indexToWorld(g, ...s.to) };
}

function centroid(roi: Roi, g: Geometry): [number, number, number] {
  let x = 0;
  let y = 0;
  let z = 0;
  let idx = 0;
  for (let k = 0; k < roi.lz; k++) for (let j = 0; j < roi.ly; j++) for (let i = 0; i < roi.lx; i++, idx++) if (roi.local[idx]) {
    x += i;
    y += j;
    z += k;
  }
  const n = roi.count;
  return indexToWorld(g, roi.box.i0 - 1 + x / n, roi.box.j0 - 1 + y / n, roi.box.k0 - 1 + z / n);
}

/** Mean of another phase's values at the region's voxels (nearest voxel by patient position). */
function meanOnOtherGrid(roi: Roi, other: Volume, g: Geometry): number {
  const t = indexTransform(g, other.geometry);
  const [ox, oy, oz] = other.geometry.dims;
  let sum = 0;
  let n = 0;
  let idx = 0;
  for (let lk = 0; lk < roi.lz; lk++) for (let lj = 0; lj < roi.ly; lj++) for (let li = 0; li < roi.lx; li++, idx++) {
    if (!roi.local[idx]) continue;
    const i = roi.box.i0 - 1 + li;
    const j = roi.box.j0 - 1 + lj;
    const k = roi.box.k0 - 1 + lk;
    const a = Math.round(t[0] * i + t[1] * j + t[2] * k + t[3]);
    const b = Math.round(t[4] * i + t[5] * j + t[6] * k + t[7]);
    const d = Math.round(t[8] * i + t[9] * j + t[10] * k + t[11]);
    if (a < 0 || b < 0 || d < 0 || a >= ox || b >= oy || d >= oz) continue;
    sum += other.data[a + ox * (b + oy * d)];
    n++;
  }
  if (n < roi.count * 0.9) {
    throw new AppError('MASK_GEOMETRY_MISMATCH', '平扫期图像未覆盖病灶 / the other phase does not cover the lesion: enhancement needs both phases in the same patient space', { field: 'pre' });
  }
  return sum / n;
}

function imageProvenance(s: ImageSource): Provenance['image'] {
  return s.kind === 'nifti'
    ? { kind: 'nifti', sha256: s.sha256, fileName: s.fileName }
    : { kind: 'dicom', seriesInstanceUid: s.seriesInstanceUid, studyInstanceUid: s.studyInstanceUid, instances: s.sopInstanceUids.length, sha256: s.sha256 };
}

function provenanceOf(image: Volume, mask: MaskVolume, present: LabelInfo[], opts: MeasureOptions, binWidth: number, solidThresholdHu: number): Provenance {
  return {
    image: imageProvenance(image.source),
    mask: {
      kind: mask.kind,
      sha256: mask.sha256,
      fileName: mask.fileName,
      threshold: mask.threshold,
      labels: present.map((p) => ({ value: p.label, name: mask.names.get(p.label) ?? null, voxels: p.count })),
      resampled: mask.resampled,
    },
    modality: image.modality,
    modalitySource: image.modalitySource,
    geometry: { dims: image.geometry.dims, spacingMm: image.geometry.spacing, orientation: orientationCode(image.geometry) },
    settings: { label: opts.label ?? null, components: opts.components ?? false, binWidth, solidThresholdHu, threshold: mask.threshold, referenceLabel: opts.referenceLabel ?? null },
    software: { name: 'yingzhi-imaging', version: SOFTWARE_VERSION, featureDefinitions: FEATURE_DEFINITIONS },
    prePhase: opts.pre ? imageProvenance(opts.pre.source) : null,
  };
}

function labelVolumes(present: LabelInfo[], mask: MaskVolume, voxelMm3: number, referenceLabel: number | undefined): LabelVolume[] {
  const total = present.reduce((sum, p) => sum + p.count, 0);
  const ref = present.find((p) => p.label === referenceLabel);
  return present.map((p) => ({
    label: p.label,
    name: mask.names.get(p.label) ?? null,
    voxels: p.count,
    volumeMm3: p.count * voxelMm3,
    volumeCm3: (p.count * voxelMm3) / 1000,
    sharePercent: (100 * p.count) / total,
    ratioToReference: ref ? p.count / ref.count : null,
  }));
}

/** Label-level volumes are cited as `<id>#L<label>/label.volume…`; a share only means something beside another label. */
function volumeQuantities(id: string, volumes: LabelVolume[], referenceLabel: number | undefined): Quantity[] {
  const out: Quantity[] = [];
  const push = (lesion: string, key: string, value: number, unit: string) => out.push({ ref: `${id}#${lesion}/${key}`, lesion, key, value, unit });
  for (const v of volumes) {
    const lesion = `L${v.label}`;
    push(lesion, 'label.volume.cm3', v.volumeCm3, 'cm³');
    if (volumes.length > 1) push(lesion, 'label.volume.share', v.sharePercent, '%');
    if (v.ratioToReference !== null && v.label !== referenceLabel) push(lesion, `label.volume.ratio_to_L${referenceLabel}`, v.ratioToReference, '1');
  }
  return out;
}

/** The citable numbers of a lesion, each with its unit and a ref into the result. */
function quantitiesOf(id: string, l: Lesion): Quantity[] {
  const u = l.intensity.unit;
  const list: Array<[string, number | null | undefined, string]> = [
    ['volume.mm3', l.volumeMm3, 'mm³'],
    ['volume.cm3', l.volumeCm3, 'cm³'],
    ['axial.long_axis', l.axial.longAxis.lengthMm, 'mm'],
    ['axial.short_axis', l.axial.shortAxis?.lengthMm, 'mm'],
    ['diameter_3d', l.maxDiameter3d.lengthMm, 'mm'],
    ['intensity.mean', l.intensity.mean, u],
    ['intensity.sd', l.intensity.sd, u],
    ['intensity.min', l.intensity.min, u],
    ['intensity.max', l.intensity.max, u],
    ['intensity.median', l.intensity.median, u],
    ['intensity.p10', l.intensity.percentiles.p10, u],
    ['intensity.p90', l.intensity.percentiles.p90, u],
    ['solid.volume', l.solidComponent?.volumeMm3, 'mm³'],
    ['solid.long_axis', l.solidComponent?.longAxisMm, 'mm'],
    ['solid.ctr', l.solidComponent?.ctr, '1'],
    ['enhancement', l.descriptors.enhancement?.value, l.descriptors.enhancement?.unit ?? ''],
    ['margin.sharpness', l.descriptors.margin.sharpnessIndex, '1'],
    ['contour.sphericity', l.descriptors.contour.sphericity, '1'],
    ['contour.lobulation', l.descriptors.contour.lobulationIndex, '1'],
    ['contour.spiculation', l.descriptors.contour.spiculationIndex, '1'],
    ['uniformity.sd', l.descriptors.uniformity.sd, u],
  ];
  for (const [k, v] of Object.entries(l.features)) list.push([`feature.${k}`, v, featureUnit(k, u)]);
  return list.filter((e): e is [string, number, string] => typeof e[1] === 'number' && Number.isFinite(e[1])).map(([key, value, unit]) => ({ ref: `${id}#${l.ref}/${key}`, lesion: l.ref, key, value, unit }));
}

function featureUnit(name: string, u: string): string {
  if (/Volume$/.test(name) && name.includes('shape')) return 'mm³';
  if (/SurfaceArea$/.test(name)) return 'mm²';
  if (/SurfaceVolumeRatio$/.test(name)) return 'mm⁻¹';
  if (/(Diameter|AxisLength)/.test(name)) return 'mm';
  if (/firstorder_(Minimum|Maximum|Mean|Median|10Percentile|90Percentile|InterquartileRange|Range|MeanAbsoluteDeviation|RobustMeanAbsoluteDeviation|RootMeanSquared|StandardDeviation)$/.test(name)) return u;
  if (/firstorder_Variance$/.test(name)) return `${u}²`;
  return '1';
}
