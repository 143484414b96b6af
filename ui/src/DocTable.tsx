import type { ReactNode } from 'react';

/**
 * A table from a document: caption, header, rows; rows `marked` are highlighted (the passage being cited).
 * `extra` adds a last cell per row (the answer's citation chips) with `extraHeader` above it.
 */
export function DocTable({
  caption,
  header,
  rows,
  marked,
  extra,
  extraHeader,
  firstMarkRef,
  testId,
}: {
  caption?: string;
  header: readonly ReactNode[];
  rows: readonly (readonly ReactNode[])[];
  marked?: (i: number) => boolean;
  extra?: (i: number) => ReactNode;
  extraHeader?: ReactNode;
  /** Receives the first marked row (to scroll it into view). */
  firstMarkRef?: (el: HTMLElement | null) => void;
  testId?: string;
}) {
  let first = true;
  return (
    <div className="doc-table-wrap">
      <table className="doc-table" data-testid={testId}>
        {caption && <caption>{caption}</caption>}
        <thead>
          <tr>
            {header.map((h, i) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: columns are positional
              <th key={i} scope="col">
                {h}
              </th>
            ))}
            {extra && <th className="doc-table-extra">{extraHeader}</th>}
          </tr>
        </thead>
        <tbody>
          {rows.map((r, i) => {
            const isMarked = marked?.(i) ?? false;
            const ref = isMarked && first ? firstMarkRef : undefined;
            if (isMarked) first = false;
            return (
              // biome-ignore lint/suspicious/noArrayIndexKey: rows are positional
              <tr key={i} className={isMarked ? 'row-mark' : undefined} ref={ref} data-marked={isMarked ? 'true' : undefined}>
                {header.map((_, c) => (
                  // biome-ignore lint/suspicious/noArrayIndexKey: columns are positional
                  <td key={c}>{r[c] ?? ''}</td>
                ))}
                {extra && <td className="doc-table-extra">{extra(i)}</td>}
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
