import dcmjs from 'dcmjs';
import type { Geometry, Vec3 } from '../volume.ts';

const { DicomDict, DicomMetaDictionary } = dcmjs.data;

/**
 * Synthetic DICOM written with dcmjs: a CT/MR series (one file per slice), a DICOM SEG and an RTSTRUCT
 * for a label mask. Patient fields hold an obviously synthetic phantom name; nothing here is real data.
 */

export interface SeriesSpec {
  geometry: Geometry;
  /** Stored values (already in HU when slope 1 / intercept 0). */
  pixels: Int16Array;
  modality?: 'CT' | 'MR';
  studyUid?: string;
  seriesUid?: string;
  seriesDescription?: string;
  /** Write stored = (value − intercept) / slope with this rescale (tests use 1 / −1024 as scanners do). */
  rescale?: { slope: number; intercept: number };
  /** Acquisition header fields for protocol QC (kVp, CTDIvol, kernel, …) by keyword. */
  header?: Record<string, unknown>;
  /** Per-slice overrides (e.g. a different orientation) by slice index. */
  sliceOverrides?: Record<number, Record<string, unknown>>;
}

const CT_IMAGE = '1.2.840.10008.5.1.4.1.1.2';
const MR_IMAGE = '1.2.840.10008.5.1.4.1.1.4';
const SEG_STORAGE = '1.2.840.10008.5.1.4.1.1.66.4';
const RTSTRUCT_STORAGE = '1.2.840.10008.5.1.4.1.1.481.3';
const EXPLICIT_LE = '1.2.840.10008.1.2.1';

export const newUid = (): string => DicomMetaDictionary.uid();

function toPart10(ds: Record<string, unknown>): Buffer {
  const meta = {
    FileMetaInformationVersion: new Uint8Array([0, 1]).buffer,
    MediaStorageSOPClassUID: ds.SOPClassUID,
    MediaStorageSOPInstanceUID: ds.SOPInstanceUID,
    TransferSyntaxUID: EXPLICIT_LE,
    ImplementationClassUID: '1.2.826.0.1.3680043.10.1444.1',
    ImplementationVersionName: 'YINGZHI_SYNTH',
  };
  const dict = new DicomDict(DicomMetaDictionary.denaturalizeDataset(meta));
  dict.dict = DicomMetaDictionary.denaturalizeDataset(ds);
  return Buffer.from(dict.write());
}

const position = (g: Geometry, k: number): Vec3 => [g.origin[0] + g.direction[6] * g.spacing[2] * k, g.origin[1] + g.direction[7] * g.spacing[2] * k, g.origin[2] + g.direction[8] * g.spacing[2] * k];

