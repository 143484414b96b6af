import type { Check } from './api.ts';

/**
 * The recent checks as a small SVG: one bar per check, oldest left; bar height is the latency
 * relative to the slowest shown (a down check is a full-height red bar).
 */
export function Sparkline({ checks, title, width = 120, height = 24 }: { checks: readonly Check[]; title: string; width?: number; height?: number }) {
  const items = [...checks].reverse();
  if (items.length === 0) return <span className="muted small">—</span>;
  const max = Math.max(1, ...items.map((c) => c.latencyMs ?? 0));
  const step = width / Math.max(items.length, 10);
  const bar = Math.max(2, step - 1.5);
  return (
    <svg className="con-spark" width={width} height={height} viewBox={`0 0 ${width} ${height}`} role="img" aria-label={title} data-testid="sparkline">
      <title>{title}</title>
      <line x1={0} x2={width} y1={height - 0.5} y2={height - 0.5} className="con-spark-base" />
      {items.map((c, i) => {
        const h = c.status === 'down' ? height : Math.max(3, ((c.latencyMs ?? 0) / max) * (height - 2));
        return (
          <rect key={c.checkedAt} x={i * step} y={height - h} width={bar} height={h} rx={1} className={c.status === 'up' ? 'con-spark-up' : 'con-spark-down'}>
            <title>{`${c.checkedAt} ${c.status}${c.latencyMs !== null ? ` ${c.latencyMs} ms` : ''}${c.error ? ` — ${c.error}` : ''}`}</title>
          </rect>
        );
      })}
    </svg>
  );
}

/** The status light: green up, red down, grey unknown. */
export function StatusLight({ status, label }: { status: 'up' | 'down' | 'unknown'; label: string }) {
  return (
    <span className={`con-light con-light-${status}`} data-status={status}>
      <span className="con-dot" aria-hidden="true" />
      {label}
    </span>
  );
}
