import type { LlmStatusDto } from '../api.ts';
import { useI18n } from '../i18n.ts';
import { BarChart } from './BarChart.tsx';

/** Calls, cache hits, tokens and latency percentiles of the statistics window, as numbers and side by side. */
export function UsageCard({ stats }: { stats: LlmStatusDto['stats'] }) {
  const { t, number, dateTime } = useI18n();
  const ms = (v: number | null) => (v === null ? t('common.none') : t('settings.ms', { n: number(v) }));
  const lookups = stats.calls + stats.cacheHits;
  const hitRate = lookups > 0 ? `${Math.round((stats.cacheHits / lookups) * 100)}%` : null;
  const cards: Array<{ key: string; label: string; value: string; sub?: string }> = [
    { key: 'calls', label: t('settings.calls'), value: number(stats.calls) },
    { key: 'cacheHits', label: t('settings.cacheHits'), value: number(stats.cacheHits), sub: hitRate ? t('settings.hitRate', { pct: hitRate }) : undefined },
    { key: 'promptTokens', label: t('settings.promptTokens'), value: number(stats.promptTokens) },
    { key: 'completionTokens', label: t('settings.completionTokens'), value: number(stats.completionTokens) },
    { key: 'p50', label: t('settings.p50'), value: ms(stats.p50Ms) },
    { key: 'p95', label: t('settings.p95'), value: ms(stats.p95Ms) },
  ];
  return (
    <div className="card usage-card" data-testid="llm-usage">
      <div className="card-head">
        <h2 className="card-title">{t('settings.usage')}</h2>
        <span className="muted small">{t('settings.since', { time: dateTime(stats.since) })}</span>
      </div>
      <div className="usage-layout">
        <div className="stat-cards usage-cards">
          {cards.map((c) => (
            <div key={c.key} className="stat" data-testid={`usage-${c.key}`}>
              <span className="stat-num">{c.value}</span>
              <span className="stat-label">{c.label}</span>
              {c.sub && <span className="stat-sub">{c.sub}</span>}
            </div>
          ))}
          {stats.calls === 0 && stats.cacheHits === 0 && <p className="muted small usage-empty">{t('settings.noCalls')}</p>}
        </div>
        <BarChart
          title={t('settings.chart')}
          testId="usage-chart"
          groups={[
            {
              label: t('settings.chart.calls'),
              bars: [
                { label: t('settings.calls'), value: stats.calls, tone: 'blue', text: number(stats.calls) },
                { label: t('settings.cacheHits'), value: stats.cacheHits, tone: 'green', text: number(stats.cacheHits) },
              ],
            },
            {
              label: t('settings.chart.tokens'),
              bars: [
                { label: t('settings.promptTokens'), value: stats.promptTokens, tone: 'purple', text: number(stats.promptTokens) },
                { label: t('settings.completionTokens'), value: stats.completionTokens, tone: 'blue', text: number(stats.completionTokens) },
              ],
            },
            {
              label: t('settings.chart.latency'),
              bars: [
                { label: 'P50', value: stats.p50Ms, tone: 'green', text: ms(stats.p50Ms) },
                { label: 'P95', value: stats.p95Ms, tone: 'amber', text: ms(stats.p95Ms) },
              ],
            },
          ]}
        />
      </div>
    </div>
  );
}
