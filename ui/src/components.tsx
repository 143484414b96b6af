import { type ReactNode, type Ref, useEffect, useRef } from 'react';
import { ApiError, type JobStatus, markBackground, type SourceStatus } from './api.ts';
import { type Range, segmentsOf } from './highlight.ts';
import { inLanguage, useI18n } from './i18n.ts';

/** A readable error box: the server's message, with its code small underneath. */
export function ErrorAlert({ error, onRetry, title }: { error: unknown; onRetry?: () => void; title?: string }) {
  const { t, lang } = useI18n();
  const message = error instanceof Error ? error.message : String(error);
  // One language on screen; the whole server message (its other half often carries a detail) stays one click away.
  const shown = inLanguage(message, lang);
  const code = error instanceof ApiError ? error.code : undefined;
  return (
    <div className="alert alert-error" role="alert">
      <div className="alert-body">
        <strong className="alert-title">{title ?? t('common.errorTitle')}</strong>
        <span className="alert-message">{shown}</span>
        {shown !== message && (
          <details className="alert-detail">
            <summary>{t('common.details')}</summary>
            {message}
          </details>
        )}
        {code && <code className="alert-code">{code}</code>}
      </div>
      {onRetry && (
        <button type="button" className="btn btn-small" onClick={onRetry}>
          {t('common.retry')}
        </button>
      )}
    </div>
  );
}

export function Loading({ label }: { label?: string }) {
  const { t } = useI18n();
  return (
    <div className="loading" role="status" aria-live="polite">
      <span className="spinner" aria-hidden="true" />
      {label ?? t('common.loading')}
    </div>
  );
}

export function Badge({
  tone = 'neutral',
  children,
  title,
}: {
  tone?: 'neutral' | 'blue' | 'green' | 'amber' | 'red' | 'purple' | 'grey';
  children: ReactNode;
  title?: string;
}) {
  return (
    <span className={`badge badge-${tone}`} title={title}>
      {children}
    </span>
  );
}

export function KindBadge({ kind }: { kind: string }) {
  const { td } = useI18n();
  const tone = kind === 'guideline' ? 'blue' : kind === 'textbook' ? 'purple' : kind === 'literature' ? 'green' : 'grey';
  return (
    <Badge tone={tone}>
      <span data-kind={kind}>{td(`kind.${kind}`, kind)}</span>
    </Badge>
  );
}

const SOURCE_TONE: Record<SourceStatus, 'green' | 'amber' | 'red'> = {
  ready: 'green',
  pending: 'amber',
  failed: 'red',
};
export function SourceStatusBadge({ status }: { status: SourceStatus }) {
  const { td } = useI18n();
  return (
    <span className={`status status-${SOURCE_TONE[status]}`} data-status={status}>
      <span className="status-dot" aria-hidden="true" />
      {td(`sourceStatus.${status}`, status)}
    </span>
  );
}

const JOB_TONE: Record<JobStatus, 'grey' | 'blue' | 'green' | 'red' | 'amber'> = {
  queued: 'amber',
  running: 'blue',
  succeeded: 'green',
  failed: 'red',
  cancelled: 'grey',
  quarantined: 'red',
};
export function JobStatusBadge({ status }: { status: JobStatus }) {
  const { td } = useI18n();
  return (
    <span className={`status status-${JOB_TONE[status] ?? 'grey'}`} data-status={status}>
      <span className="status-dot" aria-hidden="true" />
      {td(`jobStatus.${status}`, status)}
    </span>
  );
}

export function ProgressBar({ value, max, label, tone = 'blue' }: { value: number; max: number; label?: string; tone?: 'blue' | 'green' | 'red' | 'grey' }) {
  const pct = max > 0 ? Math.max(0, Math.min(100, (value / max) * 100)) : 0;
  return (
    <div
      className={`progress progress-${tone}`}
      role="progressbar"
      aria-valuemin={0}
      aria-valuemax={max || 100}
      aria-valuenow={max > 0 ? value : 0}
      aria-label={label}
    >
      <div className="progress-fill" style={{ width: `${pct}%` }} />
    </div>
  );
}

/** Text with ranges wrapped in <mark>; `firstMarkRef` receives the first mark (to scroll to it). */
export function MarkedText({
  text,
  ranges,
  markClass,
  firstMarkRef,
}: {
  text: string;
  ranges: readonly Range[];
  markClass?: string;
  firstMarkRef?: Ref<HTMLElement>;
}) {
  let first = true;
  return (
    <>
      {segmentsOf(text, ranges).map((s) => {
        if (!s.marked) return <span key={s.start}>{s.text}</span>;
        const ref = first ? firstMarkRef : undefined;
        first = false;
        return (
          <mark key={s.start} className={markClass} ref={ref}>
            {s.text}
          </mark>
        );
      })}
    </>
  );
}

/** The section headings above a passage, as a breadcrumb. */
export function HeadingPath({ headings }: { headings: readonly string[] }) {
  const { t } = useI18n();
  if (headings.length === 0) return null;
  // Keys: the path down to each heading (unique within one breadcrumb).
  const items = headings.reduce<Array<{ key: string; text: string }>>((acc, h) => {
    acc.push({ key: `${acc.at(-1)?.key ?? ''}/${h}`, text: h });
    return acc;
  }, []);
  return (
    <ol className="breadcrumb" aria-label={t('passage.headingPath')}>
      {items.map((it) => (
        <li key={it.key}>{it.text}</li>
      ))}
    </ol>
  );
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

/**
 * Calls `fn` now and every `ms` while mounted; `fn` gets an AbortSignal cancelled on unmount. Ticks
 * after the first pass a signal marked as background polling (see markBackground in api.ts): they
 * do not count as the user's activity for the idle session timeout.
 */
export function useInterval(fn: (signal: AbortSignal) => void | Promise<void>, ms: number, deps: readonly unknown[]) {
  const saved = useRef(fn);
  saved.current = fn;
  useEffect(() => {
    const ctl = new AbortController();
    const polling = new AbortController();
    markBackground(polling.signal);
    let timer: ReturnType<typeof setTimeout> | undefined;
    let first = true;
    const tick = async () => {
      try {
        await saved.current(first ? ctl.signal : polling.signal);
      } finally {
        first = false;
        if (!ctl.signal.aborted) timer = setTimeout(tick, ms);
      }
    };
    void tick();
    return () => {
      ctl.abort();
      polling.abort();
      if (timer) clearTimeout(timer);
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [ms, ...deps]);
}

/** Sets document.title for the current page. */
export function useTitle(title: string) {
  useEffect(() => {
    document.title = `${title} · 影知 YingZhi`;
  }, [title]);
}
