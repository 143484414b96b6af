import { ErrorAlert } from '../components.tsx';
import { useLibT } from './i18n.ts';

/** The end of a dialog form: its error, then 取消 and the submit button (primary, or danger for removals). */
export function FormFooter({ error, onCancel, label, busy, danger, testId }: { error: unknown; onCancel: () => void; label: string; busy?: boolean; danger?: boolean; testId: string }) {
  const { t } = useLibT();
  return (
    <>
      {error ? <ErrorAlert error={error} /> : null}
      <div className="dialog-actions span-12">
        <button type="button" className="btn" onClick={onCancel}>
          {t('cancel')}
        </button>
        <button type="submit" className={`btn ${danger ? 'btn-danger' : 'btn-primary'}`} disabled={busy} data-testid={testId}>
          {label}
        </button>
      </div>
    </>
  );
}
