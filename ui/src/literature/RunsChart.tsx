import type { Run } from './api.ts';
import { useLitT } from './i18n.ts';

const W = 640;
const H = 150;
const PAD_L = 34;
const PAD_B = 22;
const PAD_T = 10;
const SERIES = [
  { key: 'newRecords', cls: 'seg-new', label: 'legendNew' },
  { key: 'updated', cls: 'seg-updated', label: 'legendUpdated' },
  { key: 'retracted', cls: 'seg-retracted', label: 'legendRetracted' },
] as const;

/**
 * Records per run as stacked columns, oldest left, so month-to-month volume can be compared at a
 * glance. Plain SVG like the other charts in the UI (no chart library is installed).
 */
export function RunsChart({ runs }: { runs: readonly Run[] }) {
  const { t, dateTime } = useLitT();
  const shown = [...runs].reverse().slice(-24);
  const max = Math.max(1, ...shown.map((r) => r.newRecords + r.updated + r.retracted));
  const step = (W - PAD_L) / Math.max(shown.length, 1);
  const barW = Math.min(36, step * 0.7);
  const y = (v: number) => PAD_T + (H - PAD_B - PAD_T) * (1 - v / max);
  return (
    <figure className="runs-chart" data-testid="runs-chart">
      <figcaption className="bars-title">
        {t('chart')}
        <span className="legend">
          {SERIES.map((s) => (
            <span key={s.key} className="legend-item">
              <i className={`legend-swatch ${s.cls}`} /> {t(s.label)}
            </span>
          ))}
        </span>
      </figcaption>
      <svg viewBox={`0 0 ${W} ${H}`} width="100%" role="img" aria-label={t('chart')}>
        {[0, 0.5, 1].map((f) => (
          <g key={f}>
            <line x1={PAD_L} x2={W} y1={y(max * f)} y2={y(max * f)} className="grid-line" />
            <text x={PAD_L - 6} y={y(max * f)} textAnchor="end" dominantBaseline="central" className="bars-label">
              {Math.round(max * f)}
            </text>
          </g>
        ))}
        {shown.map((r, i) => {
          const x = PAD_L + i * step + (step - barW) / 2;
          let base = 0;
          return (
            <g key={r.id} data-run={r.id}>
              <title>{`${dateTime(r.startedAt)} · ${t('legendNew')} ${r.newRecords} · ${t('legendUpdated')} ${r.updated} · ${t('legendRetracted')} ${r.retracted}`}</title>
              {SERIES.map((s) => {
                const v = r[s.key];
                const top = y(base + v);
                const h = y(base) - top;
                base += v;
                return v > 0 ? <rect key={s.key} x={x} y={top} width={barW} height={Math.max(h, 1)} className={s.cls} rx={2} /> : null;
              })}
              {r.status === 'failed' && <text x={x + barW / 2} y={H - PAD_B - 4} textAnchor="middle" className="seg-failed">×</text>}
              <text x={x + barW / 2} y={H - 6} textAnchor="middle" className="bars-label">
                {r.startedAt.slice(5, 10)}
              </text>
            </g>
          );
        })}
      </svg>
    </figure>
  );
}
