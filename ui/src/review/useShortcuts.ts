import { useEffect, useRef } from 'react';
import { anyDialogOpen } from '../kg/Dialog.tsx';

/**
 * Single-key shortcuts on the page (j/k/a/e/r/x/h/?). They pause while typing in a field, while a
 * dialog is open, and with a modifier held, so they never eat a user's text or the browser's keys.
 */
export function useShortcuts(handlers: Record<string, () => void>) {
  const ref = useRef(handlers);
  ref.current = handlers;
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.ctrlKey || e.metaKey || e.altKey || e.isComposing || anyDialogOpen()) return;
      const el = e.target as HTMLElement | null;
      if (el && (el.isContentEditable || /^(TEXTAREA|SELECT)$/.test(el.tagName))) return;
      if (el instanceof HTMLInputElement && !/^(checkbox|radio|button)$/.test(el.type)) return;
      const fn = ref.current[e.key];
      if (!fn) return;
      e.preventDefault();
      fn();
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, []);
}
