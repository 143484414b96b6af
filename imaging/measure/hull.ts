/**
 * 2-D convex hull (Andrew's monotone chain) over integer points: exact orientation tests, so scaling the
 * axes afterwards (anisotropic voxels) keeps the hull. A point that is not a hull vertex of its plane cannot
 * be an end of a diameter, which is what makes the exact maximum distances fast.
 */

/** Indices (into xs/ys) of the hull vertices, counter-clockwise, collinear points dropped. */
export function hull2d(xs: Int32Array | number[], ys: Int32Array | number[], ids: number[]): number[] {
  if (ids.length <= 2) return [...ids];
  const pts = [...ids].sort((a, b) => xs[a] - xs[b] || ys[a] - ys[b]);
  const cross = (o: number, a: number, b: number) => (xs[a] - xs[o]) * (ys[b] - ys[o]) - (ys[a] - ys[o]) * (xs[b] - xs[o]);
  const lower: number[] = [];
  for (const p of pts) {
    while (lower.length >= 2 && cross(lower[lower.length - 2], lower[lower.length - 1], p) <= 0) lower.pop();
    lower.push(p);
  }
  const upper: number[] = [];
  for (let n = pts.length - 1; n >= 0; n--) {
    const p = pts[n];
    while (upper.length >= 2 && cross(upper[upper.length - 2], upper[upper.length - 1], p) <= 0) upper.pop();
    upper.push(p);
  }
  lower.pop();
  upper.pop();
  const out = lower.concat(upper);
  // All points coincident or collinear: keep the two extremes.
  return out.length ? out : [pts[0], pts[pts.length - 1]];
}
