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
/** Frame header + one scan (entropy-coded bytes with a stuffed 0xFF00 and a restart marker), as a JPEG walker sees it. */
const FRAME = (w: number, h: number) => [0xff, 0xc0, 0x00, 0x0b, 0x08, h >> 8, h & 255, w >> 8, w & 255, 0x01, 0x01, 0x11, 0x00];
const SCAN = [0xff, 0xda, 0x00, 0x08, 0x01, 0x01, 0x00, 0x00, 0x3f, 0x00, 0x12, 0xff, 0x00, 0x34, 0xff, 0xd0, 0x56];
const jpeg = (w: number, h: number, end = true) => Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x04, 0x00, 0x00, ...FRAME(w, h), ...SCAN, ...(end ? [0xff, 0xd9] : [])]);
const segment = (marker: number, payload: Buffer) => {
  const head = Buffer.from([0xff, marker, 0, 0]);
  head.writeUInt16BE(payload.length + 2, 2);
  return Buffer.concat([head, payload]);
};
const pngChunk = (type: string, data: Buffer) => {
  const crc = (b: Buffer) => { let c = ~0; for (const x of b) { c ^= x; for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0xedb88320 & -(c & 1)); } return ~c >>> 0; };
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const out = Buffer.alloc(body.length + 8);
  out.writeUInt32BE(data.length, 0);
  body.copy(out, 4);
  out.writeUInt32BE(crc(body), out.length - 4);
  return out;
};

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

  it('strips a JPEG\'s metadata (EXIF with a planted patient name, XMP, COM, JFIF thumbnail, bytes after EOI) and keeps its image data byte for byte', () => {
    const NAME = 'ZHANG San 张三';
    // A TIFF-structured EXIF block: Artist and DateTimeOriginal values in the clear, as cameras and PACS exports write them.
    const exif = Buffer.concat([Buffer.from('Exif\0\0II*\0\x08\0\0\0', 'latin1'), Buffer.from(`Artist ${NAME} 2024:03:05 10:22:01`, 'utf8')]);
    const xmp = Buffer.concat([Buffer.from('http://ns.adobe.com/xap/1.0/\0', 'latin1'), Buffer.from(`<x:xmpmeta><dc:creator>${NAME}</dc:creator></x:xmpmeta>`)]);
    const jfifWithThumb = Buffer.concat([Buffer.from('JFIF\0\x01\x02\x00\x00\x48\x00\x48\x01\x01', 'latin1'), Buffer.from([0xaa, 0xbb, 0xcc])]);
    const adobe = Buffer.from('Adobe\0\x64\0\0\0\0\x01', 'latin1');
    const planted = Buffer.concat([
      Buffer.from([0xff, 0xd8]), segment(0xe0, jfifWithThumb), segment(0xe1, exif), segment(0xe1, xmp), segment(0xed, Buffer.from(`Photoshop 3.0\0${NAME}`)),
      segment(0xee, adobe), segment(0xfe, Buffer.from(`患者 ${NAME} 住院号 123456`)), Buffer.from([...FRAME(640, 480), ...SCAN, 0xff, 0xd9]), Buffer.from(`trailer ${NAME}`),
    ]);
    expect(planted.includes(Buffer.from(NAME))).toBe(true);
    const f = readFigure(planted, 'exif.jpg');
    expect(f).toMatchObject({ mime: 'image/jpeg', width: 640, height: 480, source: 'jpeg' });
    expect(f.bytes.includes(Buffer.from('ZHANG'))).toBe(false);
    expect(f.bytes.includes(Buffer.from('张三'))).toBe(false);
    expect(f.bytes.includes(Buffer.from('2024:03:05'))).toBe(false);
    expect(f.bytes.includes(Buffer.from('Exif'))).toBe(false);
    expect(f.removed).toEqual(expect.arrayContaining(['APP1 (EXIF/XMP)', 'APP13 (IPTC)', 'COM', 'APP0 thumbnail']));
    // Frame, scan (stuffed byte and restart marker included) and the Adobe colour record are kept as they were.
    expect(f.bytes.includes(Buffer.from([...FRAME(640, 480), ...SCAN, 0xff, 0xd9]))).toBe(true);
    expect(f.bytes.includes(segment(0xee, adobe))).toBe(true);
    expect(f.bytes.subarray(0, 20)).toEqual(Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, ...Buffer.from('JFIF\0\x01\x02\x00\x00\x48\x00\x48', 'latin1'), 0x00, 0x00]));
    expect(f.bytes.at(-1)).toBe(0xd9);
    // Cleaning is idempotent: a clean JPEG comes out unchanged.
    expect(readFigure(f.bytes, 'clean.jpg').bytes.equals(f.bytes)).toBe(true);
    expect(readFigure(f.bytes, 'clean.jpg').removed).toEqual([]);
    // Metadata between the frame header and the scan is found too.
    const late = Buffer.concat([Buffer.from([0xff, 0xd8, ...FRAME(8, 8)]), segment(0xe1, exif), Buffer.from([...SCAN, 0xff, 0xd9])]);
    expect(readFigure(late, 'late.jpg').bytes.includes(Buffer.from('ZHANG'))).toBe(false);
    // A frame header with no scan is not a picture.
    expect(code(() => readFigure(Buffer.from([0xff, 0xd8, ...FRAME(8, 8), 0xff, 0xd9]), 'noscan.jpg'))).toBe('IMAGE_UNREADABLE');
  });

  it('drops a PNG\'s eXIf, iTXt and zTXt chunks (a planted patient name does not survive re-encoding)', () => {
    const NAME = 'LI Si 李四';
    const withMeta = Buffer.concat([
      demoPng.subarray(0, 33),
      pngChunk('eXIf', Buffer.from(`MM\0*\0\0\0\x08 Artist ${NAME}`, 'utf8')),
      pngChunk('iTXt', Buffer.from(`Author\0\0\0\0\0${NAME}`, 'utf8')),
      pngChunk('zTXt', Buffer.concat([Buffer.from('Comment\0\0', 'latin1'), deflateSync(Buffer.from(NAME))])),
      demoPng.subarray(33),
    ]);
    expect(PNG.sync.read(withMeta).width).toBe(480);
    const f = readFigure(withMeta, 'meta.png');
    expect(f.bytes.includes(Buffer.from('李四'))).toBe(false);
    expect(f.bytes.includes(Buffer.from('LI Si'))).toBe(false);
    for (const t of ['eXIf', 'iTXt', 'zTXt', 'tEXt']) expect(f.bytes.includes(Buffer.from(t))).toBe(false);
    expect(f.removed).toEqual(expect.arrayContaining(['eXIf', 'iTXt', 'zTXt']));
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
    // Its description says it is synthetic (the UI's badge); the DICOM rendering is not.
    const meta = async (id: unknown) => fetch(`${srv.url}/api/teaching/figures/${id}/meta`, { headers: resident });
    expect(await (await meta(first.json.id)).json()).toMatchObject({ synthetic: true, source: 'png', width: 480 });
    expect(await (await meta(dicom.json.id)).json()).toMatchObject({ synthetic: false, source: 'dicom' });
    expect((await meta('fig_missing')).status).toBe(404);
    const { rows } = await srv.rt.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM audit_log WHERE action = 'question.figure_upload'`);
    expect(rows[0].n).toBe(2);
  });

  it('a JPEG with a patient name in its EXIF is stored and served without it; the response names what was removed', async () => {
    const teacherHeaders = teacher;
    const exif = segment(0xe1, Buffer.from('Exif\0\0II*\0 Artist WANG Wu 王五 2023:11:12', 'utf8'));
    const planted = Buffer.concat([Buffer.from([0xff, 0xd8]), exif, segment(0xfe, Buffer.from('王五')), Buffer.from([...FRAME(320, 240), ...SCAN, 0xff, 0xd9])]);
    const r = await upload('ct.jpg', planted, teacherHeaders);
    expect(r.status).toBe(201);
    expect(r.json).toMatchObject({ mime: 'image/jpeg', width: 320, metadataRemoved: ['APP1 (EXIF/XMP)', 'COM'] });
    const img = Buffer.from(await (await fetch(`${srv.url}/api/teaching/figures/${r.json.id}`, { headers: teacherHeaders })).arrayBuffer());
    expect(img.includes(Buffer.from('王五'))).toBe(false);
    expect(img.includes(Buffer.from('WANG'))).toBe(false);
    const [row] = (await srv.rt.db.query<{ bytes: Uint8Array }>('SELECT bytes FROM teach_figures WHERE id = $1', [r.json.id])).rows;
    expect(Buffer.from(row.bytes).includes(Buffer.from('王五'))).toBe(false);
  });
});
