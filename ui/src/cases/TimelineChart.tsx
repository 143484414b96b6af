import type { LesionTimeline } from './types.ts';

const W = 720;
const H = 220;
const PAD = { l: 48, r: 48, t: 12, b: 28 };
const COLOURS = ['#2f6fdf', '#d9632b', '#1d9a6c', '#9b4dca'];

/** Long axis (mm) of each lesion over time, on a time axis; only measured points are drawn (plain SVG like the UI's other charts). */
export function TimelineChart({ lesions }: { lesions: LesionTimeline[] }) {
  const points = lesions.flatMap((l) => l.points.filter((p) => p.longAxisMm !== null));
  if (!points.length) return <p className="muted">没有长径测量，无法绘图。</p>;
  const times = points.map((p) => Date.parse(p.date));
  const [t0, t1] = [Math.min(...times), Math.max(...times)];
  const maxMm = Math.max(...points.map((p) => p.longAxisMm as number)) * 1.15;
  const x = (d: string) => PAD.l + (W - PAD.l - PAD.r) * (t1 === t0 ? 0.5 : (Date.parse(d) - t0) / (t1 - t0));
  const y = (v: number) => PAD.t + (H - PAD.t - PAD.b) * (1 - v / maxMm);
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((f) => Math.round(maxMm * f * 10) / 10);
  return (
    <figure className="timeline-chart" data-testid="timeline-chart">
      <figcaption>长径变化（mm）
        <span className="legend">{lesions.map((l, i) => <span key={l.lesion} className="legend-item"><i className="legend-swatch" style={{ background: COLOURS[i % COLOURS.length] }} /> {l.lesion}</span>)}</span>
      </figcaption>
      <svg viewBox={`0 0 ${W} ${H}`} width="100%" role="img" aria-label="病灶长径随时间变化">
        {ticks.map((v) => (
          <g key={v}>
            <line x1={PAD.l} x2={W - PAD.r} y1={y(v)} y2={y(v)} className="grid-line" />
            <text x={PAD.l - 6} y={y(v)} textAnchor="end" dominantBaseline="central" className="bars-label">{v}</text>
          </g>
        ))}
        {[...new Set(points.map((p) => p.date))].map((d) => <text key={d} x={x(d)} y={H - 8} textAnchor="middle" className="bars-label">{d}</text>)}
        {lesions.map((l, i) => {
          const pts = l.points.filter((p) => p.longAxisMm !== null);
          return (
            <g key={l.lesion} data-lesion={l.lesion}>
              {pts.length > 1 && <polyline points={pts.map((p) => `${x(p.date)},${y(p.longAxisMm as number)}`).join(' ')} fill="none" stroke={COLOURS[i % COLOURS.length]} strokeWidth={2} />}
              {pts.map((p) => (
                <g key={p.date}>
                  <circle cx={x(p.date)} cy={y(p.longAxisMm as number)} r={4} fill={COLOURS[i % COLOURS.length]} data-testid="timeline-point" data-case={p.caseId}><title>{`${l.lesion} ${p.date} 长径 ${p.longAxisMm}mm${p.volumeMm3 ? ` 体积 ${p.volumeMm3}mm³` : ''}${p.caseId ? ` · 病例 ${p.caseId}` : ''}`}</title></circle>
                  <text x={x(p.date)} y={y(p.longAxisMm as number) - 8} textAnchor="middle" className="bars-label">{p.longAxisMm}</text>
                </g>
              ))}
            </g>
          );
        })}
      </svg>
    </figure>
  );
}
