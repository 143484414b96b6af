import type { Volume } from '../volume.ts';
import type { ExamType, RuleResult } from './qc.schema.ts';

export interface ImageQuality {
  noiseSd: { softTissue: number | null; fat: number | null; air: number | null };
  snr: number | null;
  cnr: number | null;
  truncation: { flagged: boolean; borderFraction: number; slices: number };
  motion: { flagged: boolean; detail: string };
  checks: RuleResult[];
}

/** Slices to sample: up to `n`, evenly over the central 80 % of the stack. */
function sampleSlices(nz: number, n: number): number[] {
  if (nz <= n) return Array.from({ length: nz }, (_, k) => k);
  const lo = Math.floor(nz * 0.1);
  const hi = Math.ceil(nz * 0.9) - 1;
  return Array.from({ length: n }, (_, i) => Math.round(lo + ((hi - lo) * i) / (n - 1)));
}

/**
 * Mode of a list of SDs (0.5-unit bins): the global noise level, robust to the edges that inflate local SDs.
 * Trusted only when enough windows sit near it (a real peak of homogeneous tissue); otherwise null — a
 * small or crowded field of view has no uniform region to measure noise in, which is not high noise.
 */
function mode(values: number[], bin = 0.5): number | null {
  if (values.length < 200) return null;
  const counts = new Map<number, number>();
  for (const v of values) counts.set(Math.floor(v / bin), (counts.get(Math.floor(v / bin)) ?? 0) + 1);
  let best = 0;
  let bestN = -1;
  for (const [b, n] of counts) {
    if (n > bestN || (n === bestN && b < best)) {
      best = b;
      bestN = n;
    }
  }
  const m = (best + 0.5) * bin;
  const near = values.reduce((n, v) => n + (Math.abs(v - m) <= 0.2 * m + bin ? 1 : 0), 0);
  return near >= Math.max(50, 0.02 * values.length) ? m : null;
}

/**
 * Local mean and SD of every w×w window (integral images, one slice at a time, buffers reused), calling
 * `visit(mean, sd)` for window centres on a stride-2 grid.
 */
function localStats(v: Volume, k: number, w: number, sum: Float64Array, sq: Float64Array, visit: (m: number, sd: number, x: number, y: number) => void): void {
  const [nx, ny] = v.geometry.dims;
  const base = k * nx * ny;
  const W = nx + 1;
  for (let y = 0; y < ny; y++) {
    let rs = 0;
    let rq = 0;
    for (let x = 0; x < nx; x++) {
      const val = v.data[base + x + nx * y];
      rs += val;
      rq += val * val;
      sum[(y + 1) * W + x + 1] = sum[y * W + x + 1] + rs;
      sq[(y + 1) * W + x + 1] = sq[y * W + x + 1] + rq;
    }
  }
  const h = (w - 1) / 2;
  const n = w * w;
  for (let y = h; y < ny - h; y += 2) {
    for (let x = h; x < nx - h; x += 2) {
      const a = (y - h) * W + (x - h);
      const b = (y - h) * W + (x + h + 1);
      const c = (y + h + 1) * W + (x - h);
      const d = (y + h + 1) * W + (x + h + 1);
      const s = sum[d] - sum[b] - sum[c] + sum[a];
      const q = sq[d] - sq[b] - sq[c] + sq[a];
      const m = s / n;
      visit(m, Math.sqrt(Math.max(0, q / n - m * m) * (n / (n - 1))), x, y);
    }
  }
}

/**
 * Image-quality metrics of a series. CT: noise SD per tissue class as the mode of the local-SD map (the
 * "global noise level" approach: every homogeneous patch of soft tissue, fat or air votes), CNR soft
 * tissue vs fat, truncation (tissue on the image border) and motion (slice-to-slice jumps of the body
 * outline). MR: SNR from the background (Rayleigh-corrected, NEMA-style), CNR of the two main tissue
 * classes, truncation, and ghosting in the background as the motion flag.
 */
