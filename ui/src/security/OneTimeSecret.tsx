import { useState } from 'react';
import { useSecT } from './i18n.ts';

/** A secret shown once (a new token, a one-time password), with a copy button. */
export function OneTimeSecret({ label, value, onDismiss, testId }: { label: string; value: string; onDismiss: () => void; testId?: string }) {
  const { t } = useSecT();
  const [copied, setCopied] = useState(false);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(value);
    } catch {
      // No clipboard permission (plain http): select the text so Ctrl+C works.
      const el = document.querySelector<HTMLElement>(`[data-secret="${CSS.escape(value)}"]`);
      if (el) window.getSelection()?.selectAllChildren(el);
    }
    setCopied(true);
  };
  return (
    <div className="alert alert-warn one-time" role="status" data-testid={testId}>
      <p>{label}</p>
      <div className="one-time-row">
        <code className="one-time-value" data-secret={value} data-testid={testId ? `${testId}-value` : undefined}>
          {value}
        </code>
        <button type="button" className="btn btn-small" onClick={() => void copy()} data-testid="copy-secret">
          {copied ? t('tokens.copied') : t('tokens.copy')}
        </button>
        <button type="button" className="btn-link small" onClick={onDismiss} aria-label="dismiss">
          ✕
        </button>
      </div>
    </div>
  );
}
