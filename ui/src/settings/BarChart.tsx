/** One bar; null draws no bar and "—" (e.g. no latency measured yet). */
export interface Bar {
  label: string;
  value: number | null;
  tone: 'blue' | 'green' | 'amber' | 'purple';
  /** How the value is written beside the bar. */
  text: string;
}

/** Bars compared with each other; each group has its own scale (calls, tokens and milliseconds do not mix). */
export interface BarGroup {
  label: string;
  bars: Bar[];
}

const ROW = 22;
const HEAD = 22;
const GAP = 10;
const WIDTH = 460;
const LABEL_W = 96;
const VALUE_W = 86;

/** Grouped horizontal bars in SVG, like the graph page's predicate chart (no chart library is installed). */
export function BarChart({ groups, title, testId }: { groups: readonly BarGroup[]; title: string; testId?: string }) {
  const barMax = WIDTH - LABEL_W - VALUE_W;
  let y = 0;
  const laid = groups.map((g) => {
    const top = y;
    y += HEAD + g.bars.length * ROW + GAP;
    return { g, top, max: Math.max(1, ...g.bars.map((b) => b.value ?? 0)) };
  });
  const height = Math.max(1, y - GAP);
  return (
    <figure className="bars settings-bars" data-testid={testId}>
      <figcaption className="bars-title">{title}</figcaption>
      <svg viewBox={`0 0 ${WIDTH} ${height}`} width="100%" role="img" aria-label={title}>
        {laid.map(({ g, top, max }) => (
          <g key={g.label} transform={`translate(0 ${top})`}>
            <text x={0} y={HEAD / 2} dominantBaseline="central" className="bars-group">
              {g.label}
            </text>
            {g.bars.map((b, i) => {
              const w = b.value ? Math.max(2, (b.value / max) * barMax) : 0;
              return (
                <g key={b.label} transform={`translate(0 ${HEAD + i * ROW})`} data-bar={b.label} data-value={b.value ?? ''}>
                  <title>{`${b.label}: ${b.text}`}</title>
                  <text x={LABEL_W - 8} y={ROW / 2} dominantBaseline="central" textAnchor="end" className="bars-label">
                    {b.label}
                  </text>
                  <rect x={LABEL_W} y={4} height={ROW - 8} width={barMax} rx={3} className="bars-track" />
                  <rect x={LABEL_W} y={4} height={ROW - 8} width={w} rx={3} className={`bars-fill bars-${b.tone}`} />
                  <text x={LABEL_W + barMax + 8} y={ROW / 2} dominantBaseline="central" className="bars-value">
                    {b.text}
                  </text>
                </g>
              );
            })}
          </g>
        ))}
      </svg>
    </figure>
  );
}
