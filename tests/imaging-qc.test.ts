import { describe, expect, it } from 'vitest';
import { protocolQc, type QcResult } from '../imaging/index.ts';
import { chestPhantom, gaussian, makePhantom, rng, writeSeries } from '../imaging/synthetic/index.ts';

const LIMITS = { maxBytes: 2 ** 31 };
const chest = chestPhantom({ dims: [128, 100, 210], spacing: [0.7, 0.7, 1.25] });
const CHEST_HEADER = { KVP: 120, CTDIvol: 9, ConvolutionKernel: 'LUNG', ProtocolName: 'Chest 胸部平扫', BodyPartExamined: 'CHEST', ManufacturerModelName: 'Delta', SeriesDate: '20261120' };

function qc(pixels: Int16Array, header: Record<string, unknown>, geometry = chest.geometry, modality: 'CT' | 'MR' = 'CT'): QcResult {
  const files = writeSeries({ geometry, pixels, modality, rescale: modality === 'CT' ? { slope: 1, intercept: -1024 } : undefined, header });
  return protocolQc(files, LIMITS).results[0];
}
const rule = (r: QcResult, id: string) => [...r.rules, ...r.imageQuality.checks].find((x) => x.id === id);

describe('scan-protocol rules (authored as data) against DICOM headers', () => {
  it('low-dose screening is told apart from a routine chest CT, and its dose checked against its own limits', () => {
    const ld = qc(chest.image, { ...CHEST_HEADER, ProtocolName: 'LDCT 低剂量肺癌筛查', CTDIvol: 2.1 });
    expect(ld.examType?.id).toBe('chest_ldct');
    expect(rule(ld, 'ctdivol')).toMatchObject({ status: 'pass', value: 2.1 });
    const ld4 = qc(chest.image, { ...CHEST_HEADER, ProtocolName: 'LDCT 低剂量肺癌筛查', CTDIvol: 4 });
    expect(rule(ld4, 'ctdivol')?.status).toBe('warn');
    expect(ld4.status).toBe('warn');
    const routine = qc(chest.image, CHEST_HEADER);
    expect(routine).toMatchObject({ examType: { id: 'chest_ct' }, status: 'pass', score: 100 });
  });

  it('contrast phase timing from the bolus start and acquisition times (portal venous 60–80 s)', () => {
    const abd = { KVP: 100, CTDIvol: 14, ProtocolName: 'Abdomen 腹部增强 门脉期', BodyPartExamined: 'ABDOMEN', ContrastBolusAgent: 'Iohexol 350', ContrastBolusStartTime: '100000', SliceThickness: 5 };
    const onTime = qc(chest.image, { ...abd, AcquisitionTime: '100110' });
    expect(onTime.examType?.id).toBe('abdomen_ct_portal');
    expect(rule(onTime, 'delay')).toMatchObject({ status: 'pass', value: 70 });
    const late = qc(chest.image, { ...abd, AcquisitionTime: '100200' });
    expect(rule(late, 'delay')).toMatchObject({ status: 'fail', value: 120 });
    const noAgent = qc(chest.image, { ...abd, ContrastBolusAgent: undefined, AcquisitionTime: '100110' });
    expect(rule(noAgent, 'contrast_agent')?.status).toBe('warn');
  });

  it('thick slices, a missing header value and an unknown protocol are reported, each with its reason', () => {
    const thick = qc(chest.image, { ...CHEST_HEADER, SliceThickness: 5, KVP: undefined });
    expect(rule(thick, 'thickness')).toMatchObject({ status: 'fail', value: 5 });
    expect(rule(thick, 'kvp')).toMatchObject({ status: 'warn', value: null, message: expect.stringContaining('not recorded') });
    const unknown = qc(chest.image, { ...CHEST_HEADER, ProtocolName: 'Shoulder arthro', BodyPartExamined: 'SHOULDER' });
    expect(unknown.examType).toBeNull();
    expect(unknown.status).toBe('warn');
  });
});

describe('image quality', () => {
  it('flags truncation when tissue reaches the border of the field of view', () => {
    const img = Int16Array.from(chest.image);
    const [nx, ny, nz] = chest.geometry.dims;
    for (let k = 0; k < nz; k++) for (let j = 20; j < ny - 20; j++) for (const i of [0, 1, 2, nx - 3, nx - 2, nx - 1]) img[i + nx * (j + ny * k)] = 40;
    const r = qc(img, CHEST_HEADER);
    expect(r.imageQuality.truncation.flagged).toBe(true);
    expect(r.imageQuality.truncation.borderFraction).toBeGreaterThan(0.05);
    expect(r.status).toBe('warn');
    expect(r.score).toBe(85);
  });

  it('flags motion when one slice of the body outline jumps', () => {
    const img = Int16Array.from(chest.image);
    const [nx, ny] = chest.geometry.dims;
    const k = 100;
    const plane = img.slice(k * nx * ny, (k + 1) * nx * ny);
    for (let j = 0; j < ny; j++) for (let i = 0; i < nx; i++) img[k * nx * ny + i + nx * j] = i >= 12 ? plane[i - 12 + nx * j] : -1000;
    const r = qc(img, CHEST_HEADER);
    expect(r.imageQuality.motion).toMatchObject({ flagged: true, detail: expect.stringContaining('100') });
    expect(qc(chest.image, CHEST_HEADER).imageQuality.motion.flagged).toBe(false);
  });

  it('MR: SNR from the Rayleigh background (≈ signal / σ) and a ghosting flag', () => {
    const sigma = 20;
    const p = makePhantom({ dims: [96, 96, 24], spacing: [0.9, 0.9, 4], background: 0, shapes: [{ kind: 'ellipsoid', center: [43, 43, 48], radii: [30, 34, 60], value: 800, label: 1 }] });
    const g = gaussian(rng(3));
    const img = new Int16Array(p.image.length);
    for (let n = 0; n < img.length; n++) img[n] = Math.round(Math.hypot(p.image[n] + sigma * g(), sigma * g()));
    const header = { ProtocolName: 'Brain T2 头颅', MagneticFieldStrength: 3, SliceThickness: 4 };
    const r = qc(img, header, p.geometry, 'MR');
    expect(r.examType?.id).toBe('brain_mr');
    expect(Math.abs((r.imageQuality.snr ?? 0) - 800 / sigma) / (800 / sigma)).toBeLessThan(0.15);
    expect(rule(r, 'snr')?.status).toBe('pass');
    expect(r.imageQuality.motion.flagged).toBe(false);
    // Ghosts: faint copies of the object along one axis raise the background there.
    const ghost = Int16Array.from(img);
    const [nx, ny, nz] = p.geometry.dims;
    for (let k = 0; k < nz; k++) for (let j = 0; j < ny; j++) for (let i = 0; i < nx; i++) {
      const src = j + 30 < ny ? img[i + nx * (j + 30 + ny * k)] : 0;
      if (p.image[i + nx * (j + ny * k)] === 0) ghost[i + nx * (j + ny * k)] += Math.round(src * 0.12);
    }
    expect(qc(ghost, header, p.geometry, 'MR').imageQuality.motion.flagged).toBe(true);
  });
});
