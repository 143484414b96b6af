import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Role } from '../auth/index.ts';
import { chestPhantom, newUid, writeSeg, writeSeries } from '../imaging/synthetic/index.ts';
import { type FakeDicomWeb, startFakeDicomWeb } from './fakes/dicomweb-server.ts';
import { imagingTmp } from './helpers/imaging.ts';
import { startTestServer, type TestServer } from './helpers/runtime.ts';

// biome-ignore lint/suspicious/noExplicitAny: response bodies are read loosely; their schemas are validated by the routes
type Json = any;

/** Picking a study on the PACS (QIDO-RS) and measuring one of its series retrieved by WADO-RS, through the pacs connector. */
describe('measurement from a PACS study (DICOMweb)', () => {
  let srv: TestServer;
  let pacs: FakeDicomWeb;
  const tmp = imagingTmp();
  const p = chestPhantom({ dims: [96, 80, 30] });
  const studyUid = newUid();
  const seriesUid = newUid();
  const call = async (method: string, url: string, role: Role, body?: FormData) => {
    const res = await fetch(srv.url + url, { method, headers: await srv.tokenFor(role), body });
    return { status: res.status, json: (await res.json()) as Json };
  };
  const measureForm = (fields: Record<string, string>) => {
    const f = new FormData();
    for (const [k, v] of Object.entries(fields)) f.append(k, v);
    f.append('mask', new Blob([new Uint8Array(writeSeg({ geometry: p.geometry, labels: p.mask, segments: { 1: 'GGN', 2: 'solid' } }))]), 'seg.dcm');
    return f;
  };

  beforeAll(async () => {
    const files = writeSeries({ geometry: p.geometry, pixels: p.image, studyUid, seriesUid, rescale: { slope: 1, intercept: -1024 }, seriesDescription: 'Thorax 1.25mm' });
    [srv, pacs] = await Promise.all([
      startTestServer([], { YZ_MASTER_KEY: randomBytes(16).toString('hex'), YZ_IMAGING_DIR: tmp.dir, YZ_CONNECTOR_CHECK_SECONDS: '3600' }),
      startFakeDicomWeb([{ studyUid, seriesUid, modality: 'CT', description: 'Thorax 1.25mm', studyDate: '20261201', files }]),
    ]);
  }, 120_000);
  afterAll(async () => {
    await srv?.close();
    await pacs?.close();
    tmp.cleanup();
  });

  it('without a PACS connector the picker says so (409 NOT_CONFIGURED)', async () => {
    const r = await call('GET', '/api/imaging/pacs/studies', 'physician');
    expect(r.status).toBe(409);
    expect(r.json.error).toMatchObject({ code: 'NOT_CONFIGURED', field: 'pacs' });
  });

  it('lists studies and series without patient fields, then measures a series retrieved by WADO-RS as a job', async () => {
    await srv.rt.connectors.create({ name: 'PACS 主院区', kind: 'pacs', config: { qidoUrl: pacs.url, wadoUrl: pacs.url, authType: 'bearer', secret: 'pacs-token' } }, 'admin');
    const studies = await call('GET', '/api/imaging/pacs/studies?date=20261201', 'physician');
    expect(studies.json.items).toEqual([{ studyInstanceUid: studyUid, studyDate: '20261201', studyDescription: '胸部CT平扫', modalities: ['CT'], accessionNumber: null, instances: 30 }]);
    const series = await call('GET', `/api/imaging/pacs/studies/${studyUid}/series`, 'physician');
    expect(series.json.items[0]).toMatchObject({ seriesInstanceUid: seriesUid, modality: 'CT', seriesDescription: 'Thorax 1.25mm', instances: 30 });
    expect(pacs.requests.every((r) => r.authorization === 'Bearer pacs-token')).toBe(true);

    const queued = await call('POST', '/api/measure', 'physician', measureForm({ pacsStudyUid: studyUid, pacsSeriesUid: seriesUid }));
    expect(queued.status).toBe(202);
    let job: Json = null;
    for (let i = 0; i < 200; i++) {
      job = (await call('GET', `/api/jobs/${queued.json.job.id}`, 'admin')).json;
      if (job.status === 'succeeded' || job.status === 'failed') break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(job.status).toBe('succeeded');
    const m = (await call('GET', `/api/measurements/${job.result.measurementId}`, 'physician')).json.measurement;
    expect(m.provenance.image).toMatchObject({ kind: 'dicom', studyInstanceUid: studyUid, seriesInstanceUid: seriesUid, instances: 30 });
    expect(m.lesions.map((l: Json) => l.labelName)).toEqual(['GGN', 'solid']);
    expect(pacs.requests.some((r) => r.path.endsWith(`/series/${seriesUid}`) && /multipart\/related/.test(r.accept ?? ''))).toBe(true);
  });

  it('a PACS that is down fails the picker with 503 and leaves a measurement job retrying; bad UIDs are refused', async () => {
    pacs.down = true;
    try {
      expect((await call('GET', '/api/imaging/pacs/studies', 'physician')).json.error.code).toBe('PACS_UNAVAILABLE');
      const queued = await call('POST', '/api/measure', 'physician', measureForm({ pacsStudyUid: studyUid, pacsSeriesUid: seriesUid }));
      let job: Json = null;
      for (let i = 0; i < 100; i++) {
        job = (await call('GET', `/api/jobs/${queued.json.job.id}`, 'admin')).json;
        if (job.attempts >= 1 && job.status !== 'running') break;
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(job).toMatchObject({ status: 'queued', attempts: 1, lastError: { code: 'PACS_UNAVAILABLE' } });
    } finally {
      pacs.down = false;
    }
    const bad = await call('POST', '/api/measure', 'physician', measureForm({ pacsStudyUid: '1.2.x', pacsSeriesUid: '1.2' }));
    expect(bad.json.error).toMatchObject({ code: 'VALIDATION_FAILED', field: 'pacsStudyUid' });
    expect((await call('GET', '/api/imaging/pacs/studies?date=2026', 'physician')).status).toBe(400);
  });
});