/** One Part-10 file per slice, named `IM00001.dcm`, … */
export function writeSeries(spec: SeriesSpec): Array<{ name: string; bytes: Buffer }> {
  const g = spec.geometry;
  const [nx, ny, nz] = g.dims;
  const studyUid = spec.studyUid ?? newUid();
  const seriesUid = spec.seriesUid ?? newUid();
  const frameUid = newUid();
  const { slope, intercept } = spec.rescale ?? { slope: 1, intercept: 0 };
  const modality = spec.modality ?? 'CT';
  const out: Array<{ name: string; bytes: Buffer }> = [];
  for (let k = 0; k < nz; k++) {
    const px = new Int16Array(nx * ny);
    const base = k * nx * ny;
    for (let n = 0; n < px.length; n++) px[n] = Math.round((spec.pixels[base + n] - intercept) / slope);
    const sop = newUid();
    const ds: Record<string, unknown> = {
      SpecificCharacterSet: 'ISO_IR 192',
      SOPClassUID: modality === 'CT' ? CT_IMAGE : MR_IMAGE,
      SOPInstanceUID: sop,
      StudyDate: '20261201',
      SeriesDate: '20261201',
      StudyTime: '093000',
      Modality: modality,
      Manufacturer: 'YingZhi Synthetic',
      PatientName: 'PHANTOM^SYNTHETIC',
      PatientID: 'SYNTH-0001',
      StudyInstanceUID: studyUid,
      SeriesInstanceUID: seriesUid,
      SeriesNumber: 2,
      InstanceNumber: k + 1,
      FrameOfReferenceUID: frameUid,
      ImagePositionPatient: position(g, k),
      ImageOrientationPatient: g.direction.slice(0, 6),
      SliceThickness: g.spacing[2],
      Rows: ny,
      Columns: nx,
      PixelSpacing: [g.spacing[1], g.spacing[0]],
      SamplesPerPixel: 1,
      PhotometricInterpretation: 'MONOCHROME2',
      BitsAllocated: 16,
      BitsStored: 16,
      HighBit: 15,
      PixelRepresentation: 1,
      RescaleSlope: slope,
      RescaleIntercept: intercept,
      SeriesDescription: spec.seriesDescription ?? 'Synthetic phantom',
      ...spec.header,
      ...spec.sliceOverrides?.[k],
      PixelData: [px.buffer],
      _vrMap: { PixelData: 'OW' },
    };
    out.push({ name: `IM${String(k + 1).padStart(5, '0')}.dcm`, bytes: toPart10(ds) });
  }
  return out;
}

export interface SegSpec {
  geometry: Geometry;
  labels: Uint8Array;
  /** Segment number → label text. */
  segments: Record<number, string>;
  referencedSeriesUid?: string;
  /** FRACTIONAL: probabilities (0..1) instead of labels, one segment. */
  fractional?: Float32Array;
}

/** A DICOM SEG (BINARY, bit-packed; or FRACTIONAL, 8-bit) with one frame per slice that holds the segment. */
export function writeSeg(spec: SegSpec): Buffer {
  const g = spec.geometry;
  const [nx, ny, nz] = g.dims;
  const frames: Array<{ seg: number; k: number }> = [];
  const segNos = Object.keys(spec.segments).map(Number);
  for (const seg of segNos) {
    for (let k = 0; k < nz; k++) {
      let any = false;
      for (let n = 0; n < nx * ny && !any; n++) any = spec.fractional ? spec.fractional[k * nx * ny + n] > 0 : spec.labels[k * nx * ny + n] === seg;
      if (any) frames.push({ seg, k });
    }
  }
  const fractional = !!spec.fractional;
  const frameSize = nx * ny;
  const pixel = new Uint8Array(fractional ? frames.length * frameSize : Math.ceil((frames.length * frameSize) / 8));
  frames.forEach((f, fi) => {
    for (let n = 0; n < frameSize; n++) {
      const src = f.k * frameSize + n;
      if (fractional) pixel[fi * frameSize + n] = Math.round((spec.fractional as Float32Array)[src] * 255);
      else if (spec.labels[src] === f.seg) {
        const bit = fi * frameSize + n;
        pixel[bit >> 3] |= 1 << (bit & 7);
      }
    }
  });
  const ds: Record<string, unknown> = {
    SpecificCharacterSet: 'ISO_IR 192',
    SOPClassUID: SEG_STORAGE,
    SOPInstanceUID: newUid(),
    Modality: 'SEG',
    PatientName: 'PHANTOM^SYNTHETIC',
    StudyInstanceUID: newUid(),
    SeriesInstanceUID: newUid(),
    SeriesNumber: 300,
    InstanceNumber: 1,
    SegmentationType: fractional ? 'FRACTIONAL' : 'BINARY',
    ...(fractional ? { SegmentationFractionalType: 'PROBABILITY', MaximumFractionalValue: 255 } : {}),
    Rows: ny,
    Columns: nx,
    NumberOfFrames: frames.length,
    SamplesPerPixel: 1,
    PhotometricInterpretation: 'MONOCHROME2',
    BitsAllocated: fractional ? 8 : 1,
    BitsStored: fractional ? 8 : 1,
    HighBit: fractional ? 7 : 0,
    PixelRepresentation: 0,
    SegmentSequence: segNos.map((n) => ({ SegmentNumber: n, SegmentLabel: spec.segments[n], SegmentAlgorithmType: 'MANUAL' })),
    SharedFunctionalGroupsSequence: [
      {
        PlaneOrientationSequence: [{ ImageOrientationPatient: g.direction.slice(0, 6) }],
        PixelMeasuresSequence: [{ PixelSpacing: [g.spacing[1], g.spacing[0]], SliceThickness: g.spacing[2], SpacingBetweenSlices: g.spacing[2] }],
      },
    ],
    PerFrameFunctionalGroupsSequence: frames.map((f) => ({
      PlanePositionSequence: [{ ImagePositionPatient: position(g, f.k) }],
      SegmentIdentificationSequence: [{ ReferencedSegmentNumber: f.seg }],
    })),
    ...(spec.referencedSeriesUid ? { ReferencedSeriesSequence: [{ SeriesInstanceUID: spec.referencedSeriesUid }] } : {}),
    PixelData: [pixel.buffer],
    _vrMap: { PixelData: fractional ? 'OB' : 'OB' },
  };
  return toPart10(ds);
}

