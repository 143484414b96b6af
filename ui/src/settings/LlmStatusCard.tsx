import type { LlmStatusDto } from '../api.ts';
import { useI18n } from '../i18n.ts';

/** The configured model and whether it answers right now. */
export function LlmStatusCard({ status, checking, checkedAt, onCheck }: { status: LlmStatusDto; checking: boolean; checkedAt: string | null; onCheck: () => void }) {
  const { t, number, dateTime } = useI18n();
  const tone = status.reachable === null ? 'grey' : status.reachable ? 'green' : 'red';
  const reach = status.reachable === null ? t('settings.reachable.na') : status.reachable ? t('settings.reachable.yes') : t('settings.reachable.no');
  return (
    <div className="card llm-card" data-testid="llm-status" data-kind={status.kind} data-reachable={String(status.reachable)}>
      <div className="card-head">
        <h2 className="card-title">{t('settings.llm')}</h2>
        <span className={`llm-light llm-light-${tone}`} data-testid="llm-reachable">
          <span className="llm-light-dot" aria-hidden="true" />
          {reach}
        </span>
        <div className="card-head-right">
          {checkedAt && <span className="muted small llm-checked">{t('settings.checkedAt', { time: dateTime(checkedAt) })}</span>}
          <button type="button" className="btn" onClick={onCheck} disabled={checking} data-testid="check-again">
            {checking && <span className="spinner" aria-hidden="true" />}
            {t('settings.checkAgain')}
          </button>
        </div>
      </div>
      <dl className="llm-grid">
        <div>
          <dt>{t('settings.kind')}</dt>
          <dd data-testid="llm-kind">{t(`settings.kind.${status.kind}`)}</dd>
        </div>
        <div>
          <dt>{t('settings.model')}</dt>
          <dd className="mono-value" data-testid="llm-model">
            {status.model ?? t('common.none')}
          </dd>
        </div>
        <div className="llm-url">
          <dt>{t('settings.url')}</dt>
          <dd className="mono-value break" data-testid="llm-url">
            {status.url ?? t('common.none')}
          </dd>
        </div>
        <div>
          <dt>{t('settings.contextSize')}</dt>
          <dd data-testid="llm-context">{t('settings.tokens', { n: number(status.contextSize) })}</dd>
        </div>
        <div>
          <dt>{t('settings.source')}</dt>
          <dd data-testid="llm-source">
            {status.source.kind === 'settings'
              ? t('settings.source.settings', { who: status.source.connector ? `${status.source.updatedBy} · ${status.source.connector}` : (status.source.updatedBy ?? ''), time: status.source.updatedAt ? dateTime(status.source.updatedAt) : '' })
              : t('settings.source.environment')}
          </dd>
        </div>
        <div>
          <dt>{t('settings.speed')}</dt>
          <dd data-testid="llm-speed">
            {status.speed.genTokensPerSec === null
              ? t('settings.speedNone')
              : t('settings.speedValue', { p: number(status.speed.promptTokensPerSec ?? 0), g: number(status.speed.genTokensPerSec) })}
          </dd>
        </div>
        {status.loaded && (
          <>
            <div className="llm-url">
              <dt>{t('settings.loaded')}</dt>
              <dd className="mono-value break" data-testid="llm-loaded">
                {status.loaded.name ? `${status.loaded.name} · ` : ''}
                {status.loaded.file} ({number(Math.round(status.loaded.sizeBytes / 1048576))} MB)
              </dd>
            </div>
            <div>
              <dt>{t('settings.loadTime')}</dt>
              <dd data-testid="llm-load-time">{t('settings.ms', { n: number(status.loaded.loadMs) })}</dd>
            </div>
            <div>
              <dt>{t('settings.threads')}</dt>
              <dd data-testid="llm-threads">{number(status.loaded.threads)}</dd>
            </div>
          </>
        )}
        <div>
          <dt>{t('settings.checkLatency')}</dt>
          <dd data-testid="llm-latency">{status.checkedLatencyMs === null ? t('common.none') : t('settings.ms', { n: number(status.checkedLatencyMs) })}</dd>
        </div>
      </dl>
      {status.error && (
        <div className="alert alert-error" role="alert" data-testid="llm-error">
          <div className="alert-body">
            <strong className="alert-title">{t('settings.reachable.no')}</strong>
            <span className="alert-message">{status.error}</span>
          </div>
        </div>
      )}
      {status.kind === 'none' && <p className="notice llm-none">{t('settings.noneHint')}</p>}
    </div>
  );
}
