import { readFileSync } from 'node:fs';
import path from 'node:path';
import { deflateSync } from 'node:zlib';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAppError } from '../core/index.ts';
import { readFigure } from '../teaching/index.ts';
import { multipart } from './helpers/multipart.ts';
import { startTestServer, type TestServer } from './helpers/runtime.ts';

/**
 * Image-reading items (issue 15 scope 2): figures are hostile input — type by magic bytes, size and side limits
 * before decoding, PNG re-encoded without its ancillary chunks, JPEG walked to its frame header and end, DICOM
 * rendered with a window/level — then attached to an item with a region mark and served to residents.
 */
const FIG = path.resolve(import.meta.dirname, '../demo/figures');
const demoPng = readFileSync(path.join(FIG, 'synthetic-chest-ct-lung-window.png'));
const demoDcm = readFileSync(path.join(FIG, 'synthetic-chest-ct-slice.dcm'));
const code = (f: () => unknown) => {
  try {
    f();
    return null;
  } catch (e) {
    return isAppError(e) ? e.code : String(e);
  }
};
const jpeg = (w: number, h: number, end = true) => Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x04, 0x00, 0x00, 0xff, 0xc0, 0x00, 0x0b, 0x08, h >> 8, h & 255, w >> 8, w & 255, 0x01, 0x01, 0x11, 0x00, ...(end ? [0xff, 0xd9] : [])]);

