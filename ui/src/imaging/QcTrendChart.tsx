import type { Dashboard } from './api.ts';
import { useImagingT } from './i18n.ts';

const W = 720;
const H = 200;
const PAD_L = 36;
const PAD_B = 24;
const PAD_T = 10;
const PAD_R = 28;
const COLOURS = ['#2f6fdf', '#d9632b', '#1d9a6c', '#9b4dca', '#c8372d', '#8a6d1a'];

/**
 * Weekly mean QC score per scanner (or protocol) as lines over time, with the pass/warn/fail bands
 * shaded, so a department can see which scanner drifts. Plain SVG like the other charts in the UI.
 */
export function QcTrendChart({ data }: { data: Dashboard }) {
  const { t } = useImagingT();
  const weeks = [...new Set(data.series.flatMap((s) => s.points.map((p) => p.week)))].sort();
  const x = (w: string) => PAD_L + ((W - PAD_L - PAD_R) * (weeks.length <= 1 ? 0.5 : weeks.indexOf(w) / (weeks.length - 1)));
  const y = (v: number) => PAD_T + (H - PAD_B - PAD_T) * (1 - v / 100);
  return (
    <figure className="qc-chart" data-testid="qc-chart">
      <figcaption className="bars-title">
        {t('qc.dashboard')}
        <span className="legend">
          {data.series.map((s, i) => (
            <span key={s.key} className="legend-item" data-series={s.key}>
              <i className="legend-swatch" style={{ background: COLOURS[i % COLOURS.length] }} /> {s.key}
            </span>
          ))}
        </span>
      </figcaption>
      <svg viewBox={`0 0 ${W} ${H}`} width="100%" role="img" aria-label={t('qc.dashboard')}>
        <rect x={PAD_L} y={y(100)} width={W - PAD_L - PAD_R} height={y(85) - y(100)} className="band-pass" />
        <rect x={PAD_L} y={y(85)} width={W - PAD_L - PAD_R} height={y(60) - y(85)} className="band-warn" />
        <rect x={PAD_L} y={y(60)} width={W - PAD_L - PAD_R} height={y(0) - y(60)} className="band-fail" />
        {[0, 60, 85, 100].map((v) => (
          <g key={v}>
            <line x1={PAD_L} x2={W - PAD_R} y1={y(v)} y2={y(v)} className="grid-line" />
            <text x={PAD_L - 6} y={y(v)} textAnchor="end" dominantBaseline="central" className="bars-label">
              {v}
            </text>
          </g>
        ))}
        {weeks.map((w) => (
          <text key={w} x={x(w)} y={H - 6} textAnchor="middle" className="bars-label">
            {w.slice(5)}
          </text>
        ))}
        {data.series.map((s, i) => {
          const pts = s.points.map((p) => `${x(p.week)},${y(p.meanScore)}`).join(' ');
          return (
            <g key={s.key} data-series={s.key}>
              {s.points.length > 1 && <polyline points={pts} fill="none" stroke={COLOURS[i % COLOURS.length]} strokeWidth={2} />}
              {s.points.map((p) => (
                <circle key={p.week} cx={x(p.week)} cy={y(p.meanScore)} r={4} fill={COLOURS[i % COLOURS.length]}>
                  <title>{`${s.key} · ${p.week} · ${t('qc.score')} ${p.meanScore} · ${t('status.pass')} ${p.pass} · ${t('status.warn')} ${p.warn} · ${t('status.fail')} ${p.fail}`}</title>
                </circle>
              ))}
            </g>
          );
        })}
      </svg>
    </figure>
  );
}
