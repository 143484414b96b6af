import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeNifti } from '../imaging/index.ts';
import { chestPhantom, makePhantom, writeSeg, writeSeries } from '../imaging/synthetic/index.ts';
import type { Role } from '../auth/index.ts';
import { imagingTmp, sphereSpec } from './helpers/imaging.ts';
import { startTestServer, type TestServer } from './helpers/runtime.ts';

// biome-ignore lint/suspicious/noExplicitAny: response bodies are read loosely; their schemas are validated by the routes
type Json = any;

/** Every file under the spool directory (while a queued job has not run yet). */
async function readSpool(dir: string): Promise<Buffer[]> {
  const out: Buffer[] = [];
  const walk = async (d: string) => {
    for (const e of await readdir(d, { withFileTypes: true }).catch(() => [])) {
      if (e.isDirectory()) await walk(path.join(d, e.name));
      else out.push(await readFile(path.join(d, e.name)));
    }
  };
  await walk(path.join(dir, 'spool'));
  return out;
}

/** The measurement and protocol-QC API over real HTTP (multipart uploads, jobs, CSV, slices, permissions). */
describe('imaging API', () => {
  let srv: TestServer;
  const tmp = imagingTmp();
  const call = async (method: string, url: string, role: Role, body?: FormData | object | string) => {
    const headers: Record<string, string> = { ...(await srv.tokenFor(role)) };
    if (body !== undefined && !(body instanceof FormData)) headers['content-type'] = 'application/json';
    const res = await fetch(srv.url + url, { method, headers, body: body === undefined ? undefined : body instanceof FormData ? body : typeof body === 'string' ? body : JSON.stringify(body) });
    const buf = Buffer.from(await res.arrayBuffer());
    let json: Json = null;
    try {
      json = JSON.parse(buf.toString('utf8'));
    } catch {
      json = null;
    }
    return { status: res.status, json, buf, headers: res.headers };
  };
  const form = (parts: Record<string, Array<{ name: string; bytes: Uint8Array }> | string>) => {
    const f = new FormData();
    for (const [field, v] of Object.entries(parts)) {
      if (typeof v === 'string') f.append(field, v);
      else for (const file of v) f.append(field, new Blob([new Uint8Array(file.bytes)]), file.name);
    }
    return f;
  };
  const small = makePhantom({ ...sphereSpec(5, 40), noise: 6, seed: 9 });
  const niiImage = { name: 'ct.nii.gz', bytes: writeNifti({ geometry: small.geometry, data: small.image, gzip: true }) };
  const niiMask = { name: 'mask.nii.gz', bytes: writeNifti({ geometry: small.geometry, data: small.mask, gzip: true }) };

  beforeAll(async () => {
    srv = await startTestServer([], { YZ_IMAGING_DIR: tmp.dir, YZ_IMAGING_SYNC_MB: '1', YZ_IMAGING_MAX_MB: '20' });
  }, 120_000);
  afterAll(async () => {
    await srv?.close();
    tmp.cleanup();
  });

  it('measures a NIfTI image + mask in the request; the result is stored, listed, exported as CSV and viewable slice by slice', async () => {
    const res = await call('POST', '/api/measure', 'physician', form({ image: [niiImage], mask: [niiMask], modality: 'CT' }));
    expect(res.status).toBe(201);
    const m = res.json.measurement;
    expect(m.id).toMatch(/^msr_/);
    expect(m.lesions).toHaveLength(1);
    expect(m.lesions[0]).toMatchObject({ label: 1, voxelCount: small.truth.get(1)?.voxels, intensity: { unit: 'HU' } });
    expect(m.provenance).toMatchObject({ image: { kind: 'nifti', fileName: 'ct.nii.gz' }, mask: { kind: 'labels' }, modalitySource: 'option' });
    const again = await call('POST', '/api/measure', 'physician', form({ image: [niiImage], mask: [niiMask], modality: 'CT' }));
    expect(again.json.measurement.id).toBe(m.id);
    const list = await call('GET', '/api/measurements', 'physician');
    expect(list.json.items.filter((i: Json) => i.id === m.id)).toHaveLength(1);
    const one = await call('GET', `/api/measurements/${m.id}`, 'director');
    expect(one.json.measurement.quantities.length).toBeGreaterThan(40);
    const csv = await call('GET', `/api/measurements/${m.id}/features.csv`, 'physician');
    expect(csv.headers.get('content-type')).toMatch(/text\/csv/);
    const lines = csv.buf.toString('utf8').replace(/^\ufeff/, '').trim().split('\r\n');
    expect(lines[0]).toBe('lesion,label,label_name,key,value,unit,ref');
    expect(lines.find((l) => l.includes(',volume.cm3,'))).toContain(`${m.id}#L1/volume.cm3`);
    const meta = await call('GET', `/api/imaging/volumes/${res.json.summary.imageKey}`, 'physician');
    expect(meta.json).toMatchObject({ dtype: 'int16', geometry: { dims: small.geometry.dims } });
    const k = m.lesions[0].axial.slice;
    const slice = await call('GET', `/api/imaging/volumes/${res.json.summary.imageKey}/slices/${k}`, 'physician');
    expect(slice.headers.get('x-yz-dtype')).toBe('int16');
    const [nx, ny] = small.geometry.dims;
    expect(slice.buf.length).toBe(nx * ny * 2);
    expect(Array.from(new Int16Array(slice.buf.buffer, slice.buf.byteOffset, nx * ny))).toEqual(Array.from(small.image.subarray(k * nx * ny, (k + 1) * nx * ny)));
    const maskSlice = await call('GET', `/api/imaging/volumes/${res.json.summary.maskKey}/slices/${k}`, 'physician');
    expect(maskSlice.buf.reduce((a, b) => a + b, 0)).toBeGreaterThan(10);
    expect((await call('GET', `/api/imaging/volumes/${res.json.summary.imageKey}/slices/9999`, 'physician')).status).toBe(404);
  });

  it('measures a DICOM series with a DICOM SEG and links the result to its study', async () => {
    const files = writeSeries({ geometry: small.geometry, pixels: small.image, rescale: { slope: 1, intercept: -1024 } });
    const seg = { name: 'seg.dcm', bytes: writeSeg({ geometry: small.geometry, labels: small.mask, segments: { 1: '右肺上叶结节' } }) };
    const res = await call('POST', '/api/measure', 'physician', form({ image: files, mask: [seg] }));
    expect(res.status).toBe(201);
    const m = res.json.measurement;
    expect(m.provenance.image).toMatchObject({ kind: 'dicom', instances: small.geometry.dims[2] });
    expect(m.lesions[0].labelName).toBe('右肺上叶结节');
    const byStudy = await call('GET', `/api/measurements?studyUid=${m.provenance.image.studyInstanceUid}`, 'physician');
    expect(byStudy.json.items.map((i: Json) => i.id)).toEqual([m.id]);
  });

  it('a segment name from an uploaded SEG cannot become a spreadsheet formula in the CSV', async () => {
    const files = writeSeries({ geometry: small.geometry, pixels: small.image, rescale: { slope: 1, intercept: -1024 } });
    const seg = { name: 'seg.dcm', bytes: writeSeg({ geometry: small.geometry, labels: small.mask, segments: { 1: '=HYPERLINK("http://x.invalid","ok")' } }) };
    const res = await call('POST', '/api/measure', 'physician', form({ image: files, mask: [seg] }));
    expect(res.status).toBe(201);
    const csv = (await call('GET', `/api/measurements/${res.json.measurement.id}/features.csv`, 'physician')).buf.toString('utf8');
    const row = csv.split('\r\n').find((l) => l.includes('intensity.mean')) ?? '';
    expect(row).toContain(`,"'=HYPERLINK(""http://x.invalid"",""ok"")",`);
    expect(row).toMatch(/,intensity\.mean,-?\d/); // numbers stay numbers, negative ones included
  });

  it('patient fields of uploaded DICOM never reach the spool or the result', async () => {
    const files = writeSeries({ geometry: small.geometry, pixels: small.image, header: { PatientName: 'ZHANG^SAN 张三', PatientID: 'MRN-778899', AccessionNumber: 'ACC42' } });
    const seg = { name: 'seg.dcm', bytes: writeSeg({ geometry: small.geometry, labels: small.mask, segments: { 1: 'n' } }) };
    // Over YZ_IMAGING_SYNC_MB (1 MB) with padding files, so the upload is spooled to disk for the job.
    const padding = Array.from({ length: 3 }, (_, n) => ({ name: `pad${n}.txt`, bytes: Buffer.alloc(400_000, 65) }));
    // Hold the worker so the spooled files can be inspected before the job consumes them.
    await srv.rt.runner.stop();
    const res = await call('POST', '/api/measure', 'physician', form({ image: [...files, ...padding], mask: [seg] }));
    expect(res.status).toBe(202);
    const spooled = await readSpool(tmp.dir);
    srv.rt.runner.start();
    expect(spooled.length).toBeGreaterThan(0);
    for (const b of spooled) {
      expect(b.includes(Buffer.from('MRN-778899'))).toBe(false);
      expect(b.includes(Buffer.from('ZHANG^SAN'))).toBe(false);
    }
    let job: Json = null;
    for (let i = 0; i < 200; i++) {
      job = (await call('GET', `/api/jobs/${res.json.job.id}`, 'admin')).json;
      if (job.status === 'succeeded' || job.status === 'failed') break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(job.status).toBe('succeeded');
    const stored = await call('GET', `/api/measurements/${job.result.measurementId}`, 'physician');
    expect(JSON.stringify(stored.json)).not.toMatch(/MRN-778899|ZHANG|ACC42/);
    expect(stored.json.measurement.warnings.join()).toMatch(/non-DICOM/);
  });

  it('a large input is queued as a job with progress, measured by the worker, and stored once', async () => {
    const big = chestPhantom({ dims: [128, 100, 60] });
    const image = { name: 'chest.nii', bytes: writeNifti({ geometry: big.geometry, data: big.image }) };
    const mask = { name: 'nodules.nii', bytes: writeNifti({ geometry: big.geometry, data: big.mask }) };
    const res = await call('POST', '/api/measure', 'physician', form({ image: [image], mask: [mask], components: 'true' }));
    expect(res.status).toBe(202);
    const jobId = res.json.job.id;
    let job: Json = null;
    for (let i = 0; i < 200; i++) {
      job = (await call('GET', `/api/jobs/${jobId}`, 'admin')).json;
      if (job.status === 'succeeded' || job.status === 'failed') break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(job).toMatchObject({ status: 'succeeded', step: 'done', progressDone: 3, progressTotal: 3, result: { measurementId: expect.stringMatching(/^msr_/), lesions: 2 } });
    const stored = await call('GET', `/api/measurements/${job.result.measurementId}`, 'physician');
    expect(stored.json.summary.jobId).toBe(jobId);
    expect(stored.json.measurement.lesions.map((l: Json) => l.solidComponent?.nodeType ?? null)).toEqual(['part_solid', null]);
  });

  it('refuses bad input with the status and field that name it', async () => {
    expect((await call('POST', '/api/measure', 'technician', form({ image: [niiImage], mask: [niiMask] }))).status).toBe(403);
    // JSON where the route declares multipart: refused by the content-type guard before the body is read.
    const asJson = await call('POST', '/api/measure', 'physician', { image: 'x' });
    expect([asJson.status, asJson.json.error.code]).toEqual([415, 'UNSUPPORTED_CONTENT_TYPE']);
    const noMask = await call('POST', '/api/measure', 'physician', form({ image: [niiImage] }));
    expect(noMask.status).toBe(400);
    expect(noMask.json.error.field).toBe('mask');
    const label = await call('POST', '/api/measure', 'physician', form({ image: [niiImage], mask: [niiMask], label: '3' }));
    expect(label.status).toBe(422);
    expect(label.json.error).toMatchObject({ code: 'LABEL_NOT_FOUND', field: 'label', details: { labels: [1] } });
    const corrupt = Buffer.from(gzipSync(writeNifti({ geometry: small.geometry, data: small.image })));
    corrupt.fill(7, 100, 140);
    const gz = await call('POST', '/api/measure', 'physician', form({ image: [{ name: 'bad.nii.gz', bytes: corrupt }], mask: [niiMask] }));
    expect(gz.status).toBe(422);
    expect(gz.json.error.message).toMatch(/gzip/);
    const threshold = await call('POST', '/api/measure', 'physician', form({ image: [niiImage], mask: [niiMask], threshold: 'abc' }));
    expect(threshold.json.error).toMatchObject({ code: 'VALIDATION_FAILED', field: 'threshold' });
    const source = await call('POST', '/api/measure', 'physician', form({ image: [niiImage], mask: [niiMask], sourceId: 'src_missing' }));
    expect(source.json.error).toMatchObject({ code: 'NOT_FOUND', field: 'sourceId' });
    const mr = await call('POST', '/api/measure', 'physician', form({ image: [niiImage], mask: [niiMask], modality: 'MR', requireHu: 'true' }));
    expect(mr.json.error.code).toBe('MODALITY_NOT_SUPPORTED');
    const huge = { name: 'huge.nii', bytes: Buffer.alloc(21 * 1024 * 1024) };
    const tooBig = await call('POST', '/api/measure', 'physician', form({ image: [huge], mask: [niiMask] }));
    expect(tooBig.status).toBe(413);
    expect((await call('GET', '/api/measurements/msr_000000000000000000000000', 'physician')).status).toBe(404);
  });

  it('protocol QC: series from two scanners are checked, stored once each, and summarised per scanner and week', async () => {
    const chest = chestPhantom({ dims: [128, 100, 210], spacing: [0.7, 0.7, 1.25] });
    const header = (model: string, date: string, extra: Record<string, unknown> = {}) => ({
      KVP: 120, CTDIvol: 9.5, ConvolutionKernel: 'LUNG', ProtocolName: '胸部平扫 Chest routine', BodyPartExamined: 'CHEST', ManufacturerModelName: model, StationName: 'CT-1', SeriesDate: date, SeriesTime: '090000', ...extra,
    });
    const good = writeSeries({ geometry: chest.geometry, pixels: chest.image, rescale: { slope: 1, intercept: -1024 }, header: header('Alpha 64', '20261103') });
    const bad = writeSeries({ geometry: chest.geometry, pixels: chest.image, rescale: { slope: 1, intercept: -1024 }, header: header('Beta 16', '20261110', { KVP: 150, CTDIvol: 26 }) }).map((f) => ({ ...f, name: `b-${f.name}` }));
    const res = await call('POST', '/api/protocol-qc', 'technician', form({ file: [...good, ...bad] }));
    expect(res.status).toBe(200);
    const byModel = Object.fromEntries(res.json.runs.map((r: Json) => [r.scanner, r]));
    const alpha = byModel['YingZhi Synthetic Alpha 64 (CT-1)'];
    const beta = byModel['YingZhi Synthetic Beta 16 (CT-1)'];
    expect(alpha).toMatchObject({ status: 'pass', score: 100, examType: { id: 'chest_ct' } });
    expect(beta.status).toBe('fail');
    expect(beta.rules.filter((r: Json) => r.status === 'fail').map((r: Json) => r.id).sort()).toEqual(['ctdivol', 'kvp']);
    // The phantom's noise is 12 HU: the global-noise estimate finds it, and CNR soft tissue vs fat ≈ 140 / 12.
    expect(Math.abs(alpha.imageQuality.noiseSd.softTissue - 12)).toBeLessThan(1.5);
    expect(Math.abs(alpha.imageQuality.noiseSd.fat - 12)).toBeLessThan(1.5);
    expect(alpha.imageQuality.cnr).toBeGreaterThan(10);
    expect(alpha.imageQuality.truncation.flagged).toBe(false);
    const again = await call('POST', '/api/protocol-qc', 'technician', form({ file: good }));
    expect(again.json.runs[0].id).toBe(alpha.id);
    expect((await call('GET', '/api/protocol-qc/runs?status=fail', 'director')).json.items.map((r: Json) => r.id)).toEqual([beta.id]);
    const dash = await call('GET', '/api/protocol-qc/dashboard?days=3650', 'director');
    expect(dash.json.totals).toMatchObject({ runs: 2, pass: 1, fail: 1 });
    // Header times are local (YZ_TIMEZONE Asia/Shanghai): 09:00 on Tue 3 Nov is 01:00 UTC, in the week of Mon 2 Nov.
    expect(alpha.acquiredAt).toBe('2026-11-03T01:00:00.000Z');
    expect(dash.json.series.flatMap((s: Json) => s.points.map((p: Json) => p.week)).sort()).toEqual(['2026-11-02', '2026-11-09']);
    expect(dash.json.series.map((s: Json) => s.key).sort()).toEqual(['YingZhi Synthetic Alpha 64 (CT-1)', 'YingZhi Synthetic Beta 16 (CT-1)']);
    expect((await call('GET', '/api/protocol-qc/rules', 'technician')).json.examTypes.length).toBeGreaterThanOrEqual(4);
    expect((await call('POST', '/api/protocol-qc', 'physician', form({ file: good }))).status).toBe(403);
    expect((await call('POST', '/api/protocol-qc', 'technician', form({ file: [{ name: 'note.txt', bytes: Buffer.from('hello') }] }))).status).toBe(422);
  });
});
