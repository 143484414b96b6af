import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { PNG } from 'pngjs';
import { chestPhantom, writeSeries } from '../imaging/synthetic/index.ts';

/**
 * Demo figures for image-reading items (读片题), drawn by code — SYNTHETIC, not patient images: an axial slice of
 * the imaging capability's chest phantom (body outline, two lungs, vertebra, aorta, a lobulated part-solid nodule in
 * the right lung and a small solid nodule in the left), rendered with a lung and a mediastinal window, and the
 * same slice as a one-slice DICOM file (to show DICOM upload with window/level). Writes demo/figures/.
 */
const OUT = path.resolve(import.meta.dirname, '../demo/figures');
mkdirSync(OUT, { recursive: true });
const p = chestPhantom();
const [nx, ny, nz] = p.geometry.dims;
const k = Math.floor(nz / 2);
const SCALE = 3;

function render(center: number, width: number): Buffer {
  const png = new PNG({ width: nx * SCALE, height: ny * SCALE });
  const lo = center - width / 2;
  for (let y = 0; y < ny * SCALE; y++) {
    for (let x = 0; x < nx * SCALE; x++) {
      const v = p.image[Math.floor(x / SCALE) + nx * (Math.floor(y / SCALE) + ny * k)];
      const g = Math.max(0, Math.min(255, Math.round(((v - lo) / width) * 255)));
      const o = (x + png.width * y) * 4;
      png.data[o] = g;
      png.data[o + 1] = g;
      png.data[o + 2] = g;
      png.data[o + 3] = 255;
    }
  }
  return PNG.sync.write(png);
}

writeFileSync(path.join(OUT, 'synthetic-chest-ct-lung-window.png'), render(-600, 1500));
writeFileSync(path.join(OUT, 'synthetic-chest-ct-mediastinal-window.png'), render(40, 400));
const slice = p.image.slice(nx * ny * k, nx * ny * (k + 1));
const [file] = writeSeries({ geometry: { ...p.geometry, dims: [nx, ny, 1] }, pixels: slice, modality: 'CT', seriesDescription: 'SYNTHETIC chest phantom (YingZhi demo)' });
writeFileSync(path.join(OUT, 'synthetic-chest-ct-slice.dcm'), file.bytes);
process.stdout.write(`wrote ${OUT} (${nx * SCALE}×${ny * SCALE} PNG, ${nx}×${ny} DICOM)\n`);
