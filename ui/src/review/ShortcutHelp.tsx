import { type MessageKey, useI18n } from '../i18n.ts';
import { Dialog } from '../kg/Dialog.tsx';

export const SHORTCUTS: ReadonlyArray<[string, MessageKey]> = [
  ['j', 'review.key.j'],
  ['k', 'review.key.k'],
  ['a', 'review.key.a'],
  ['e', 'review.key.e'],
  ['r', 'review.key.r'],
  ['x', 'review.key.x'],
  ['h', 'review.key.h'],
  ['?', 'review.key.help'],
  ['Esc', 'review.key.esc'],
];

export function ShortcutHelp({ open, onClose }: { open: boolean; onClose: () => void }) {
  const { t } = useI18n();
  return (
    <Dialog open={open} title={t('review.shortcuts')} onClose={onClose} testId="shortcut-help">
      <dl className="shortcuts">
        {SHORTCUTS.map(([key, label]) => (
          <div key={key} className="shortcut">
            <dt>
              <kbd>{key}</kbd>
            </dt>
            <dd>{t(label)}</dd>
          </div>
        ))}
      </dl>
    </Dialog>
  );
}
