import type { Predicate } from '../api.ts';
import { useI18n } from '../i18n.ts';
import { PREDICATES } from '../kg/vocab.ts';

const ROW = 17;
const VALUE_W = 40;
const WIDTH = 310;

/** Approved relations by predicate as horizontal bars (SVG; no chart library is installed). */
export function PredicateBars({ byPredicate }: { byPredicate: Record<string, number> }) {
  const { t, number, lang } = useI18n();
  const labelW = lang === 'en' ? 112 : 84;
  const rows = PREDICATES.map((p) => ({ p, n: byPredicate[p] ?? 0 })).sort((a, b) => b.n - a.n);
  const max = Math.max(1, ...rows.map((r) => r.n));
  const barMax = WIDTH - labelW - VALUE_W;
  const height = rows.length * ROW;
  return (
    <figure className="bars" data-testid="predicate-chart">
      <figcaption className="bars-title">{t('graph.byPredicate')}</figcaption>
      <svg viewBox={`0 0 ${WIDTH} ${height}`} width="100%" role="img" aria-label={t('graph.byPredicate')}>
        {rows.map((r, i) => (
          <g key={r.p} transform={`translate(0 ${i * ROW})`} data-predicate={r.p as Predicate} data-count={r.n}>
            <title>{`${t(`predicate.${r.p}`)}: ${r.n}`}</title>
            <text x={labelW - 8} y={ROW / 2} dominantBaseline="central" textAnchor="end" className="bars-label">
              {t(`predicate.${r.p}`)}
            </text>
            <rect x={labelW} y={3} height={ROW - 6} width={Math.max(r.n ? 2 : 0, (r.n / max) * barMax)} rx={3} className="bars-bar" />
            <text x={labelW + (r.n / max) * barMax + 6} y={ROW / 2} dominantBaseline="central" className="bars-value">
              {number(r.n)}
            </text>
          </g>
        ))}
      </svg>
    </figure>
  );
}