export function imageQuality(v: Volume, exam: ExamType | null): ImageQuality {
  const [nx, ny, nz] = v.geometry.dims;
  const ct = v.modality === 'CT';
  const w = Math.max(5, Math.min(9, 2 * Math.round(2.5 / v.geometry.spacing[0]) + 1));
  const sum = new Float64Array((nx + 1) * (ny + 1));
  const sq = new Float64Array((nx + 1) * (ny + 1));
  const soft: number[] = [];
  const fat: number[] = [];
  const air: number[] = [];
  const softMeans: number[] = [];
  const fatMeans: number[] = [];
  const fg: number[] = [];
  const slices = sampleSlices(nz, 12);
  let p99 = 0;
  if (!ct) {
    const sample: number[] = [];
    for (let i = 0; i < v.data.length; i += Math.max(1, Math.floor(v.data.length / 100_000))) sample.push(v.data[i]);
    sample.sort((a, b) => a - b);
    p99 = sample[Math.floor(sample.length * 0.99)] ?? 1;
  }
  for (const k of slices) {
    localStats(v, k, w, sum, sq, (m, sd) => {
      if (ct) {
        // Windows with an SD above 100 HU straddle structures; diagnostic CT noise is far below that.
        if (sd > 100) return;
        if (m >= 0 && m <= 100) {
          soft.push(sd);
          if (sd < 40) softMeans.push(m);
        } else if (m >= -150 && m <= -50) {
          fat.push(sd);
          if (sd < 40) fatMeans.push(m);
        } else if (m <= -950 && m >= -1100) air.push(sd);
      } else if (m > 0.2 * p99 && sd < 0.12 * m) fg.push(m);
    });
  }
  const noiseSd = { softTissue: ct ? mode(soft) : null, fat: ct ? mode(fat) : null, air: ct ? mode(air) : null };
  let snr: number | null = null;
  let cnr: number | null = null;
  if (ct && noiseSd.softTissue) {
    const ms = median(softMeans);
    const mf = median(fatMeans);
    snr = ms !== null ? (ms + 1000) / noiseSd.softTissue : null;
    cnr = ms !== null && mf !== null ? Math.abs(ms - mf) / noiseSd.softTissue : null;
  }
  if (!ct) {
    const bg = backgroundSd(v, slices);
    const signal = median(fg);
    if (bg && signal !== null) {
      // Magnitude images: background noise is Rayleigh-distributed; 0.655 converts its SD to the Gaussian σ.
      snr = (0.655 * signal) / bg;
      const [c1, c2] = twoClusters(fg);
      cnr = c1 !== null && c2 !== null ? (0.655 * Math.abs(c2 - c1)) / bg : null;
    }
  }
  const truncation = truncationOf(v, slices, ct ? -500 : 0.3 * p99);
  const motion = ct ? ctMotion(v) : mrGhosting(v, slices, p99);
  const checks: RuleResult[] = [];
  const iq = exam?.imageQuality;
  if (iq?.noiseSd) {
    const n = noiseSd.softTissue;
    checks.push({
      id: 'noise_sd', label: '软组织噪声 SD / soft-tissue noise SD', unit: 'HU', value: n === null ? null : round1(n),
      expected: `≤ ${iq.noiseSd.pass} HU（可接受 / acceptable ≤ ${iq.noiseSd.warn}）`,
      status: n === null ? 'skipped' : n <= iq.noiseSd.pass ? 'pass' : n <= iq.noiseSd.warn ? 'warn' : 'fail',
      message: n === null ? '未找到足够的均匀软组织区域 / not enough uniform soft tissue to estimate noise' : n <= iq.noiseSd.pass ? '噪声水平正常 / noise as expected' : '噪声偏高 / noise above the protocol level',
    });
  }
  if (iq?.snr) {
    checks.push({
      id: 'snr', label: '信噪比 / SNR', unit: null, value: snr === null ? null : round1(snr), expected: `≥ ${iq.snr.pass}（可接受 / acceptable ≥ ${iq.snr.warn}）`,
      status: snr === null ? 'skipped' : snr >= iq.snr.pass ? 'pass' : snr >= iq.snr.warn ? 'warn' : 'fail',
      message: snr === null ? '无法估计（无背景区域）/ not measurable (no background region)' : snr >= iq.snr.pass ? '信噪比正常 / SNR as expected' : '信噪比偏低 / SNR below the protocol level',
    });
  }
  return { noiseSd: { softTissue: nr(noiseSd.softTissue), fat: nr(noiseSd.fat), air: nr(noiseSd.air) }, snr: nr(snr), cnr: nr(cnr), truncation, motion, checks };
}

