import { Link } from 'react-router-dom';
import type { GraphStatsDto } from '../api.ts';
import { useI18n } from '../i18n.ts';

/** Graph size, review backlog and projection lag at a glance (the chart by predicate sits beside the canvas). */
export function StatsStrip({ stats }: { stats: GraphStatsDto }) {
  const { t, number } = useI18n();
  const p = stats.projection;
  return (
    <div className="graph-stats" data-testid="graph-stats">
      <div className="stat-cards">
        <Stat label={t('graph.stats.entities')} value={number(stats.graph.entities)} testId="stat-entities" />
        <Stat label={t('graph.stats.relations')} value={number(stats.graph.relations)} testId="stat-relations" />
        <Link to="/review" className="stat stat-link" data-testid="stat-pending">
          <span className="stat-num">{number(stats.review.pending ?? 0)}</span>
          <span className="stat-label">{t('graph.stats.pending')} →</span>
        </Link>
        <Stat label={t('graph.stats.projection')} value={number(p.pending)} tone={p.pending > 0 ? 'amber' : undefined} testId="stat-projection" />
        <Stat label={t('graph.stats.store')} value={p.store === 'postgres' ? t('graph.stats.storeBuiltIn') : p.store === 'neo4j' ? 'Neo4j' : p.store} testId="stat-store" small />
        <Stat label={t('graph.stats.retired')} value={number(stats.relations.retired)} testId="stat-retired" />
        {p.lastError && (
          <p className="stat-error" role="alert">
            {t('graph.projectionError', { error: p.lastError })}
          </p>
        )}
      </div>
    </div>
  );
}

function Stat({ label, value, tone, testId, small }: { label: string; value: string; tone?: 'amber'; testId: string; small?: boolean }) {
  return (
    <div className={`stat${tone ? ` stat-${tone}` : ''}`} data-testid={testId}>
      <span className={`stat-num${small ? ' stat-num-small' : ''}`}>{value}</span>
      <span className="stat-label">{label}</span>
    </div>
  );
}
