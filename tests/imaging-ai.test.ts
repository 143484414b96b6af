import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createToolRegistry } from '../agents/index.ts';
import type { Lookup } from '../connectors/index.ts';
import type { Role } from '../auth/index.ts';
import { labelMap, writeNifti } from '../imaging/index.ts';
import { SectionsRepository } from '../ingest/index.ts';
import { makePhantom } from '../imaging/synthetic/index.ts';
import { type FakeAiServer, startFakeAiServer } from './fakes/imaging-ai-server.ts';
import { imagingTmp, sphereSpec } from './helpers/imaging.ts';
import { startTestServer, type TestServer } from './helpers/runtime.ts';

// biome-ignore lint/suspicious/noExplicitAny: response bodies are read loosely; their schemas are validated by the routes
type Json = any;

const STUDY = '1.2.826.0.1.3680043.8.498.1001';
const API_KEY = 'ai-key-7f3e';

/** The imaging-AI connector end to end: the documented contract against the reference fake server. */
describe('imaging-AI connector', () => {
  let srv: TestServer;
  let fake: FakeAiServer;
  const tmp = imagingTmp();
  const call = async (method: string, url: string, role: Role, body?: unknown) => {
    const res = await fetch(srv.url + url, { method, headers: { ...(await srv.tokenFor(role)), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) }, body: body === undefined ? undefined : JSON.stringify(body) });
    return { status: res.status, json: (await res.json()) as Json };
  };
  const until = async (id: string, statuses: string[], ms = 15_000) => {
    const end = Date.now() + ms;
    for (;;) {
      const r = (await call('GET', `/api/imaging/ai/results/${id}`, 'physician')).json;
      if (statuses.includes(r.status) || Date.now() > end) return r;
      await new Promise((res) => setTimeout(res, 50));
    }
  };
  const tools = () => {
    const { rt } = srv;
    return createToolRegistry({
      db: rt.db, search: rt.search, entities: rt.knowledge.entities, graph: rt.knowledge.graph, sources: rt.sources, imaging: rt.imaging.toolPort(),
      tables: { forChunks: (ids) => rt.tables.forChunks(rt.db, ids), rowChunks: (id) => rt.tables.rowChunks(rt.db, id), rowChunksByLabel: (s, l) => rt.tables.rowChunksByLabel(rt.db, s, l) },
      sections: { lookup: (ids, terms, opts) => new SectionsRepository().lookup(rt.db, ids, terms, opts) },
    });
  };

  // `ai.hospital.test` resolves through this scripted resolver: each question takes the next answer (the last one repeats).
  const dns = { answers: ['127.0.0.1'], asked: 0 };
  const lookup: Lookup = async (host) => {
    if (host !== 'ai.hospital.test') throw Object.assign(new Error('not found'), { code: 'ENOTFOUND' });
    dns.asked++;
    return [{ address: (dns.answers.length > 1 ? dns.answers.shift() : dns.answers[0]) as string }];
  };

  beforeAll(async () => {
    [srv, fake] = await Promise.all([
      startTestServer([], { YZ_MASTER_KEY: randomBytes(16).toString('hex'), YZ_IMAGING_DIR: tmp.dir, YZ_IMAGING_AI_POLL_MS: '20', YZ_IMAGING_AI_TIMEOUT_MS: '2000', YZ_CONNECTOR_CHECK_SECONDS: '3600' }, { lookup }),
      startFakeAiServer(),
    ]);
  }, 120_000);
  afterAll(async () => {
    await srv?.close();
    await fake?.close();
    tmp.cleanup();
  });

  it('without a connector: the request is refused (409 NOT_CONFIGURED) and the chat tool says not_configured', async () => {
    const r = await call('POST', '/api/imaging/ai/jobs', 'physician', { task: 'nodule_detection', studyUid: STUDY });
    expect(r.status).toBe(409);
    expect(r.json.error.code).toBe('NOT_CONFIGURED');
    const run = await tools().run('imaging_ai', { studyUid: STUDY, task: 'nodule_detection' }, { actor: 'dr', lang: 'zh' });
    expect(run.result).toMatchObject({ status: 'not_configured', data: { configured: false } });
    expect((await call('GET', '/api/imaging/ai/results', 'physician')).json.configured).toBe(false);
  });

  it('a result document the user already has is imported without a connector: mapped, unknown labels listed, once', async () => {
    const study = '1.2.826.0.1.3680043.8.498.2002';
    const doc = {
      model: { name: 'WorkstationAI', version: '2.3' },
      task: 'nodule_detection',
      studyInstanceUid: study,
      findings: [
        { type: 'nodule', label: 'solid_nodule', location: 'right_lower_lobe', segment: 'S9', sizeMm: { long: 6.4 }, probability: 0.91 },
        { type: 'nodule', label: 'mystery_blob', probability: 0.4 },
      ],
    };
    const first = await call('POST', '/api/imaging/ai/results', 'physician', doc);
    expect(first.status).toBe(201);
    expect(first.json).toMatchObject({ status: 'succeeded', connectorId: null, jobId: null, studyUid: study, model: 'WorkstationAI 2.3', unknownLabels: ['mystery_blob'] });
    expect(first.json.findings[0]).toMatchObject({ entity: { id: 'sign.solid_nodule' }, laterality: 'right', location: { id: 'anat.right_lower_lobe' }, segment: { code: 'S9' }, sizeMm: { long: 6.4 } });
    expect(first.json.findings[1]).toMatchObject({ label: 'mystery_blob', entity: { id: 'dis.pulmonary_nodule' } });
    const again = await call('POST', '/api/imaging/ai/results', 'physician', doc);
    expect(again.status).toBe(200);
    expect(again.json.id).toBe(first.json.id);
    expect((await call('GET', `/api/imaging/ai/results?studyUid=${study}`, 'physician')).json.items).toHaveLength(1);
    // The chat tool reports it although no connector exists.
    const run = await tools().run('imaging_ai', { studyUid: study, task: 'nodule_detection' }, { actor: 'dr', lang: 'zh' });
    expect(run.result).toMatchObject({ status: 'ok', data: { configured: false, resultId: first.json.id, unknownLabels: ['mystery_blob'] } });
    // Outside the contract: refused naming the field; a study UID that is not a DICOM UID too.
    const bad = await call('POST', '/api/imaging/ai/results', 'physician', { ...doc, model: undefined });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.json.error)).toContain('model');
    expect((await call('POST', '/api/imaging/ai/results', 'physician', { ...doc, studyInstanceUid: "1.2'; DROP" })).status).toBe(400);
    expect((await call('POST', '/api/imaging/ai/results', 'technician', doc)).status).toBe(403);
  });

  it('nodule detection: queued, polled, mapped to lesion type, lobe, side and segment; unknown labels reported', async () => {
    await srv.rt.connectors.create({ name: 'PACS', kind: 'pacs', config: { qidoUrl: 'http://pacs.local/dicom-web', wadoUrl: 'http://pacs.local/dicom-web' } }, 'admin');
    await srv.rt.connectors.create({ name: '肺结节 AI', kind: 'imaging_ai', config: { url: fake.url, apiKey: API_KEY } }, 'admin');
    const queued = await call('POST', '/api/imaging/ai/jobs', 'physician', { task: 'nodule_detection', studyUid: STUDY });
    expect(queued.status).toBe(202);
    expect(queued.json).toMatchObject({ status: 'queued', studyUid: STUDY, jobId: expect.any(String) });
    const done = await until(queued.json.id, ['succeeded', 'failed']);
    expect(done.status).toBe('succeeded');
    expect(done.model).toBe('FakeAI 1.0');
    const [n1, n2, n3] = done.findings;
    expect(n1).toMatchObject({
      kind: 'lesion', label: 'part_solid_nodule', entity: { id: 'sign.part_solid_nodule', nameZh: '部分实性结节' }, laterality: 'right',
      location: { id: 'anat.right_upper_lobe', nameZh: '右肺上叶' }, segment: { code: 'S1', nameZh: '尖段' }, sizeMm: { long: 8.2, short: 6.1 }, meanHu: -612,
    });
    expect(n2).toMatchObject({ entity: { id: 'sign.solid_nodule' }, laterality: 'left', location: { id: 'anat.left_lower_lobe' }, segment: { code: 'S6', nameZh: '背段' } });
    // An unknown class is reported; its generic type (nodule) still places it in the graph.
    expect(n3).toMatchObject({ label: 'perifissural_thing', entity: { id: 'dis.pulmonary_nodule' }, segment: { code: 'S11', nameZh: null } });
    expect(done.unknownLabels.sort()).toEqual(['perifissural_thing', 'segment:S11']);
    const post = fake.requests.find((r) => r.method === 'POST');
    expect(post?.authorization).toBe(`Bearer ${API_KEY}`);
    expect(post?.body).toMatchObject({ task: 'nodule_detection', study: { studyInstanceUid: STUDY, dicomWeb: { wadoUrl: 'http://pacs.local/dicom-web' } } });
    expect(fake.requests.filter((r) => r.method === 'GET' && r.path.startsWith('/v1/jobs/')).length).toBeGreaterThanOrEqual(2);
    // The chat tool now reads the stored result.
    const run = await tools().run('imaging_ai', { studyUid: STUDY, task: 'nodule_detection' }, { actor: 'dr', lang: 'zh' });
    expect(run.result.status).toBe('ok');
    expect((run.result.data as Json).findings).toHaveLength(3);
    expect((run.result.data as Json).unknownLabels).toContain('perifissural_thing');
  });

  it('segmentation maps organs with laterality and vertebral level; an interactive request needs prompts and sends them', async () => {
    fake.mode = 'sync';
    const seg = await call('POST', '/api/imaging/ai/jobs', 'physician', { task: 'segmentation', studyUid: STUDY, seriesUid: '1.2.3.4' });
    const done = await until(seg.json.id, ['succeeded', 'failed']);
    expect(done.findings.map((f: Json) => [f.label, f.entity?.id ?? null, f.laterality, f.segment?.code ?? null])).toEqual([
      ['liver', 'anat.liver', null, null],
      ['kidney_left', 'anat.kidney', 'left', null],
      ['vertebrae_T7', 'anat.thoracic_spine', null, 'T7'],
      ['spleen_accessory_xyz', null, null, null],
    ]);
    expect(done.findings[0].volumeMm3).toBeCloseTo(1520400, 0);
    expect(done.unknownLabels).toEqual(['spleen_accessory_xyz']);
    const noPrompt = await call('POST', '/api/imaging/ai/jobs', 'physician', { task: 'interactive_segmentation', studyUid: STUDY });
    expect(noPrompt.status).toBe(400);
    expect(noPrompt.json.error.field).toBe('prompts');
    const box = { frame: 'voxel', boxes: [{ min: [10, 12, 3], max: [30, 34, 9] }], points: [{ position: [20, 22, 6], label: 1 }] };
    fake.mode = 'up';
    const sam = await call('POST', '/api/imaging/ai/jobs', 'physician', { task: 'interactive_segmentation', studyUid: STUDY, prompts: box });
    await until(sam.json.id, ['succeeded', 'failed']);
    expect(fake.requests.filter((r) => r.method === 'POST').at(-1)?.body).toMatchObject({ task: 'interactive_segmentation', prompts: box });
  });

  it('service down: the request stays queued, is retried with backoff and its error is visible; it completes when the service returns', async () => {
    fake.mode = 'down';
    const r = await call('POST', '/api/imaging/ai/jobs', 'physician', { task: 'nodule_detection', studyUid: '1.2.3.999' });
    const retrying = await until(r.json.id, ['retrying', 'failed']);
    expect(retrying).toMatchObject({ status: 'retrying', attempts: 1, lastError: expect.stringContaining('503') });
    const job = (await call('GET', `/api/jobs/${retrying.jobId}`, 'admin')).json;
    expect(job).toMatchObject({ status: 'queued', attempts: 1, lastError: { code: 'IMAGING_AI_UNAVAILABLE' } });
    fake.mode = 'up';
    const done = await until(r.json.id, ['succeeded', 'failed'], 20_000);
    expect(done).toMatchObject({ status: 'succeeded', attempts: 2, lastError: null });
  }, 40_000);

  it('an answer outside the contract fails at once with the reason, nothing retried', async () => {
    fake.mode = 'garbage';
    const r = await call('POST', '/api/imaging/ai/jobs', 'physician', { task: 'nodule_detection', studyUid: '1.2.3.777' });
    const failed = await until(r.json.id, ['failed', 'succeeded']);
    expect(failed).toMatchObject({ status: 'failed', attempts: 1, lastError: expect.stringContaining('contract') });
    expect((await call('GET', `/api/jobs/${failed.jobId}`, 'admin')).json).toMatchObject({ status: 'failed', lastError: { code: 'IMAGING_AI_BAD_RESULT' } });
    fake.mode = 'up';
    expect((await call('GET', '/api/imaging/ai/results?status=failed', 'physician')).json.items.map((i: Json) => i.id)).toContain(r.json.id);
    expect((await call('POST', '/api/imaging/ai/jobs', 'technician', { task: 'nodule_detection', studyUid: STUDY })).status).toBe(403);
  });

  it('a service named by host is called at the checked address; when the name re-resolves to the metadata address mid-job, the poll is refused unsent', async () => {
    fake.mode = 'up';
    const byName = await srv.rt.connectors.create({ name: 'AI by name', kind: 'imaging_ai', config: { url: fake.url.replace('127.0.0.1', 'ai.hospital.test') } }, 'admin');
    dns.answers = ['127.0.0.1'];
    const ok = await call('POST', '/api/imaging/ai/jobs', 'physician', { task: 'nodule_detection', studyUid: '1.2.3.555', connectorId: byName.id });
    expect(await until(ok.json.id, ['succeeded', 'failed'])).toMatchObject({ status: 'succeeded' });

    // Checks at queueing, at the job's start and for the POST see 127.0.0.1; the first poll's resolution is the metadata address.
    dns.asked = 0;
    dns.answers = ['127.0.0.1', '127.0.0.1', '127.0.0.1', '169.254.169.254'];
    const seen = fake.requests.length;
    const r = await call('POST', '/api/imaging/ai/jobs', 'physician', { task: 'nodule_detection', studyUid: '1.2.3.556', connectorId: byName.id });
    const failed = await until(r.json.id, ['failed', 'succeeded']);
    expect(failed).toMatchObject({ status: 'failed', attempts: 1, lastError: expect.stringContaining('allow-list') });
    expect(dns.asked).toBe(4);
    expect(fake.requests.slice(seen).map((q) => q.method)).toEqual(['POST']); // no poll reached anything
  });

  it('the measurement tool reads stored measurements by id and by study, with refs', async () => {
    const p = makePhantom({ ...sphereSpec(5, 30), noise: 5 });
    const out = await srv.rt.imaging.measurements.submit({
      image: [{ name: 'a.nii.gz', bytes: writeNifti({ geometry: p.geometry, data: p.image, gzip: true }) }],
      mask: { name: 'm.nii.gz', bytes: writeNifti({ geometry: p.geometry, data: p.mask, gzip: true }) },
      options: { modality: 'CT' },
      actor: 'dr',
    });
    if (out.status !== 'measured') throw new Error('expected an in-request measurement');
    const run = await tools().run('measurement', { imageRef: out.measurement.id, maskRef: 'L1', metrics: ['volume', 'hu_stats'] }, { actor: 'dr', lang: 'zh' });
    expect(run.result.status).toBe('ok');
    const q = (run.result.data as Json).measurements[0].quantities;
    expect(q.map((x: Json) => x.key)).toEqual(expect.arrayContaining(['volume.mm3', 'volume.cm3', 'intensity.mean']));
    expect(q.every((x: Json) => x.ref.startsWith(`${out.measurement.id}#L1/`))).toBe(true);
    expect(q.some((x: Json) => x.key.startsWith('axial.'))).toBe(false);
    const none = await tools().run('measurement', { imageRef: '1.2.3.4.5', maskRef: 'x' }, { actor: 'dr', lang: 'zh' });
    expect(none.result).toMatchObject({ status: 'ok', data: { measurements: [] } });
  });

  it('every entity of the label map exists in the lexicon (graph node ids)', () => {
    const map = labelMap();
    const ids = [...Object.values(map.organs), ...Object.values(map.lesions), ...map.patterns].map((t) => t.entity);
    for (const side of ['left', 'right'] as const) for (const s of Object.values(map.lungSegments[side])) ids.push(s.lobe);
    expect(ids.filter((id) => !srv.rt.lexicon.get(id))).toEqual([]);
  });
});
