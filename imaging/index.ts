/**
 * Imaging capability: reads NIfTI and DICOM (series, SEG, RTSTRUCT) into typed-array volumes, measures
 * lesions (volume, axial long/short axes, 3-D diameter, HU or signal statistics, solid component,
 * descriptors, pyradiomics first-order + shape features) with provenance on every number, stores results
 * linked to their study, checks scan protocols and image quality, and talks to imaging-AI services through
 * the `imaging_ai` connector (documented contract in imaging/ai/CONTRACT.md).
 */
export { type Geometry, type ImageSource, indexToWorld, type Modality, orientationCode, type Vec3, type Volume, type VoxelArray, worldToIndex } from './volume.ts';
export { alignMask, labelsFromData, type MaskVolume } from './mask.ts';
export { loadImage, loadMask, type NamedBytes, readPath } from './load.ts';
export { DEFAULT_LIMITS, type ReadLimits } from './readers/limits.ts';
export { readNifti, writeNifti } from './readers/nifti.ts';
export { parseDicomFiles, readDicomSeries } from './readers/dicom-series.ts';
export { type MeasureOptions, measure } from './measure/measure.ts';
export { DESCRIPTOR_THRESHOLDS } from './measure/descriptors.ts';
export {
  type Lesion, LesionSchema, type MeasurementResult, MeasurementResultSchema, type Provenance, ProvenanceSchema, type Quantity, QuantitySchema, SCHEMA_VERSION,
} from './measurement.schema.ts';
export { FEATURE_DEFINITIONS, SOFTWARE_VERSION } from './version.ts';
export { Imaging, type ImagingDeps, type ImagingToolPort } from './imaging.ts';
export { MEASURE_JOB, type MeasureOutcome, type MeasurementInput, MeasurementService, type PacsSeriesRef } from './measurement.service.ts';
export { type PacsSeries, PacsSeriesSchema, type PacsStudy, PacsStudySchema } from './dicomweb.ts';
export { MeasureOptionsSchema, type MeasureRequestOptions, MeasurementSummarySchema } from './measure-request.schema.ts';
export { type StoredVolumeMeta, StoredVolumeMetaSchema } from './volume-store.ts';
export { protocolQc, QcService } from './qc/qc.service.ts';
export { type Dashboard, DashboardSchema, type ProtocolRules, ProtocolRulesSchema, type QcResult, QcResultSchema, type QcRun, QcRunSchema } from './qc/qc.schema.ts';
export { AI_JOB, AiService, type ConnectorEndpoints } from './ai/ai.service.ts';
export {
  AI_TASKS, AiImportSchema, type AiRequest, AiRequestSchema, type AiResult, type AiResultRow, AiResultRowSchema, AiResultSchema, type AiTask, type MappedFinding, MappedFindingSchema,
} from './ai/ai.schemas.ts';
export { labelMap, mapAiResult } from './ai/ai-mapping.ts';
export { FIGURE_LIMITS, type Figure, readFigure, type WindowLevel } from './still-image.ts';
