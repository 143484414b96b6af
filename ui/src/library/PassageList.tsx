import { type FormEvent, useCallback, useEffect, useState } from 'react';
import { Link } from 'react-router-dom';
import type { SourceDto } from '../api.ts';
import { Badge, ErrorAlert, HeadingPath, Loading } from '../components.tsx';
import { Dialog } from '../kg/Dialog.tsx';
import { useAuth } from '../security/auth.tsx';
import { libraryApi, type PassageDto } from './api.ts';
import { FormFooter } from './FormFooter.tsx';
import { useLibT } from './i18n.ts';
import { Pager } from './Pager.tsx';

const PAGE = 20;

/** A source's passages in reading order; managers take a bad one out of search (with a reason) or put it back. */
export function PassageList({ source }: { source: SourceDto }) {
  const { t, dateTime } = useLibT();
  const { can } = useAuth();
  const manage = can('sources.manage');
  const [offset, setOffset] = useState(0);
  const [onlyDisabled, setOnlyDisabled] = useState(false);
  const [data, setData] = useState<{ items: PassageDto[]; total: number } | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [disabling, setDisabling] = useState<PassageDto | null>(null);

  const load = useCallback(
    (signal?: AbortSignal) =>
      libraryApi.passages(source.id, { limit: PAGE, offset, disabled: onlyDisabled ? true : undefined }, signal).then(
        (d) => {
          setData(d);
          setError(null);
        },
        (e) => !signal?.aborted && setError(e),
      ),
    [source.id, offset, onlyDisabled],
  );
  useEffect(() => {
    const ctl = new AbortController();
    void load(ctl.signal);
    return () => ctl.abort();
  }, [load]);

  const enable = async (p: PassageDto) => {
    try {
      await libraryApi.enablePassage(p.id);
      await load();
    } catch (e) {
      setError(e);
    }
  };

  return (
    <div className="card passage-list" data-testid="passage-list">
      <div className="card-head">
        <h2 className="card-title">{t('passages.title')}</h2>
        <label className="check small">
          <input
            type="checkbox"
            checked={onlyDisabled}
            onChange={(e) => {
              setOnlyDisabled(e.target.checked);
              setOffset(0);
            }}
            data-testid="only-disabled"
          />{' '}
          {t('passages.onlyDisabled')}
        </label>
        {data && <span className="muted card-head-right">{t('passages.count', { n: data.total })}</span>}
      </div>
      {error ? <ErrorAlert error={error} /> : null}
      {!data && !error && <Loading />}
      {data && data.items.length === 0 && <p className="muted">{t('passages.empty')}</p>}
      {data && (
        <ol className="passages" start={offset + 1}>
          {data.items.map((p) => (
            <li key={p.id} className={`passage-item${p.disabledAt ? ' is-disabled' : ''}`} data-passage-id={p.id} data-disabled={p.disabledAt ? 'true' : 'false'}>
              <div className="passage-item-head">
                <HeadingPath headings={p.headingPath} />
                <span className="muted small">{p.pageStart === p.pageEnd ? t('passages.page', { p: p.pageStart }) : t('passages.pages', { a: p.pageStart, b: p.pageEnd })}</span>
                {p.disabledAt && <Badge tone="red">{t('passages.disabled')}</Badge>}
                <span className="passage-item-actions">
                  <Link to={`/passage/${encodeURIComponent(p.id)}`} className="btn btn-small">
                    {t('passages.open')}
                  </Link>
                  {manage &&
                    (p.disabledAt ? (
                      <button type="button" className="btn btn-small" onClick={() => void enable(p)} data-testid="passage-enable">
                        {t('passages.enable')}
                      </button>
                    ) : (
                      <button type="button" className="btn btn-small" onClick={() => setDisabling(p)} data-testid="passage-disable">
                        {t('passages.disable')}
                      </button>
                    ))}
                </span>
              </div>
              <p className="passage-item-text">{p.text.length > 280 ? `${p.text.slice(0, 280)}…` : p.text}</p>
              {p.disabledAt && (
                <p className="small passage-item-why">{t('passages.disabledBy', { by: p.disabledBy ?? '', at: dateTime(p.disabledAt), reason: p.disabledReason ?? '' })}</p>
              )}
            </li>
          ))}
        </ol>
      )}
      {data && <Pager offset={offset} limit={PAGE} total={data.total} onChange={setOffset} />}
      <Dialog open={disabling !== null} title={t('passages.reasonTitle')} onClose={() => setDisabling(null)} testId="disable-dialog">
        {disabling && (
          <DisableForm
            passage={disabling}
            onDone={() => {
              setDisabling(null);
              void load();
            }}
            onCancel={() => setDisabling(null)}
          />
        )}
      </Dialog>
    </div>
  );
}

function DisableForm({ passage, onDone, onCancel }: { passage: PassageDto; onDone: () => void; onCancel: () => void }) {
  const { t } = useLibT();
  const [reason, setReason] = useState('');
  const [error, setError] = useState<unknown>(null);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    try {
      await libraryApi.disablePassage(passage.id, reason.trim());
      onDone();
    } catch (err) {
      setError(err);
    }
  };
  return (
    <form onSubmit={submit} data-testid="disable-form">
      <p className="muted small">{t('passages.reasonHint')}</p>
      <blockquote className="passage-quote">{passage.text.slice(0, 200)}</blockquote>
      <label className="field">
        <span>{t('passages.reasonPrompt')}</span>
        <input className="input" name="reason" value={reason} onChange={(e) => setReason(e.target.value)} minLength={2} maxLength={500} required />
      </label>
      <FormFooter error={error} onCancel={onCancel} label={t('passages.disable')} danger testId="disable-confirm" />
    </form>
  );
}
