import { useState } from 'react';
import { getReviewer, REVIEWER_PATTERN, setReviewer } from '../api.ts';
import { useI18n } from '../i18n.ts';

/** Who is reviewing, until accounts exist: kept in localStorage and sent with every decision. */
export function ReviewerField() {
  const { t } = useI18n();
  const [name, setName] = useState(getReviewer);
  const valid = name.trim() === '' || REVIEWER_PATTERN.test(name.trim());
  return (
    <label className={`reviewer${valid ? '' : ' invalid'}`} title={t('review.reviewerHint')}>
      <span className="reviewer-label">{t('review.reviewer')}</span>
      <input
        type="text"
        className="input reviewer-input"
        value={name}
        maxLength={64}
        placeholder={t('review.reviewerPlaceholder')}
        aria-invalid={!valid}
        aria-describedby="reviewer-hint"
        onChange={(e) => {
          setName(e.target.value);
          const v = e.target.value.trim();
          if (v === '' || REVIEWER_PATTERN.test(v)) setReviewer(v);
        }}
        data-testid="reviewer"
      />
      <span id="reviewer-hint" className={valid ? 'sr-only' : 'reviewer-error'}>
        {valid ? t('review.reviewerHint') : t('review.reviewerInvalid')}
      </span>
    </label>
  );
}
