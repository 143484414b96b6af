/**
 * pyradiomics first-order features (same names and definitions as pyradiomics 3.0.1, default settings:
 * no normalisation, voxelArrayShift 0, fixed bin width 25 for Entropy and Uniformity). Percentiles are
 * numpy's linear interpolation. Population moments (ddof 0) as numpy/pyradiomics compute them.
 */

/** numpy's machine epsilon, added inside log2 by pyradiomics. */
const EPS = 2.220446049250313e-16;

export interface IntensityStats {
  n: number;
  min: number;
  max: number;
  mean: number;
  /** Population standard deviation (ddof 0), as pyradiomics. */
  sd: number;
  /** Sorted copy of the values (for percentiles and histograms). */
  sorted: Float64Array;
}

export function intensityStats(values: Float64Array): IntensityStats {
  const n = values.length;
  const sorted = Float64Array.from(values).sort();
  let sum = 0;
  for (let i = 0; i < n; i++) sum += values[i];
  const mean = sum / n;
  let m2 = 0;
  for (let i = 0; i < n; i++) {
    const d = values[i] - mean;
    m2 += d * d;
  }
  return { n, min: sorted[0], max: sorted[n - 1], mean, sd: Math.sqrt(m2 / n), sorted };
}

/** numpy.percentile (linear interpolation) of sorted values, p in [0, 100]. */
export function percentile(sorted: Float64Array, p: number): number {
  const n = sorted.length;
  if (n === 1) return sorted[0];
  const pos = (p / 100) * (n - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(n - 1, lo + 1);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

/** pyradiomics fixed-bin-width discretisation: bin = floor((x − lowBound) / binWidth) + 1, lowBound = min − (min mod binWidth). */
export function binCounts(values: Float64Array, min: number, binWidth: number): Map<number, number> {
  const low = min - pyMod(min, binWidth);
  const counts = new Map<number, number>();
  for (let i = 0; i < values.length; i++) {
    const b = Math.floor((values[i] - low) / binWidth);
    counts.set(b, (counts.get(b) ?? 0) + 1);
  }
  return counts;
}

/** Python's modulo (the sign of the divisor). */
const pyMod = (a: number, b: number) => ((a % b) + b) % b;

/** The 19 first-order features under their pyradiomics names (without the `original_firstorder_` prefix). */
export function firstOrderFeatures(values: Float64Array, stats: IntensityStats, voxelVolumeMm3: number, binWidth = 25): Record<string, number> {
  const { n, mean, sorted } = stats;
  let energy = 0;
  let m2 = 0;
  let m3 = 0;
  let m4 = 0;
  let mad = 0;
  for (let i = 0; i < n; i++) {
    const x = values[i];
    energy += x * x;
    const d = x - mean;
    const d2 = d * d;
    m2 += d2;
    m3 += d2 * d;
    m4 += d2 * d2;
    mad += Math.abs(d);
  }
  m2 /= n;
  m3 /= n;
  m4 /= n;
  const p10 = percentile(sorted, 10);
  const p90 = percentile(sorted, 90);
  // Robust MAD: the values between the 10th and 90th percentile (inclusive), around their own mean.
  let rs = 0;
  let rn = 0;
  for (let i = 0; i < n; i++) {
    const x = sorted[i];
    if (x >= p10 && x <= p90) {
      rs += x;
      rn++;
    }
  }
  const rmean = rs / rn;
  let rmad = 0;
  for (let i = 0; i < n; i++) {
    const x = sorted[i];
    if (x >= p10 && x <= p90) rmad += Math.abs(x - rmean);
  }
  let entropy = 0;
  let uniformity = 0;
  for (const c of binCounts(values, stats.min, binWidth).values()) {
    const p = c / n;
    entropy -= p * Math.log2(p + EPS);
    uniformity += p * p;
  }
  return {
    Energy: energy,
    TotalEnergy: energy * voxelVolumeMm3,
    Entropy: entropy,
    Minimum: stats.min,
    '10Percentile': p10,
    '90Percentile': p90,
    Maximum: stats.max,
    Mean: mean,
    Median: percentile(sorted, 50),
    InterquartileRange: percentile(sorted, 75) - percentile(sorted, 25),
    Range: stats.max - stats.min,
    MeanAbsoluteDeviation: mad / n,
    RobustMeanAbsoluteDeviation: rmad / rn,
    RootMeanSquared: Math.sqrt(energy / n),
    StandardDeviation: Math.sqrt(m2),
    Skewness: m2 === 0 ? 0 : m3 / m2 ** 1.5,
    Kurtosis: m2 === 0 ? 0 : m4 / (m2 * m2),
    Variance: m2,
    Uniformity: uniformity,
  };
}

export interface Histogram {
  /** Lower edge of the first bin. */
  start: number;
  binWidth: number;
  counts: number[];
}

/** A display histogram of sorted values: about `target` bins of a round width (1, 2, 5 × 10ⁿ). */
export function histogram(sorted: Float64Array, target = 48): Histogram {
  const lo = sorted[0];
  const hi = sorted[sorted.length - 1];
  const raw = Math.max((hi - lo) / target, 1e-9);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const binWidth = [1, 2, 5, 10].map((m) => m * mag).find((w) => w >= raw) ?? 10 * mag;
  const start = Math.floor(lo / binWidth) * binWidth;
  const bins = Math.max(1, Math.floor((hi - start) / binWidth) + 1);
  const counts = new Array<number>(bins).fill(0);
  for (let i = 0; i < sorted.length; i++) counts[Math.min(bins - 1, Math.floor((sorted[i] - start) / binWidth))]++;
  return { start, binWidth, counts };
}