const round1 = (x: number) => Math.round(x * 10) / 10;
const nr = (x: number | null) => (x === null ? null : round1(x));

function median(xs: number[]): number | null {
  if (!xs.length) return null;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** Two-means split of foreground intensities (for MR CNR). */
function twoClusters(xs: number[]): [number | null, number | null] {
  if (xs.length < 50) return [null, null];
  const s = [...xs].sort((a, b) => a - b);
  let c1 = s[Math.floor(s.length * 0.25)];
  let c2 = s[Math.floor(s.length * 0.75)];
  for (let it = 0; it < 20; it++) {
    let a = 0;
    let an = 0;
    let b = 0;
    let bn = 0;
    for (const x of s) {
      if (Math.abs(x - c1) <= Math.abs(x - c2)) {
        a += x;
        an++;
      } else {
        b += x;
        bn++;
      }
    }
    if (!an || !bn) break;
    c1 = a / an;
    c2 = b / bn;
  }
  return [c1, c2];
}

/** SD of the four corner patches (10 % of each side) of the sampled slices: MR background. */
function backgroundSd(v: Volume, slices: number[]): number | null {
  const [nx, ny] = v.geometry.dims;
  const cx = Math.max(3, Math.floor(nx * 0.1));
  const cy = Math.max(3, Math.floor(ny * 0.1));
  let s = 0;
  let q = 0;
  let n = 0;
  for (const k of slices) {
    for (const [x0, y0] of [[0, 0], [nx - cx, 0], [0, ny - cy], [nx - cx, ny - cy]]) {
      for (let y = y0; y < y0 + cy; y++) for (let x = x0; x < x0 + cx; x++) {
        const val = v.data[x + nx * (y + ny * k)];
        s += val;
        q += val * val;
        n++;
      }
    }
  }
  if (n < 50) return null;
  const m = s / n;
  const sd = Math.sqrt(Math.max(0, q / n - m * m));
  return sd > 0 ? sd : null;
}

/** Tissue on the outer two-pixel frame: the patient extends beyond the reconstructed field of view. */
function truncationOf(v: Volume, slices: number[], threshold: number): ImageQuality['truncation'] {
  const [nx, ny] = v.geometry.dims;
  let worst = 0;
  let flaggedSlices = 0;
  for (const k of slices) {
    let hit = 0;
    let n = 0;
    const at = (x: number, y: number) => {
      n++;
      if (v.data[x + nx * (y + ny * k)] > threshold) hit++;
    };
    for (let b = 0; b < 2; b++) {
      for (let x = 0; x < nx; x++) {
        at(x, b);
        at(x, ny - 1 - b);
      }
      for (let y = 2; y < ny - 2; y++) {
        at(b, y);
        at(nx - 1 - b, y);
      }
    }
    const f = hit / n;
    worst = Math.max(worst, f);
    if (f > 0.05) flaggedSlices++;
  }
  return { flagged: flaggedSlices > 0, borderFraction: Math.round(worst * 1000) / 1000, slices: flaggedSlices };
}

/** CT motion / stair-step: a slice whose body outline (area, centroid) jumps against both neighbours. */
function ctMotion(v: Volume): ImageQuality['motion'] {
  const [nx, ny, nz] = v.geometry.dims;
  const [sx, sy] = v.geometry.spacing;
  if (nz < 5) return { flagged: false, detail: '层数太少，无法评估 / too few slices to assess' };
  const area: number[] = [];
  const cxs: number[] = [];
  const cys: number[] = [];
  for (let k = 0; k < nz; k++) {
    let n = 0;
    let x0 = 0;
    let y0 = 0;
    for (let y = 0; y < ny; y += 2) for (let x = 0; x < nx; x += 2) if (v.data[x + nx * (y + ny * k)] > -500) {
      n++;
      x0 += x;
      y0 += y;
    }
    area.push(n);
    cxs.push(n ? (x0 / n) * sx : 0);
    cys.push(n ? (y0 / n) * sy : 0);
  }
  const jumps: number[] = [];
  for (let k = 1; k < nz - 1; k++) {
    if (area[k] < 50 || area[k - 1] < 50 || area[k + 1] < 50) continue;
    const dx = cxs[k] - (cxs[k - 1] + cxs[k + 1]) / 2;
    const dy = cys[k] - (cys[k - 1] + cys[k + 1]) / 2;
    const da = Math.abs(area[k] - (area[k - 1] + area[k + 1]) / 2) / area[k];
    if (Math.hypot(dx, dy) > 3 || da > 0.15) jumps.push(k);
  }
  return jumps.length
    ? { flagged: true, detail: `${jumps.length} 层轮廓突变（运动/错层）/ body outline jumps at slice(s) ${jumps.slice(0, 8).join(', ')}: motion or misregistration` }
    : { flagged: false, detail: '层间轮廓连续 / body outline continuous between slices' };
}

/** MR ghosting: background signal along one in-plane axis much higher than along the other. */
function mrGhosting(v: Volume, slices: number[], p99: number): ImageQuality['motion'] {
  const [nx, ny] = v.geometry.dims;
  let rowBg = 0;
  let rowN = 0;
  let colBg = 0;
  let colN = 0;
  for (const k of slices) {
    // Object bounding box on this slice.
    let x0 = nx;
    let x1 = -1;
    let y0 = ny;
    let y1 = -1;
    for (let y = 0; y < ny; y++) for (let x = 0; x < nx; x++) if (v.data[x + nx * (y + ny * k)] > 0.3 * p99) {
      if (x < x0) x0 = x;
      if (x > x1) x1 = x;
      if (y < y0) y0 = y;
      if (y > y1) y1 = y;
    }
    if (x1 < 0) continue;
    // Background beside the object along x (same rows) and along y (same columns).
    for (let y = y0; y <= y1; y++) for (let x = 0; x < nx; x++) if (x < x0 - 2 || x > x1 + 2) {
      rowBg += v.data[x + nx * (y + ny * k)];
      rowN++;
    }
    for (let x = x0; x <= x1; x++) for (let y = 0; y < ny; y++) if (y < y0 - 2 || y > y1 + 2) {
      colBg += v.data[x + nx * (y + ny * k)];
      colN++;
    }
  }
  if (!rowN || !colN) return { flagged: false, detail: '背景区域不足，无法评估 / no background beside the object to assess ghosting' };
  const a = rowBg / rowN;
  const b = colBg / colN;
  const ratio = Math.max(a, b) / Math.max(1e-6, Math.min(a, b));
  return ratio > 2
    ? { flagged: true, detail: `背景伪影沿${a > b ? '行' : '列'}方向（比值 ${ratio.toFixed(1)}）：运动伪影 / background ghosting along the ${a > b ? 'row' : 'column'} direction (ratio ${ratio.toFixed(1)}): motion` }
    : { flagged: false, detail: `背景均匀（比值 ${ratio.toFixed(1)}）/ background even (ratio ${ratio.toFixed(1)})` };
}
