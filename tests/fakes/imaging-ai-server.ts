import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * Reference fake of the imaging-AI HTTP contract (imaging/ai/CONTRACT.md). Modes: `up` (asynchronous: 202
 * then one `running` poll, then the result), `sync` (200 with the result), `down` (503 for everything),
 * `garbage` (200 with a body outside the contract), `refuse` (400). `result(task, study)` builds the answer;
 * by default a nodule-detection result with known and unknown labels and a segmentation with organs.
 */
export interface FakeAiServer {
  url: string;
  mode: 'up' | 'sync' | 'down' | 'garbage' | 'refuse';
  requests: Array<{ method: string; path: string; body: unknown; authorization?: string }>;
  close(): Promise<void>;
}

export function defaultAiResult(task: string, study: { studyInstanceUid: string; seriesInstanceUid?: string }) {
  const base = { model: { name: 'FakeAI', version: '1.0' }, task, studyInstanceUid: study.studyInstanceUid, seriesInstanceUid: study.seriesInstanceUid };
  if (task === 'segmentation') {
    return {
      ...base,
      segments: [
        { label: 'liver', labelValue: 5, volumeMl: 1520.4, probability: 0.98 },
        { label: 'kidney_left', labelValue: 3, volumeMl: 160.2 },
        { label: 'vertebrae_T7', labelValue: 38 },
        { label: 'spleen_accessory_xyz', labelValue: 99 },
      ],
      findings: [],
    };
  }
  return {
    ...base,
    segments: [],
    findings: [
      { id: 'n1', type: 'nodule', label: 'part_solid_nodule', location: 'lung_upper_lobe_right', segment: 'S1', position: { x: -52.1, y: 10.4, z: -140, frame: 'patient' }, sizeMm: { long: 8.2, short: 6.1 }, volumeMm3: 190, meanHu: -612, probability: 0.91 },
      { id: 'n2', type: 'nodule', label: 'solid_nodule', location: '左肺下叶', segment: 'S6', sizeMm: { long: 4.1 }, probability: 0.77 },
      { id: 'n3', type: 'nodule', label: 'perifissural_thing', location: 'lung_middle_lobe_right', segment: 'S11', probability: 0.4 },
    ],
  };
}

export async function startFakeAiServer(opts: { result?: (task: string, study: { studyInstanceUid: string; seriesInstanceUid?: string }) => unknown } = {}): Promise<FakeAiServer> {
  const jobs = new Map<string, { task: string; study: { studyInstanceUid: string; seriesInstanceUid?: string }; polls: number }>();
  const make = opts.result ?? defaultAiResult;
  let next = 1;
  const state: FakeAiServer = { url: '', mode: 'up', requests: [], close: async () => undefined };
  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (c) => {
      raw += c;
    });
    req.on('end', () => {
      let body: unknown = null;
      try {
        body = raw ? JSON.parse(raw) : null;
      } catch {
        body = raw;
      }
      const path = (req.url ?? '/').split('?')[0];
      state.requests.push({ method: req.method ?? 'GET', path, body, authorization: req.headers.authorization });
      const send = (status: number, payload: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(payload));
      if (state.mode === 'down') return send(503, { error: 'maintenance' });
      if (req.method === 'GET' && path === '/') return send(200, { service: 'fake-imaging-ai', version: '1.0', tasks: ['segmentation', 'nodule_detection', 'interactive_segmentation'] });
      if (req.method === 'POST' && path === '/v1/jobs') {
        if (state.mode === 'refuse') return send(400, { error: 'unsupported series' });
        const b = body as { task: string; study: { studyInstanceUid: string; seriesInstanceUid?: string } };
        const jobId = `fj${next++}`;
        if (state.mode === 'garbage') return send(200, { jobId, status: 'succeeded', result: { model: 'x', findings: 'lots' } });
        if (state.mode === 'sync') return send(200, { jobId, status: 'succeeded', result: make(b.task, b.study) });
        jobs.set(jobId, { task: b.task, study: b.study, polls: 0 });
        return send(202, { jobId, status: 'queued', progress: 0 });
      }
      const m = /^\/v1\/jobs\/([^/]+)$/.exec(path);
      if (req.method === 'GET' && m) {
        const j = jobs.get(decodeURIComponent(m[1]));
        if (!j) return send(404, { error: 'no such job' });
        j.polls++;
        if (j.polls < 2) return send(200, { jobId: m[1], status: 'running', progress: 0.5 });
        return send(200, { jobId: m[1], status: 'succeeded', progress: 1, result: make(j.task, j.study) });
      }
      send(404, { error: 'not found' });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  state.close = () => {
    server.closeAllConnections();
    return new Promise<void>((r) => server.close(() => r()));
  };
  return state;
}
