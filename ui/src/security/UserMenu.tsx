import { useEffect, useRef, useState } from 'react';
import { Link } from 'react-router-dom';
import { Dialog } from '../kg/Dialog.tsx';
import { useAuth } from './auth.tsx';
import { ChangePasswordForm } from './ChangePasswordForm.tsx';
import { type SecKey, useSecT } from './i18n.ts';

/** Header menu: who is signed in (name, role), change password, API tokens, sign out. */
export function UserMenu() {
  const { user, logout } = useAuth();
  const { t } = useSecT();
  const [open, setOpen] = useState(false);
  const [changing, setChanging] = useState(false);
  const [notice, setNotice] = useState<{ tokens: number } | null>(null);
  const ref = useRef<HTMLDivElement>(null);

  useEffect(() => {
    if (!open) return;
    const close = (e: MouseEvent | KeyboardEvent) => {
      if (e instanceof KeyboardEvent ? e.key === 'Escape' : !ref.current?.contains(e.target as Node)) setOpen(false);
    };
    document.addEventListener('mousedown', close);
    document.addEventListener('keydown', close);
    return () => {
      document.removeEventListener('mousedown', close);
      document.removeEventListener('keydown', close);
    };
  }, [open]);

  const role = t(`role.${user.role}` as SecKey) ?? user.role;
  return (
    <div className="user-menu" ref={ref}>
      <button type="button" className="user-menu-button" aria-haspopup="menu" aria-expanded={open} aria-label={t('menu.label')} onClick={() => setOpen((o) => !o)} data-testid="user-menu">
        <span className="user-avatar" aria-hidden="true">
          {(user.displayName || user.username).slice(0, 1).toUpperCase()}
        </span>
        <span className="user-name">
          <span data-testid="user-name">{user.displayName || user.username}</span>
          <span className="user-role" data-testid="user-role">
            {role}
          </span>
        </span>
      </button>
      {open && (
        <div className="user-menu-list" role="menu">
          <div className="user-menu-head">
            <b>{user.displayName || user.username}</b>
            <span className="muted small">
              {user.username} · {role}
            </span>
          </div>
          <button type="button" role="menuitem" onClick={() => { setOpen(false); setChanging(true); }} data-testid="menu-password">
            {t('menu.changePassword')}
          </button>
          <Link to="/account/tokens" role="menuitem" onClick={() => setOpen(false)} data-testid="menu-tokens">
            {t('menu.tokens')}
          </Link>
          <button type="button" role="menuitem" onClick={() => void logout()} data-testid="menu-logout">
            {t('menu.logout')}
          </button>
        </div>
      )}
      <Dialog open={changing} title={t('menu.changePassword')} onClose={() => setChanging(false)} testId="password-dialog">
        <ChangePasswordForm
          username={user.username}
          onCancel={() => setChanging(false)}
          onDone={(r) => {
            setChanging(false);
            setNotice({ tokens: r.tokensRevoked });
          }}
        />
      </Dialog>
      {notice && (
        <div className="toast alert alert-success" role="status" onAnimationEnd={() => setNotice(null)} data-testid="password-done">
          {t('pw.done', { tokens: notice.tokens })}
        </div>
      )}
    </div>
  );
}
