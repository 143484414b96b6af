import type { ReactNode } from 'react';
import { Link } from 'react-router-dom';
import { useTitle } from '../components.tsx';
import { useAuth } from './auth.tsx';
import { type SecKey, useSecT } from './i18n.ts';
import { permissionName } from './labels.ts';

/** Renders the page only with the permission (any of them, given several); otherwise a 403 page naming what is missing. */
export function RequirePermission({ permission, children }: { permission: string | readonly string[]; children: ReactNode }) {
  const { can } = useAuth();
  const any = typeof permission === 'string' ? [permission] : permission;
  return any.some((p) => can(p)) ? children : <Forbidden permission={any} />;
}

export function Forbidden({ permission }: { permission: readonly string[] }) {
  const { user } = useAuth();
  const { t, lang } = useSecT();
  useTitle(t('forbidden.title'));
  return (
    <section className="page narrow forbidden" data-testid="forbidden">
      <p className="forbidden-code">403</p>
      <h1>{t('forbidden.title')}</h1>
      <p className="muted">{t('forbidden.body', { role: t(`role.${user.role}` as SecKey) ?? user.role, permission: permission.map((p) => permissionName(p, lang)).join(' / ') })}</p>
      <Link to="/" className="btn">
        {t('forbidden.home')}
      </Link>
    </section>
  );
}
