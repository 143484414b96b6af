import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeSeries {
  studyUid: string;
  seriesUid: string;
  modality: string;
  description: string;
  studyDate: string;
  files: Array<{ name: string; bytes: Uint8Array }>;
}

export interface FakeDicomWeb {
  url: string;
  down: boolean;
  requests: Array<{ path: string; authorization?: string; accept?: string }>;
  close(): Promise<void>;
}

/**
 * A minimal DICOMweb server (QIDO-RS studies/series as DICOM JSON, WADO-RS series retrieve as
 * multipart/related; type="application/dicom") over generated series, for the PACS picker tests.
 */
export async function startFakeDicomWeb(series: FakeSeries[]): Promise<FakeDicomWeb> {
  const state: FakeDicomWeb = { url: '', down: false, requests: [], close: async () => undefined };
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    state.requests.push({ path: url.pathname + url.search, authorization: req.headers.authorization, accept: req.headers.accept });
    if (state.down) return void res.writeHead(503).end();
    const json = (body: unknown) => res.writeHead(200, { 'content-type': 'application/dicom+json' }).end(JSON.stringify(body));
    const p = url.pathname.replace(/^\/dicom-web/, '');
    if (p === '/studies') {
      const studies = [...new Map(series.map((s) => [s.studyUid, s])).values()].filter((s) => !url.searchParams.get('StudyDate') || s.studyDate === url.searchParams.get('StudyDate'));
      return json(studies.map((s) => ({ '0020000D': { vr: 'UI', Value: [s.studyUid] }, '00080020': { vr: 'DA', Value: [s.studyDate] }, '00081030': { vr: 'LO', Value: ['胸部CT平扫'] }, '00080061': { vr: 'CS', Value: [s.modality] }, '00201208': { vr: 'IS', Value: [series.filter((x) => x.studyUid === s.studyUid).reduce((n, x) => n + x.files.length, 0)] } })));
    }
    let m = /^\/studies\/([0-9.]+)\/series$/.exec(p);
    if (m) {
      const list = series.filter((s) => s.studyUid === m?.[1]);
      if (!list.length) return void res.writeHead(404).end();
      return json(list.map((s, n) => ({ '0020000E': { vr: 'UI', Value: [s.seriesUid] }, '00080060': { vr: 'CS', Value: [s.modality] }, '0008103E': { vr: 'LO', Value: [s.description] }, '00200011': { vr: 'IS', Value: [n + 1] }, '00201209': { vr: 'IS', Value: [s.files.length] } })));
    }
    m = /^\/studies\/([0-9.]+)\/series\/([0-9.]+)$/.exec(p);
    if (m) {
      const s = series.find((x) => x.studyUid === m?.[1] && x.seriesUid === m?.[2]);
      if (!s) return void res.writeHead(404).end();
      const boundary = 'yzFakeBoundary42';
      const chunks: Buffer[] = [];
      for (const f of s.files) chunks.push(Buffer.from(`--${boundary}\r\nContent-Type: application/dicom\r\n\r\n`), Buffer.from(f.bytes), Buffer.from('\r\n'));
      chunks.push(Buffer.from(`--${boundary}--\r\n`));
      return void res.writeHead(200, { 'content-type': `multipart/related; type="application/dicom"; boundary=${boundary}` }).end(Buffer.concat(chunks));
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/dicom-web`;
  state.close = () => {
    server.closeAllConnections();
    return new Promise<void>((r) => server.close(() => r()));
  };
  return state;
}
