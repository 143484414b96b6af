import { z } from 'zod';

/**
 * The measurement result: one stable, typed, provenance-carrying document per (image, mask, settings,
 * software version). Its `id` is derived from those inputs, so measuring the same thing twice gives the
 * same id. Report drafting cites numbers through `quantities`: each entry is one number with its unit,
 * its lesion and a `ref` (`<resultId>#<lesion>/<key>`) that resolves to this document and its provenance.
 */

export const SCHEMA_VERSION = 1;

const Vec3 = z.tuple([z.number(), z.number(), z.number()]);

/** A line on the image: ends in voxel indices (i, j, k, continuous) and in patient coordinates (LPS, mm). */
export const SegmentSchema = z.object({
  lengthMm: z.number(),
  fromIndex: Vec3,
  toIndex: Vec3,
  fromMm: Vec3,
  toMm: Vec3,
});
export type SegmentDto = z.infer<typeof SegmentSchema>;

export const ImageProvenanceSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('nifti'), sha256: z.string(), fileName: z.string() }),
  z.object({
    kind: z.literal('dicom'),
    seriesInstanceUid: z.string(),
    studyInstanceUid: z.string().nullable(),
    instances: z.number().int(),
    /** SHA-256 over the series' files in slice order. */
    sha256: z.string(),
  }),
]);

export const MaskProvenanceSchema = z.object({
  kind: z.enum(['labels', 'probability', 'dicom_seg', 'rtstruct']),
  sha256: z.string(),
  fileName: z.string().nullable(),
  /** Probability masks: inside where value > threshold. */
  threshold: z.number().nullable(),
  /** Labels the mask holds (value → name where the format names them: SEG segment labels, RTSTRUCT ROI names). */
  labels: z.array(z.object({ value: z.number().int(), name: z.string().nullable(), voxels: z.number().int() })),
  /** True when the mask was resampled onto the image grid (nearest neighbour). */
  resampled: z.boolean(),
});

export const ProvenanceSchema = z.object({
  image: ImageProvenanceSchema,
  mask: MaskProvenanceSchema,
  modality: z.string(),
  modalitySource: z.enum(['header', 'option', 'inferred', 'unknown']),
  geometry: z.object({ dims: Vec3, spacingMm: Vec3, orientation: z.string() }),
  settings: z.object({
    label: z.number().int().nullable(),
    components: z.boolean(),
    binWidth: z.number(),
    solidThresholdHu: z.number(),
    threshold: z.number().nullable(),
    referenceLabel: z.number().int().nullable().default(null),
  }),
  software: z.object({ name: z.literal('yingzhi-imaging'), version: z.string(), featureDefinitions: z.string() }),
  /** Enhancement: the other phase's image. */
  prePhase: ImageProvenanceSchema.nullable(),
});
export type Provenance = z.infer<typeof ProvenanceSchema>;

export const IntensitySchema = z.object({
  /** `hu` for CT (Hounsfield units); `signal` for MR and others (arbitrary units). */
  kind: z.enum(['hu', 'signal']),
  unit: z.enum(['HU', 'a.u.']),
  mean: z.number(),
  sd: z.number(),
  min: z.number(),
  max: z.number(),
  median: z.number(),
  percentiles: z.object({ p5: z.number(), p10: z.number(), p25: z.number(), p75: z.number(), p90: z.number(), p95: z.number() }),
  histogram: z.object({ start: z.number(), binWidth: z.number(), counts: z.array(z.number().int()) }),
});

export const DescriptorsSchema = z.object({
  margin: z.object({ sharpnessIndex: z.number(), edgeGradientPerMm: z.number(), edgeWidthMm: z.number(), contrast: z.number(), grade: z.enum(['clear', 'fairly_clear', 'ill_defined']) }),
  contour: z.object({
    sphericity: z.number(),
    lobulationIndex: z.number(),
    spiculationIndex: z.number(),
    solidity: z.number(),
    grade: z.enum(['regular', 'lobulated', 'spiculated', 'lobulated_spiculated', 'indeterminate']),
  }),
  uniformity: z.object({ sd: z.number(), cv: z.number(), entropy: z.number(), grade: z.enum(['uniform', 'slightly_heterogeneous', 'heterogeneous']) }),
  enhancement: z
    .object({ preMean: z.number(), postMean: z.number(), value: z.number(), unit: z.enum(['HU', '%']), grade: z.enum(['none', 'mild', 'moderate', 'marked']) })
    .nullable(),
});

export const SolidComponentSchema = z.object({
  thresholdHu: z.number(),
  volumeMm3: z.number(),
  fraction: z.number(),
  longAxisMm: z.number(),
  ctr: z.number(),
  nodeType: z.enum(['pure_ground_glass', 'part_solid', 'solid']),
});

export const LesionSchema = z.object({
  /** Stable within the result: `L<label>` or `L<label>.<component>`. */
  ref: z.string(),
  label: z.number().int(),
  labelName: z.string().nullable(),
  component: z.number().int().nullable(),
  voxelCount: z.number().int(),
  volumeMm3: z.number(),
  volumeCm3: z.number(),
  axial: z.object({ slice: z.number().int(), longAxis: SegmentSchema, shortAxis: SegmentSchema.nullable() }),
  maxDiameter3d: SegmentSchema,
  centroidMm: Vec3,
  intensity: IntensitySchema,
  solidComponent: SolidComponentSchema.nullable(),
  descriptors: DescriptorsSchema,
  /** pyradiomics first-order and shape features under their pyradiomics names (`original_firstorder_Mean`, …). */
  features: z.record(z.string(), z.number()),
});
export type Lesion = z.infer<typeof LesionSchema>;

/**
 * Volume of every label in the mask and its share (器官体积/占比): lung lobes as a share of both lungs, a
 * tumour as a share of liver + tumour when the mask holds the two, and the ratio to a chosen reference label
 * (spleen / liver). Counted over the whole mask, also for labels not selected for full measurement.
 */
export const LabelVolumeSchema = z.object({
  label: z.number().int(),
  name: z.string().nullable(),
  voxels: z.number().int(),
  volumeMm3: z.number(),
  volumeCm3: z.number(),
  /** Percent of the volume of all labels together. */
  sharePercent: z.number(),
  /** Volume / the reference label's volume, when a reference label was given. */
  ratioToReference: z.number().nullable(),
});
export type LabelVolume = z.infer<typeof LabelVolumeSchema>;

export const QuantitySchema = z.object({
  /** `<resultId>#<lesionRef>/<key>`: what a report cites. */
  ref: z.string(),
  lesion: z.string(),
  key: z.string(),
  value: z.number(),
  unit: z.string(),
});
export type Quantity = z.infer<typeof QuantitySchema>;

export const MeasurementResultSchema = z.object({
  id: z.string(),
  schemaVersion: z.literal(SCHEMA_VERSION),
  createdAt: z.string(),
  provenance: ProvenanceSchema,
  lesions: z.array(LesionSchema),
  /** Absent from results stored before label volumes were added. */
  volumes: z.array(LabelVolumeSchema).default([]),
  quantities: z.array(QuantitySchema),
  warnings: z.array(z.string()),
  timingsMs: z.record(z.string(), z.number()),
});
export type MeasurementResult = z.infer<typeof MeasurementResultSchema>;
