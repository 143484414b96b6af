import { type ReactNode, useEffect, useId, useRef } from 'react';
import { useI18n } from '../i18n.ts';

/**
 * A modal built on <dialog>: the browser traps focus and closes it on Escape. Children render only
 * while open, so every opening starts from fresh state.
 */
export function Dialog({
  open,
  title,
  onClose,
  children,
  testId,
  wide,
}: {
  open: boolean;
  title: ReactNode;
  onClose: () => void;
  children: ReactNode;
  testId?: string;
  wide?: boolean;
}) {
  const { t } = useI18n();
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    if (open && !d.open) d.showModal();
    else if (!open && d.open) d.close();
  }, [open]);
  return (
    <dialog
      ref={ref}
      className={`dialog${wide ? ' dialog-wide' : ''}`}
      aria-labelledby={titleId}
      data-testid={testId}
      onCancel={(e) => {
        e.preventDefault();
        onClose();
      }}
    >
      {open && (
        <>
          <div className="dialog-head">
            <h2 id={titleId} className="dialog-title">
              {title}
            </h2>
            <button type="button" className="dialog-x" onClick={onClose} aria-label={t('common.close')}>
              ×
            </button>
          </div>
          <div className="dialog-body">{children}</div>
        </>
      )}
    </dialog>
  );
}

/** True while any modal dialog is open (keyboard shortcuts pause then). */
export function anyDialogOpen(): boolean {
  return document.querySelector('dialog[open]') !== null;
}