describe('figures are validated by their bytes', () => {
  it('reads the synthetic demo PNG and re-encodes it without ancillary chunks (a tEXt chunk does not survive)', () => {
    const crc = (b: Buffer) => { let c = ~0; for (const x of b) { c ^= x; for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0xedb88320 & -(c & 1)); } return ~c >>> 0; };
    const text = Buffer.concat([Buffer.from('tEXt'), Buffer.from('Comment\0<script>alert(1)</script>')]);
    const chunk = Buffer.concat([Buffer.alloc(4), text, Buffer.alloc(4)]);
    chunk.writeUInt32BE(text.length - 4, 0);
    chunk.writeUInt32BE(crc(text), chunk.length - 4);
    const withText = Buffer.concat([demoPng.subarray(0, 33), chunk, demoPng.subarray(33)]);
    const f = readFigure(withText, 'x.png');
    expect(f).toMatchObject({ mime: 'image/png', width: 480, height: 384, source: 'png' });
    expect(f.bytes.includes(Buffer.from('<script>'))).toBe(false);
    expect(PNG.sync.read(f.bytes).width).toBe(480);
  });

  it('refuses what is not an image, whatever its name, and images too big to show', () => {
    expect(code(() => readFigure(Buffer.from('<html><script>alert(1)</script></html>'), 'evil.png'))).toBe('UNSUPPORTED_FILE_TYPE');
    expect(code(() => readFigure(Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'), 'x.jpg'))).toBe('UNSUPPORTED_FILE_TYPE');
    // A PNG declaring 100000×100000 pixels is refused before any decoding (a decompression bomb).
    const bomb = Buffer.from(demoPng.subarray(0, 33));
    bomb.writeUInt32BE(100_000, 16);
    bomb.writeUInt32BE(100_000, 20);
    expect(code(() => readFigure(Buffer.concat([bomb, Buffer.from(deflateSync(Buffer.alloc(10)))]), 'bomb.png'))).toBe('FILE_TOO_LARGE');
    expect(code(() => readFigure(demoPng.subarray(0, 200), 'cut.png'))).toBe('IMAGE_UNREADABLE');
    expect(code(() => readFigure(Buffer.concat([demoPng, Buffer.alloc(9 * 1024 * 1024)]), 'huge.png'))).toBe('FILE_TOO_LARGE');
    expect(readFigure(jpeg(400, 300), 'a.jpg')).toMatchObject({ mime: 'image/jpeg', width: 400, height: 300, source: 'jpeg' });
    expect(code(() => readFigure(jpeg(400, 300, false), 'cut.jpg'))).toBe('IMAGE_UNREADABLE');
    expect(code(() => readFigure(jpeg(9000, 300), 'wide.jpg'))).toBe('FILE_TOO_LARGE');
  });

  it('renders a DICOM slice to PNG with the window/level asked for', () => {
    const lung = readFigure(demoDcm, 'slice.dcm', { window: { center: -600, width: 1500 } });
    const soft = readFigure(demoDcm, 'slice.dcm', { window: { center: 40, width: 400 } });
    expect(lung).toMatchObject({ mime: 'image/png', width: 160, height: 128, source: 'dicom' });
    // Lung parenchyma (about −860 HU, at x 0.2, y 0.5) is grey in the lung window and black in the soft-tissue window.
    const at = (png: Buffer) => PNG.sync.read(png).data[(Math.round(160 * 0.2) + 160 * Math.round(128 * 0.5)) * 4];
    expect(at(lung.bytes)).toBeGreaterThan(30);
    expect(at(soft.bytes)).toBe(0);
  });
});

describe('figures through the API', () => {
  let srv: TestServer;
  let teacher: Record<string, string>;
  let questionId: string;
  beforeAll(async () => {
    srv = await startTestServer([], { YZ_LLM: 'none' });
    teacher = await srv.tokenFor('teacher', 'teacher.fig');
    const r = await srv.rt.teaching.transfer.importFile('moodle', Buffer.from('<quiz><question type="multichoice"><questiontext><text>图中箭头所示结节的密度类型是？</text></questiontext><answer fraction="100"><text>部分实性结节</text></answer><answer fraction="0"><text>纯磨玻璃结节</text></answer><answer fraction="0"><text>钙化结节</text></answer></question></quiz>'), 'teacher.fig');
    questionId = r.questionIds[0];
  }, 120_000);
  afterAll(async () => srv?.close());

  const upload = async (name: string, bytes: Buffer, headers: Record<string, string>, fields: Record<string, string> = {}) => {
    const m = multipart(fields, { name, bytes });
    const res = await fetch(`${srv.url}/api/teaching/figures`, { method: 'POST', headers: { ...headers, ...m.headers }, body: m.payload });
    return { status: res.status, json: (await res.json()) as Record<string, unknown> & { error?: { code: string } } };
  };

  it('a teacher uploads a figure (once per content), marks a region on an item; a resident can fetch the image but not upload', async () => {
    const first = await upload('synthetic-chest-ct-lung-window.png', demoPng, teacher, { synthetic: 'true' });
    expect(first.status).toBe(201);
    expect(first.json).toMatchObject({ mime: 'image/png', width: 480, height: 384, source: 'png', synthetic: true, created: true });
    const again = await upload('copy.png', demoPng, teacher);
    expect(again.json).toMatchObject({ id: first.json.id, created: false });
    expect((await upload('evil.png', Buffer.from('<html></html>'), teacher)).json.error?.code).toBe('UNSUPPORTED_FILE_TYPE');
    const dicom = await upload('slice.dcm', demoDcm, teacher, { windowCenter: '-600', windowWidth: '1500' });
    expect(dicom.json).toMatchObject({ source: 'dicom', mime: 'image/png', width: 160 });
    const resident = await srv.tokenFor('resident', 'resident.fig');
    expect((await upload('r.png', demoPng, resident)).status).toBe(403);

    const put = (figure: unknown) => fetch(`${srv.url}/api/teaching/questions/${questionId}/figure`, { method: 'PUT', headers: { ...teacher, 'content-type': 'application/json' }, body: JSON.stringify({ figure }) });
    const region = { x: 0.3, y: 0.42, r: 0.06 };
    const res = await put({ figureId: first.json.id, region });
    expect(res.status).toBe(200);
    const q = (await res.json()) as { version: number; figure: unknown };
    expect(q).toMatchObject({ version: 2, figure: { figureId: first.json.id, region } });
    expect((await put({ figureId: 'fig_missing', region: null })).status).toBe(404);
    expect((await put({ figureId: first.json.id, region: { x: 2, y: 0.4, r: 0.06 } })).status).toBe(400);

    const img = await fetch(`${srv.url}/api/teaching/figures/${first.json.id}`, { headers: resident });
    expect(img.status).toBe(200);
    expect(img.headers.get('content-type')).toBe('image/png');
    expect(img.headers.get('x-content-type-options')).toBe('nosniff');
    expect(Buffer.from(await img.arrayBuffer()).subarray(1, 4).toString()).toBe('PNG');
    const { rows } = await srv.rt.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM audit_log WHERE action = 'question.figure_upload'`);
    expect(rows[0].n).toBe(2);
  });
});
