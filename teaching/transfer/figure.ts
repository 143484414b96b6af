import { PNG } from 'pngjs';
import type { ItemRow } from './item-row.ts';

/** A figure as an export carries it: the stored bytes (already checked and stripped of metadata on upload). */
export interface ExportFigure {
  /** File name inside the export (unique per figure: `fig_….png`). */
  name: string;
  mime: 'image/png' | 'image/jpeg';
  bytes: Buffer;
  width: number;
  height: number;
  synthetic: boolean;
  region: { x: number; y: number; r: number } | null;
}

/** An item with the figure of an image-reading item (读片题), when it has one. */
export type ExportRow = ItemRow & { figure?: ExportFigure };

const pct = (v: number) => `${Math.round(v * 100)}%`;

/** The words printed under a figure: synthetic or not, and where the region asked about is. */
export function figureCaption(f: ExportFigure): string {
  const what = f.synthetic ? '附图（合成示意图，非真实患者影像）' : '附图';
  return f.region ? `${what}；圆圈所示区域（中心位于图宽 ${pct(f.region.x)}、图高 ${pct(f.region.y)} 处）` : what;
}

/**
 * The figure with its region mark drawn in (a yellow ring with a dark edge, as on screen), so a paper or an
 * LMS shows what the stem points at. A PNG is decoded and redrawn; a JPEG has no decoder here, so it is kept
 * as it is and the caption states the region.
 */
export function withRegionMark(f: ExportFigure): ExportFigure {
  if (!f.region || f.mime !== 'image/png') return f;
  const png = PNG.sync.read(f.bytes);
  const cx = f.region.x * png.width;
  const cy = f.region.y * png.height;
  const r = f.region.r * png.width;
  const paint = (x: number, y: number, rgb: [number, number, number]) => {
    if (x < 0 || y < 0 || x >= png.width || y >= png.height) return;
    const o = (y * png.width + x) * 4;
    png.data[o] = rgb[0];
    png.data[o + 1] = rgb[1];
    png.data[o + 2] = rgb[2];
    png.data[o + 3] = 255;
  };
  for (let y = Math.floor(cy - r - 3); y <= Math.ceil(cy + r + 3); y++) {
    for (let x = Math.floor(cx - r - 3); x <= Math.ceil(cx + r + 3); x++) {
      const d = Math.hypot(x - cx, y - cy) - r;
      if (Math.abs(d) <= 1.2) paint(x, y, [255, 213, 79]);
      else if (Math.abs(d) <= 2.2) paint(x, y, [40, 40, 40]);
    }
  }
  return { ...f, bytes: PNG.sync.write(png) };
}
