import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAppError } from '../core/index.ts';
import { loadImage, type MaskVolume, measure, type Volume } from '../imaging/index.ts';
import { chestPhantom } from '../imaging/synthetic/index.ts';
import { imagingTmp, referencePython, writePhantomDicom } from './helpers/imaging.ts';
import { ROOT } from './helpers/runtime.ts';

const PY = referencePython();

/**
 * Compressed DICOM as PACS archives send it: the same series re-encoded by independent implementations
 * (JPEG Lossless and JPEG 2000 by SimpleITK's GDCM, RLE Lossless by pydicom; scripts/imaging/compress-dicom.py)
 * must read to exactly the voxels of the uncompressed series; syntaxes that are not decoded are refused by name.
 */
describe.skipIf(!PY)('compressed DICOM transfer syntaxes', () => {
  const tmp = imagingTmp();
  const chest = chestPhantom({ dims: [96, 80, 24] });
  const series = (dir: string) => readdirSync(dir).map((name) => ({ name, bytes: new Uint8Array(readFileSync(path.join(dir, name))) }));
  let plain: Volume;
  const encoded = (compressor: string) => {
    const out = path.join(tmp.dir, compressor);
    execFileSync(PY as string, [path.join(ROOT, 'scripts/imaging/compress-dicom.py'), path.join(tmp.dir, 'series'), out, compressor], { stdio: ['ignore', 'ignore', 'pipe'] });
    return series(out);
  };
  const syntaxOf = (bytes: Uint8Array) => /1\.2\.840\.10008\.1\.2[.\d]*/.exec(Buffer.from(bytes.subarray(0, 400)).toString('latin1'))?.[0];
  const mask = (v: Volume): MaskVolume => ({ geometry: v.geometry, labels: chest.mask, kind: 'labels', sha256: 'm', fileName: null, threshold: null, names: new Map(), hasGeometry: true, resampled: false, warnings: [] });

  beforeAll(() => {
    writePhantomDicom(tmp.dir, chest);
    plain = loadImage(series(path.join(tmp.dir, 'series')));
  });
  afterAll(() => tmp.cleanup());

  it.each([
    ['JPEG', '1.2.840.10008.1.2.4.70'],
    ['RLE', '1.2.840.10008.1.2.5'],
  ])('%s: the voxels, geometry and measurements equal the uncompressed series', (compressor, syntax) => {
    const files = encoded(compressor);
    expect(syntaxOf(files[0].bytes)).toBe(syntax);
    const v = loadImage(files);
    expect(v.geometry.dims).toEqual(plain.geometry.dims);
    expect(v.geometry.spacing.map((s) => Number(s.toFixed(6)))).toEqual(plain.geometry.spacing.map((s) => Number(s.toFixed(6))));
    expect(v.modality).toBe('CT');
    let differ = 0;
    for (let i = 0; i < plain.data.length; i++) if (v.data[i] !== plain.data[i]) differ++;
    expect(differ).toBe(0);
    const [a, b] = [measure(plain, mask(plain)), measure(v, mask(v))];
    expect(b.lesions.map((l) => [l.volumeMm3, l.intensity.mean])).toEqual(a.lesions.map((l) => [l.volumeMm3, l.intensity.mean]));
  });

  it('JPEG 2000 is refused with the transfer syntax named and what to export instead', () => {
    const files = encoded('JPEG2000');
    expect(syntaxOf(files[0].bytes)).toBe('1.2.840.10008.1.2.4.90');
    try {
      loadImage(files);
      throw new Error('expected a refusal');
    } catch (e) {
      expect(isAppError(e) && e.code).toBe('IMAGE_UNREADABLE');
      expect((e as Error).message).toMatch(/1\.2\.840\.10008\.1\.2\.4\.90 is not supported.*export uncompressed, JPEG Lossless or RLE/);
    }
  });

  it('a JPEG stream whose frame header claims another size is refused before anything is allocated for it', () => {
    const files = encoded('JPEG');
    const bytes = files[2].bytes.slice();
    const sof = Buffer.from(bytes).indexOf(Buffer.from([0xff, 0xc3]));
    expect(sof).toBeGreaterThan(0);
    bytes[sof + 5] = 0xff; // rows → 65,280+
    bytes[sof + 7] = 0xff; // columns → 65,280+
    try {
      loadImage([...files.slice(0, 2), { name: files[2].name, bytes }, ...files.slice(3)]);
      throw new Error('expected a refusal');
    } catch (e) {
      expect(isAppError(e) && e.code).toBe('IMAGE_UNREADABLE');
      expect((e as Error).message).toMatch(new RegExp(`${files[2].name}.*JPEG frame \\d+×\\d+ differs from the image's 96×80`));
    }
  });

  it('a JPEG Lossless file cut short is not read as zeros: the series is refused as missing a slice', () => {
    const files = encoded('JPEG');
    const cut = files[3].bytes.subarray(0, files[3].bytes.length - 600);
    try {
      loadImage([...files.slice(0, 3), { name: files[3].name, bytes: cut }, ...files.slice(4)]);
      throw new Error('expected a refusal');
    } catch (e) {
      expect(isAppError(e) && e.code).toBe('IMAGE_GEOMETRY_INVALID');
      expect((e as Error).message).toMatch(/missing slices/);
    }
  });
});
