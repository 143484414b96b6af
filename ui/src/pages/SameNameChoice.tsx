import { Link } from 'react-router-dom';
import type { SourceDto } from '../api.ts';
import { SourceStatusBadge } from '../components.tsx';
import { useI18n } from '../i18n.ts';

/** What the uploader chose for a file whose name matches current sources. */
export type VersionChoice = { supersedes: string } | { separate: true };

/** A match as the name-matches endpoint (full source) or a 409 SAME_NAME_EXISTS body (id, title, version, year, file name) gives it. */
export type NameMatch = Pick<SourceDto, 'id' | 'title' | 'version' | 'year' | 'fileName'> & Partial<Pick<SourceDto, 'status' | 'chunkCount'>>;

/**
 * Shown in the upload form before anything is sent when current sources share the chosen file's name
 * (any extension): the uploader picks "new version of …" or "separate source". Nothing is superseded
 * silently, and a supersede can be undone from the old source's page.
 */
export function SameNameChoice({
  matches,
  value,
  onChange,
  disabled,
}: {
  matches: NameMatch[];
  value: VersionChoice | null;
  onChange: (choice: VersionChoice) => void;
  disabled?: boolean;
}) {
  const { t } = useI18n();
  const none = t('common.none');
  return (
    <fieldset className="alert alert-warn same-name" data-testid="same-name-choice" disabled={disabled}>
      <div className="alert-body">
        <legend className="alert-title">{t('versioning.title', { n: matches.length })}</legend>
        <span className="alert-message">{t('versioning.explain')}</span>
        <ul className="same-name-list">
          {matches.map((m) => (
            <li key={m.id}>
              <label className="same-name-option">
                <input
                  type="radio"
                  name="version-choice"
                  checked={value !== null && 'supersedes' in value && value.supersedes === m.id}
                  onChange={() => onChange({ supersedes: m.id })}
                  data-testid={`choice-supersede-${m.id}`}
                />
                <span>
                  {t('versioning.supersede')}{' '}
                  <Link to={`/sources/${encodeURIComponent(m.id)}`} target="_blank" rel="noreferrer">
                    《{m.title}》
                  </Link>{' '}
                  <span className="muted small">
                    {[m.version, m.year, m.fileName].filter(Boolean).join(' · ') || none}
                  </span>{' '}
                  {m.status && <SourceStatusBadge status={m.status} />}
                </span>
              </label>
            </li>
          ))}
          <li>
            <label className="same-name-option">
              <input
                type="radio"
                name="version-choice"
                checked={value !== null && 'separate' in value}
                onChange={() => onChange({ separate: true })}
                data-testid="choice-separate"
              />
              <span>{t('versioning.separate')}</span>
            </label>
          </li>
        </ul>
      </div>
    </fieldset>
  );
}
