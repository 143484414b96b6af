import type { DataSet } from 'dicom-parser';
import { binary, num, TAG, text } from '../readers/dicom-dataset.ts';
import type { Volume } from '../volume.ts';

export type Facts = Record<string, number | string | null>;

/** hhmmss(.ffffff) → seconds since midnight. */
function seconds(tm: string | null): number | null {
  const m = tm ? /^(\d{2})(\d{2})?(\d{2})?(\.\d+)?/.exec(tm.replace(/:/g, '')) : null;
  if (!m) return null;
  return Number(m[1]) * 3600 + Number(m[2] ?? 0) * 60 + Number(m[3] ?? 0) + Number(m[4] ?? 0);
}

/** Acquisition facts of a series that protocol rules check (no patient fields). */
export function seriesFacts(ds: DataSet, v: Volume): Facts {
  const [nx, ny, nz] = v.geometry.dims;
  const acq = seconds(text(ds, TAG.acquisitionTime) ?? text(ds, TAG.seriesTime));
  const bolus = seconds(text(ds, TAG.contrastStartTime));
  let delay = acq !== null && bolus !== null ? acq - bolus : null;
  if (delay !== null && delay < 0) delay += 86_400; // injection before midnight, scan after
  return {
    modality: v.modality,
    manufacturer: text(ds, TAG.manufacturer),
    model: text(ds, TAG.modelName),
    station: text(ds, TAG.stationName),
    protocolName: text(ds, TAG.protocolName),
    seriesDescription: text(ds, TAG.seriesDescription),
    studyDescription: text(ds, TAG.studyDescription),
    bodyPart: text(ds, TAG.bodyPart),
    kvp: num(ds, TAG.kvp),
    tubeCurrent: num(ds, TAG.tubeCurrent),
    exposure: num(ds, TAG.exposure),
    ctdiVol: binary(ds, TAG.ctdiVol),
    pitch: binary(ds, TAG.pitch),
    kernel: text(ds, TAG.kernel),
    // The reconstructed thickness: the larger of the tag and the spacing between slices (overlapping reconstructions).
    sliceThickness: num(ds, TAG.sliceThickness) ?? v.geometry.spacing[2],
    sliceSpacing: Math.round(v.geometry.spacing[2] * 1000) / 1000,
    coverageMm: Math.round(nz * v.geometry.spacing[2] * 10) / 10,
    contrastAgent: text(ds, TAG.contrastAgent),
    contrastDelaySeconds: delay,
    fieldStrength: num(ds, TAG.fieldStrength),
    repetitionTime: num(ds, TAG.repetitionTime),
    echoTime: num(ds, TAG.echoTime),
    matrix: Math.min(nx, ny),
    pixelSpacing: Math.round(v.geometry.spacing[0] * 1000) / 1000,
    slices: nz,
    seriesDate: text(ds, TAG.seriesDate) ?? text(ds, TAG.studyDate),
    seriesTime: text(ds, TAG.seriesTime) ?? text(ds, TAG.acquisitionTime),
    phaseEncoding: ds.string('x00181312')?.trim() ?? null,
    timezoneOffset: ds.string('x00080201')?.trim() ?? null,
  };
}

/** "Manufacturer Model (station)": what the dashboard groups by. */
export function scannerOf(f: Facts): string {
  const name = [f.manufacturer, f.model].filter(Boolean).join(' ') || '未知设备 unknown scanner';
  return f.station ? `${name} (${f.station})` : name;
}

/** Minutes east of UTC of a time zone at an instant. */
function zoneOffsetMinutes(utcMs: number, timeZone: string): number {
  const parts = Object.fromEntries(new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' }).formatToParts(new Date(utcMs)).map((p) => [p.type, p.value]));
  const asUtc = Date.UTC(Number(parts.year), Number(parts.month) - 1, Number(parts.day), Number(parts.hour), Number(parts.minute), Number(parts.second));
  return Math.round((asUtc - utcMs) / 60000);
}

/**
 * Series date + time as an ISO timestamp, or null. DICOM times are the scanner's local wall time: read with
 * the header's Timezone Offset From UTC (0008,0201) when present, else in the department's YZ_TIMEZONE.
 */
export function acquiredAt(f: Facts, timeZone: string): string | null {
  const d = typeof f.seriesDate === 'string' && /^\d{8}$/.test(f.seriesDate) ? f.seriesDate : null;
  if (!d) return null;
  const t = typeof f.seriesTime === 'string' ? f.seriesTime.replace(/[^0-9.]/g, '').padEnd(6, '0').slice(0, 6) : '000000';
  const wall = Date.UTC(Number(d.slice(0, 4)), Number(d.slice(4, 6)) - 1, Number(d.slice(6, 8)), Number(t.slice(0, 2)), Number(t.slice(2, 4)), Number(t.slice(4, 6)));
  if (!Number.isFinite(wall)) return null;
  const tz = typeof f.timezoneOffset === 'string' ? /^([+-])(\d{2})(\d{2})$/.exec(f.timezoneOffset) : null;
  const offset = tz ? (tz[1] === '-' ? -1 : 1) * (Number(tz[2]) * 60 + Number(tz[3])) : zoneOffsetMinutes(wall, timeZone);
  return new Date(wall - offset * 60000).toISOString();
}
