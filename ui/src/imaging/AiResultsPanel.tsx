import { type ChangeEvent, useCallback, useEffect, useState } from 'react';
import { ApiError } from '../api.ts';
import { Badge, ErrorAlert, Loading } from '../components.tsx';
import { type AiResultRow, imagingApi } from './api.ts';
import { type ImagingKey, useImagingT } from './i18n.ts';

const fmt = (n: number | null | undefined, d = 1) => (n === null || n === undefined || !Number.isFinite(n) ? '—' : n.toFixed(d));
const STATUS_TONE = { queued: 'grey', running: 'blue', retrying: 'amber', succeeded: 'green', failed: 'red' } as const;

/**
 * Imaging-AI results (from the connector or imported as a result document): each result's findings as
 * graph entities with side, lobe/segment, size and probability; labels outside the label map are shown,
 * never hidden.
 */
export function AiResultsPanel() {
  const { t, dateTime } = useImagingT();
  const [items, setItems] = useState<AiResultRow[] | null>(null);
  const [open, setOpen] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const refresh = useCallback(() => imagingApi.aiResults({ limit: 20 }).then((r) => setItems(r.items), setError), []);
  useEffect(() => {
    refresh();
  }, [refresh]);

  const importFile = async (e: ChangeEvent<HTMLInputElement>) => {
    const file = e.target.files?.[0];
    e.target.value = '';
    if (!file) return;
    setError(null);
    let doc: unknown;
    try {
      doc = JSON.parse(await file.text());
    } catch {
      setError(new ApiError(400, 'INVALID_JSON', t('ai.notJson', { name: file.name })));
      return;
    }
    try {
      const row = await imagingApi.aiImport(doc);
      setOpen(row.id);
      await refresh();
    } catch (err) {
      setError(err);
    }
  };

  const shown = items?.find((r) => r.id === open);
  return (
    <div className="ai-results" data-testid="ai-results">
      <label className="field">
        <span className="field-label">{t('ai.import')}</span>
        <input type="file" accept=".json,application/json" onChange={importFile} data-testid="ai-import" />
      </label>
      {error ? <ErrorAlert error={error} /> : null}
      {!items && <Loading />}
      {items?.length === 0 && <p className="muted">{t('ai.empty')}</p>}
      <ul className="recent-list">
        {items?.map((r) => (
          <li key={r.id} className={open === r.id ? 'active' : ''}>
            <button type="button" className="link-button" onClick={() => setOpen(r.id)} data-ai-result={r.id}>
              {r.model ?? t(`ai.task.${r.task}` as ImagingKey)} · {t(`ai.task.${r.task}` as ImagingKey)} · {r.studyUid.slice(-12)}
            </button>{' '}
            <Badge tone={STATUS_TONE[r.status]}>{t(`ai.status.${r.status}` as ImagingKey)}</Badge>
            {r.connectorId === null && <span className="muted"> {t('ai.imported')}</span>}
            <span className="muted"> {dateTime(r.createdAt)}</span>
          </li>
        ))}
      </ul>
      {shown && <Findings row={shown} />}
    </div>
  );
}

/** Findings carry no id of their own; a stored result's list never changes order, so its position names it. */
const keyed = (row: AiResultRow) => row.findings.map((f, n) => [`${row.id}:${n}`, f] as const);

function Findings({ row }: { row: AiResultRow }) {
  const { t, lang } = useImagingT();
  const name = (x: { nameZh: string | null; nameEn: string | null } | null) => (x ? ((lang === 'zh' ? x.nameZh : x.nameEn) ?? x.nameZh ?? x.nameEn) : null);
  return (
    <div className="table-wrap">
      {row.lastError && <p className="muted">{row.lastError}</p>}
      {row.unknownLabels.length > 0 && (
        <p className="ai-unknown" data-testid="ai-unknown">
          {t('ai.unknown')}: {row.unknownLabels.join(', ')}
        </p>
      )}
      <table className="table" data-testid="ai-findings">
        <thead>
          <tr>
            <th>{t('ai.finding')}</th>
            <th>{t('ai.where')}</th>
            <th className="num">{t('ai.size')}</th>
            <th className="num">{t('ai.probability')}</th>
          </tr>
        </thead>
        <tbody>
          {keyed(row).map(([key, f]) => (
            <tr key={key}>
              <td>
                {name(f.entity) ?? <i>{f.label}</i>}
                <div className="cell-sub">{f.label}</div>
              </td>
              <td>
                {[f.laterality ? t(`ai.side.${f.laterality}` as ImagingKey) : null, name(f.location), f.segment ? `${f.segment.code}${name(f.segment) ? ` ${name(f.segment)}` : ''}` : null].filter(Boolean).join(' · ') || '—'}
              </td>
              <td className="num">
                {f.sizeMm ? `${fmt(f.sizeMm.long)}${f.sizeMm.short !== undefined ? ` × ${fmt(f.sizeMm.short)}` : ''} mm` : f.volumeMm3 !== null ? `${fmt(f.volumeMm3 / 1000, 2)} cm³` : '—'}
              </td>
              <td className="num">{f.probability === null ? '—' : `${fmt(f.probability * 100, 0)} %`}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
