import { MarkedText } from './components.tsx';
import { DocTable } from './DocTable.tsx';
import type { Range } from './highlight.ts';
import { type PageTable, pageSegments } from './tables.ts';

/**
 * A page's text with its tables drawn as tables. `ranges` mark prose (page offsets); `markedRows` marks the
 * rows of one table (by ordinal) — a passage cut from a table is highlighted row by row.
 */
export function PageBody({
  text,
  tables,
  ranges = [],
  markClass,
  markedRows,
  onFirstMark,
}: {
  text: string;
  tables: readonly PageTable[];
  ranges?: readonly Range[];
  markClass?: string;
  markedRows?: { ordinal: number; from: number; to: number };
  onFirstMark?: (el: HTMLElement | null) => void;
}) {
  let markGiven = false;
  const takeRef = () => {
    if (markGiven || !onFirstMark) return undefined;
    markGiven = true;
    return onFirstMark;
  };
  return (
    <>
      {pageSegments(text, tables).map((seg) => {
        if (seg.kind === 'table') {
          const t = seg.table;
          const mark = markedRows && markedRows.ordinal === t.ordinal ? markedRows : null;
          return (
            <DocTable
              key={`t${seg.start}`}
              caption={t.caption}
              header={t.header}
              rows={t.rows}
              marked={mark ? (i) => i >= mark.from && i < mark.to : undefined}
              firstMarkRef={mark ? takeRef() : undefined}
              testId="page-table"
            />
          );
        }
        const local = ranges
          .map((r) => ({ start: r.start - seg.start, end: r.end - seg.start }))
          .filter((r) => r.end > 0 && r.start < seg.text.length);
        const ref = local.length ? takeRef() : undefined;
        return <MarkedText key={`s${seg.start}`} text={seg.text} ranges={local} markClass={markClass} firstMarkRef={ref} />;
      })}
    </>
  );
}