/** An RTSTRUCT with, per label, one closed planar contour per slice around its pixels (traced on pixel edges). */
export function writeRtstruct(geometry: Geometry, labels: Uint8Array, names: Record<number, string>): Buffer {
  const g = geometry;
  const [nx, ny, nz] = g.dims;
  const rois = Object.keys(names).map(Number);
  const world = (i: number, j: number, k: number): Vec3 => {
    const d = g.direction;
    const a = i * g.spacing[0];
    const b = j * g.spacing[1];
    const c = k * g.spacing[2];
    return [g.origin[0] + d[0] * a + d[3] * b + d[6] * c, g.origin[1] + d[1] * a + d[4] * b + d[7] * c, g.origin[2] + d[2] * a + d[5] * b + d[8] * c];
  };
  const contours = rois.map((roi) => {
    const list: Array<Record<string, unknown>> = [];
    for (let k = 0; k < nz; k++) {
      // Row-wise runs give one rectangle-like contour per run (exact pixel coverage, no tracing needed).
      for (let j = 0; j < ny; j++) {
        let i = 0;
        while (i < nx) {
          if (labels[i + nx * (j + ny * k)] !== roi) {
            i++;
            continue;
          }
          const start = i;
          while (i < nx && labels[i + nx * (j + ny * k)] === roi) i++;
          const pts = [world(start - 0.5, j - 0.5, k), world(i - 0.5, j - 0.5, k), world(i - 0.5, j + 0.5, k), world(start - 0.5, j + 0.5, k)];
          list.push({ ContourGeometricType: 'CLOSED_PLANAR', NumberOfContourPoints: 4, ContourData: pts.flat().map((v) => Math.round(v * 1000) / 1000) });
        }
      }
    }
    return { ReferencedROINumber: roi, ROIDisplayColor: [255, 0, 0], ContourSequence: list };
  });
  const ds: Record<string, unknown> = {
    SpecificCharacterSet: 'ISO_IR 192',
    SOPClassUID: RTSTRUCT_STORAGE,
    SOPInstanceUID: newUid(),
    Modality: 'RTSTRUCT',
    PatientName: 'PHANTOM^SYNTHETIC',
    StudyInstanceUID: newUid(),
    SeriesInstanceUID: newUid(),
    StructureSetLabel: 'synthetic',
    StructureSetROISequence: rois.map((r) => ({ ROINumber: r, ROIName: names[r], ROIGenerationAlgorithm: 'MANUAL' })),
    ROIContourSequence: contours,
  };
  return toPart10(ds);
}
