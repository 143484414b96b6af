import { type FormEvent, useEffect, useState } from 'react';
import { useSearchParams } from 'react-router-dom';
import { AUDIT_ACTIONS } from '../../../audit/action-names.ts';
import { ErrorAlert, Loading, useTitle } from '../components.tsx';
import { type AuditQuery, type AuditRow, type AuditVerifyDto, secApi } from './api.ts';
import { useSecT } from './i18n.ts';
import { auditActionName } from './labels.ts';

const PAGE = 50;
/**
 * Suggestions for the action filter (audit/actions.ts is server code and is not bundled; any action
 * can still be typed).
 */
const ACTIONS = AUDIT_ACTIONS;
const FIELDS = ['actor', 'action', 'target', 'from', 'to'] as const;

/** /admin/audit (audit.read): filter by actor, action, target and dates (kept in the URL), page, verify the chain. */
export function AuditPage() {
  const { t, dateTime, lang } = useSecT();
  useTitle(t('audit.title'));
  const [sp, setSp] = useSearchParams();
  const query: AuditQuery = Object.fromEntries(FIELDS.map((f) => [f, sp.get(f) || undefined]));
  const offset = Math.max(0, Number(sp.get('offset')) || 0);
  const key = sp.toString();
  const [data, setData] = useState<{ total: number; items: AuditRow[] } | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [loading, setLoading] = useState(false);

  // biome-ignore lint/correctness/useExhaustiveDependencies: `key` (the URL query) determines `query` and `offset`
  useEffect(() => {
    const ctl = new AbortController();
    setLoading(true);
    secApi
      .audit({ ...query, limit: PAGE, offset }, ctl.signal)
      .then((d) => {
        setData(d);
        setError(null);
      })
      .catch((e) => !ctl.signal.aborted && setError(e))
      .finally(() => !ctl.signal.aborted && setLoading(false));
    return () => ctl.abort();
  }, [key]);

  const apply = (q: AuditQuery) => {
    const next = new URLSearchParams();
    for (const f of FIELDS) if (q[f]) next.set(f, String(q[f]));
    setSp(next);
  };
  const page = (o: number) => {
    const next = new URLSearchParams(sp);
    if (o) next.set('offset', String(o));
    else next.delete('offset');
    setSp(next);
  };

  return (
    <section className="page audit-page">
      <div className="page-title-row">
        <h1 className="page-title">{t('audit.title')}</h1>
      </div>
      <p className="muted">{t('audit.lead')}</p>
      <VerifyCard />
      <AuditFilters key={key} initial={query} onApply={apply} />
      {error ? <ErrorAlert error={error} /> : null}
      {!data && !error && <Loading />}
      {data && (
        <div className={`card card-flush${loading ? ' is-loading' : ''}`}>
          <div className="card-head">
            <span className="muted small" data-testid="audit-total">
              {t('audit.total', { n: data.total })}
            </span>
            <div className="card-head-right pager">
              <span className="pager-label small muted">{data.total ? t('audit.page', { from: offset + 1, to: Math.min(offset + PAGE, data.total) }) : ''}</span>
              <button type="button" className="btn btn-small" disabled={offset === 0} onClick={() => page(Math.max(0, offset - PAGE))} data-testid="audit-prev">
                {t('audit.prev')}
              </button>
              <button type="button" className="btn btn-small" disabled={offset + PAGE >= data.total} onClick={() => page(offset + PAGE)} data-testid="audit-next">
                {t('audit.next')}
              </button>
            </div>
          </div>
          <div className="table-wrap">
            <table className="table audit-table" data-testid="audit-table">
              <thead>
                <tr>
                  <th>seq</th>
                  <th>{t('audit.time')}</th>
                  <th>{t('audit.actor')}</th>
                  <th>{t('audit.action')}</th>
                  <th>{t('audit.target')}</th>
                  <th>{t('audit.details')}</th>
                </tr>
              </thead>
              <tbody>
                {data.items.length === 0 && (
                  <tr>
                    <td colSpan={6} className="empty-row">
                      {t('audit.empty')}
                    </td>
                  </tr>
                )}
                {data.items.map((r) => (
                  <tr key={r.seq} data-action={r.action}>
                    <td className="mono small">{r.seq}</td>
                    <td className="nowrap small">{dateTime(r.at)}</td>
                    <td className="mono small">{r.actor}</td>
                    <td>
                      <span className="badge badge-neutral" title={r.action} data-testid="audit-action">
                        {auditActionName(r.action, lang)}
                      </span>
                    </td>
                    <td className="mono small break">{r.target ?? ''}</td>
                    <td className="audit-details mono small" title={r.hash}>
                      {Object.keys(r.details).length ? JSON.stringify(r.details) : ''}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </div>
      )}
    </section>
  );
}

function AuditFilters({ initial, onApply }: { initial: AuditQuery; onApply: (q: AuditQuery) => void }) {
  const { t, lang } = useSecT();
  const [q, setQ] = useState<AuditQuery>(initial);
  const set = (k: keyof AuditQuery) => (e: { target: { value: string } }) => setQ((s) => ({ ...s, [k]: e.target.value || undefined }));
  const submit = (e: FormEvent) => {
    e.preventDefault();
    onApply(q);
  };
  return (
    <form className="card sec-form audit-filters" onSubmit={submit} data-testid="audit-filters">
      <div className="sec-form-row">
        <label className="field">
          <span>{t('audit.actor')}</span>
          <input className="input" name="actor" value={q.actor ?? ''} onChange={set('actor')} maxLength={200} />
        </label>
        <label className="field">
          <span>{t('audit.action')}</span>
          <input className="input" name="action" list="audit-actions" value={q.action ?? ''} onChange={set('action')} placeholder={t('audit.any')} maxLength={60} />
          <datalist id="audit-actions">
            {ACTIONS.map((a) => (
              <option key={a} value={a} label={auditActionName(a, lang)} />
            ))}
          </datalist>
        </label>
        <label className="field">
          <span>{t('audit.target')}</span>
          <input className="input" name="target" value={q.target ?? ''} onChange={set('target')} maxLength={500} />
        </label>
        <label className="field">
          <span>{t('audit.from')}</span>
          <input className="input" name="from" type="date" value={q.from ?? ''} onChange={set('from')} />
        </label>
        <label className="field">
          <span>{t('audit.to')}</span>
          <input className="input" name="to" type="date" value={q.to ?? ''} onChange={set('to')} />
        </label>
        <button type="submit" className="btn btn-primary field-submit" data-testid="audit-apply">
          {t('audit.apply')}
        </button>
        <button type="button" className="btn field-submit" onClick={() => onApply({})}>
          {t('audit.clear')}
        </button>
      </div>
    </form>
  );
}

function VerifyCard() {
  const { t, number, dateTime } = useSecT();
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<AuditVerifyDto | null>(null);
  const [error, setError] = useState<unknown>(null);
  const run = async () => {
    setBusy(true);
    setError(null);
    try {
      setResult(await secApi.verifyAudit());
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="card verify-card">
      <button type="button" className="btn btn-primary" onClick={() => void run()} disabled={busy} data-testid="audit-verify">
        {busy ? t('audit.verifying') : t('audit.verify')}
      </button>
      {result && (
        <div className={`alert ${result.ok ? 'alert-success' : 'alert-error'} verify-result`} role="status" data-testid="verify-result" data-ok={String(result.ok)}>
          <div>
            {result.ok
              ? t('audit.intact', { rows: number(result.rows), first: result.firstSeq ?? '-', last: result.lastSeq ?? '-', ms: number(result.elapsedMs) })
              : t('audit.broken', { n: result.problemCount })}
          </div>
          {!result.ok && (
            <ul className="verify-problems">
              {result.problems.slice(0, 10).map((p) => (
                <li key={`${p.kind}-${p.seq}`}>{p.message}</li>
              ))}
            </ul>
          )}
          <div className="small" data-testid="verify-checkpoint">
            {result.checkpoint
              ? t('audit.checkpoint', { seq: result.checkpoint.seq, at: dateTime(result.checkpoint.at), n: result.checkpoint.checked })
              : t('audit.noCheckpoint')}
          </div>
          <div className="mono small muted">
            {t('audit.head')}: {result.headHash}
          </div>
        </div>
      )}
      {error ? <ErrorAlert error={error} /> : null}
    </div>
  );
}
