import { type FormEvent, type ReactNode, useState } from 'react';
import { Badge, ErrorAlert, useTitle } from '../components.tsx';
import { type QcFlag, type QcResult, reportsApi, type SecondOpinion } from './api.ts';
import { type ReportKey, useReportT } from './i18n.ts';
import './reporting.css';

const EXAMPLE = '影像所见：\n右肺上叶尖段见一毛玻璃结节，大小约8mm×6mm，边界清楚。纵膈内未见肿大淋巴节。\n\n印象：\n左肺上叶磨玻璃结节，约80mm，建议随访。';
const TONE = { error: 'red', warning: 'amber', info: 'blue' } as const;

/** 报告质控: paste a report, see each flag marked in the text with its fix. */
export function ReportQcPage() {
  const { t, say } = useReportT();
  useTitle(t('qc.title'));
  const [text, setText] = useState('');
  const [checked, setChecked] = useState<{ text: string; result: QcResult } | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [second, setSecond] = useState<{ text: string; result: SecondOpinion } | null>(null);
  const [secondBusy, setSecondBusy] = useState(false);

  const run = async (value: string) => {
    setBusy(true);
    setError(null);
    setSecond(null);
    try {
      setChecked({ text: value, result: await reportsApi.qc(value) });
    } catch (e) {
      setError(e);
      setChecked(null);
    } finally {
      setBusy(false);
    }
  };
  const submit = (e: FormEvent) => {
    e.preventDefault();
    run(text);
  };
  /** The model's second opinion on the text the rules just checked, shown apart from the rules' flags. */
  const askSecond = async () => {
    if (!checked) return;
    setSecondBusy(true);
    setError(null);
    try {
      setSecond({ text: checked.text, result: await reportsApi.secondOpinion(checked.text) });
    } catch (e) {
      setError(e);
    } finally {
      setSecondBusy(false);
    }
  };
  /** Replace the flagged span with the suggestion and check again. */
  const apply = (f: QcFlag) => {
    if (!checked || !f.span || f.suggestion === null) return;
    const next = checked.text.slice(0, f.span.start) + f.suggestion + checked.text.slice(f.span.end);
    setText(next);
    run(next);
  };

  return (
    <section className="page report-page">
      <div className="page-title-row">
        <h1 className="page-title">{t('qc.title')}</h1>
      </div>
      <p className="muted lead">{t('qc.lead')}</p>
      <form className="card report-form" onSubmit={submit} data-testid="qc-form">
        <label className="field">
          <span className="field-label">{t('qc.text')}</span>
          <textarea className="qc-textarea" name="report" value={text} onChange={(e) => setText(e.target.value)} />
        </label>
        <div className="form-actions" style={{ gap: '0.5rem' }}>
          <button type="button" className="btn" onClick={() => setText(EXAMPLE)} data-testid="qc-example">
            {t('qc.example')}
          </button>
          <button type="submit" className="btn btn-primary" disabled={busy} data-testid="qc-submit">
            {busy ? t('qc.checking') : t('qc.check')}
          </button>
        </div>
      </form>
      {error ? <ErrorAlert error={error} /> : null}
      {checked && (
        <div className="report-grid" data-testid="qc-result">
          <div className="card">
            <p className="report-text qc-marked" data-testid="qc-marked">
              <Marked text={checked.text} flags={checked.result.flags} />
            </p>
          </div>
          <div className="card">
            <h2 className="card-title" data-testid="qc-count">
              {checked.result.flags.length === 0 ? t('qc.none') : t('qc.count', { n: checked.result.flags.length })}
            </h2>
            <ul className="flag-list" data-testid="qc-flags">
              {checked.result.flags.map((f) => (
                <li key={`${f.kind}-${f.span?.start ?? 'x'}-${f.message}`} data-kind={f.kind}>
                  <Badge tone={TONE[f.severity]}>{t(`kind.${f.kind}` as ReportKey)}</Badge>
                  <span className="flag-msg">{say(f.message)}</span>
                  {f.span && f.suggestion !== null && (
                    <button type="button" className="btn btn-small" onClick={() => apply(f)} data-apply={f.kind}>
                      {t('qc.apply')} → {f.suggestion}
                    </button>
                  )}
                </li>
              ))}
            </ul>
            <div className="form-actions">
              <button type="button" className="btn" onClick={askSecond} disabled={secondBusy} data-testid="qc-second">
                {secondBusy ? t('qc.secondBusy') : t('qc.second')}
              </button>
            </div>
            {second && second.text === checked.text && (
              <div className="second-opinion" data-testid="qc-second-result" data-status={second.result.status}>
                <h3 className="card-title">
                  {second.result.label}
                  {second.result.model && (
                    <span className="muted small">
                      {' '}
                      · {t('qc.secondModel')} {second.result.model}
                    </span>
                  )}
                </h3>
                <p className="muted small" data-testid="qc-second-note">
                  {second.result.note}
                </p>
                <ul className="flag-list">
                  {second.result.flags.map((f) => (
                    <li key={`${f.kind}-${f.span?.start ?? 'x'}-${f.message}`} data-kind={f.kind}>
                      <Badge tone="blue">{t(`kind.${f.kind}` as ReportKey)}</Badge>
                      <span className="flag-msg">
                        「{f.text}」 {f.message}
                        {f.suggestion ? ` → ${f.suggestion}` : ''}
                      </span>
                      {f.alsoFoundByRules && <Badge tone="green">{t('qc.secondAgrees')}</Badge>}
                    </li>
                  ))}
                </ul>
                {second.result.dropped.length > 0 && <p className="muted small">{t('qc.secondDropped', { n: second.result.dropped.length })}</p>}
              </div>
            )}
          </div>
        </div>
      )}
    </section>
  );
}

function Marked({ text, flags }: { text: string; flags: QcFlag[] }) {
  const spans = flags.filter((f) => f.span).sort((a, b) => (a.span?.start ?? 0) - (b.span?.start ?? 0));
  const out: ReactNode[] = [];
  let at = 0;
  for (const f of spans) {
    const s = f.span as { start: number; end: number };
    if (s.start < at) continue;
    out.push(text.slice(at, s.start));
    out.push(
      <mark key={s.start} className={`flag flag-${f.severity}`} title={f.message} data-kind={f.kind}>
        {text.slice(s.start, s.end)}
      </mark>,
    );
    at = s.end;
  }
  out.push(text.slice(at));
  return <>{out}</>;
}
