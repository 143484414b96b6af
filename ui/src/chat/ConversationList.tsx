import { Link } from 'react-router-dom';
import type { ConversationSummary } from '../api.ts';
import { ErrorAlert } from '../components.tsx';
import { useI18n } from '../i18n.ts';

/** Today: the time; this year: month-day; earlier: the date. */
function shortTime(iso: string, lang: 'zh' | 'en'): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const now = new Date();
  const locale = lang === 'zh' ? 'zh-CN' : 'en-GB';
  if (d.toDateString() === now.toDateString()) return d.toLocaleTimeString(locale, { hour: '2-digit', minute: '2-digit', hour12: false });
  if (d.getFullYear() === now.getFullYear()) return d.toLocaleDateString(locale, { month: '2-digit', day: '2-digit' });
  return d.toLocaleDateString(locale, { year: 'numeric', month: '2-digit', day: '2-digit' });
}

/** The actor's conversations, newest first, with New and Delete. */
export function ConversationList({
  items,
  activeId,
  error,
  onNew,
  onDelete,
  onRetry,
  disabled,
}: {
  items: readonly ConversationSummary[] | null;
  activeId: string | null;
  error: unknown;
  onNew: () => void;
  onDelete: (c: ConversationSummary) => void;
  onRetry: () => void;
  disabled: boolean;
}) {
  const { t, lang, dateTime } = useI18n();
  return (
    <aside className="conv-side" aria-label={t('chat.conversations')}>
      <button type="button" className="btn btn-primary btn-new-chat" onClick={onNew} disabled={disabled} data-testid="new-chat">
        <span aria-hidden="true">＋</span> {t('chat.new')}
      </button>
      <h2 className="conv-heading">{t('chat.conversations')}</h2>
      {error ? <ErrorAlert error={error} onRetry={onRetry} /> : null}
      {items && items.length === 0 && <p className="conv-empty muted small">{t('chat.noConversations')}</p>}
      <ul className="conv-list" data-testid="conversations">
        {items?.map((c) => (
          <li key={c.id} className={`conv-item${c.id === activeId ? ' active' : ''}`} data-conversation-id={c.id}>
            <Link to={`/chat?c=${encodeURIComponent(c.id)}`} className="conv-link" aria-current={c.id === activeId ? 'page' : undefined} title={c.title}>
              <span className="conv-title">{c.title}</span>
              <span className="conv-sub" title={dateTime(c.updatedAt)}>
                {shortTime(c.updatedAt, lang)} · {c.turns === 1 ? t('chat.turn') : t('chat.turns', { n: c.turns })}
              </span>
            </Link>
            <button type="button" className="conv-del" onClick={() => onDelete(c)} aria-label={`${t('chat.delete')}: ${c.title}`} title={t('chat.delete')} data-testid="delete-conversation">
              ×
            </button>
          </li>
        ))}
      </ul>
    </aside>
  );
}
