import { createContext, type ReactNode, useCallback, useContext, useEffect, useMemo, useState } from 'react';
import { Navigate, useLocation } from 'react-router-dom';
import { ApiError, UNAUTHENTICATED_EVENT } from '../api.ts';
import { ErrorAlert, Loading } from '../components.tsx';
import { type Me, secApi } from './api.ts';
import { ChangePasswordPage } from './ChangePasswordForm.tsx';
import { LoginPage } from './LoginPage.tsx';

interface AuthValue {
  user: Me;
  can(permission: string): boolean;
  /** Re-read /api/auth/me (after a password change). */
  refresh(): Promise<void>;
  logout(): Promise<void>;
}

const AuthContext = createContext<AuthValue | null>(null);

type State = { kind: 'loading' } | { kind: 'anonymous' } | { kind: 'error'; error: unknown } | { kind: 'signedIn'; user: Me };

/**
 * Wraps the app: asks /api/auth/me; a 401 (now, or from any later request) shows the login page in
 * place of the app, keeping the URL so the user lands where they were going. A user who must change
 * their password sees only that form until they have.
 */
export function AuthProvider({ children }: { children: ReactNode }) {
  const [state, setState] = useState<State>({ kind: 'loading' });
  const { pathname, search } = useLocation();

  const refresh = useCallback(async () => {
    try {
      setState({ kind: 'signedIn', user: await secApi.me() });
    } catch (e) {
      setState(e instanceof ApiError && e.status === 401 ? { kind: 'anonymous' } : { kind: 'error', error: e });
    }
  }, []);

  useEffect(() => {
    void refresh();
    const onUnauthenticated = () => setState({ kind: 'anonymous' });
    window.addEventListener(UNAUTHENTICATED_EVENT, onUnauthenticated);
    return () => window.removeEventListener(UNAUTHENTICATED_EVENT, onUnauthenticated);
  }, [refresh]);

  const value = useMemo<AuthValue | null>(() => {
    if (state.kind !== 'signedIn') return null;
    const perms = new Set(state.user.permissions);
    return {
      user: state.user,
      can: (p) => perms.has(p),
      refresh,
      logout: async () => {
        await secApi.logout().catch(() => undefined);
        setState({ kind: 'anonymous' });
      },
    };
  }, [state, refresh]);

  if (state.kind === 'loading') return <Loading />;
  if (state.kind === 'error') {
    return (
      <section className="page narrow">
        <ErrorAlert error={state.error} onRetry={() => void refresh()} />
      </section>
    );
  }
  if (state.kind === 'anonymous' || !value) return <LoginPage onSignedIn={(user) => setState({ kind: 'signedIn', user })} />;
  if (value.user.mustChangePassword) return <ChangePasswordPage user={value.user} onChanged={refresh} onLogout={value.logout} />;
  if (pathname === '/login') {
    // /docs (served by the server, not this app) sends signed-out browsers here with ?next=/docs.
    const next = new URLSearchParams(search).get('next') ?? '';
    if (/^\/docs(\/|$)/.test(next)) {
      window.location.replace(next);
      return <Loading />;
    }
    return <Navigate to="/" replace />;
  }
  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>;
}

/** The signed-in user; only inside AuthProvider (which renders nothing else without one). */
export function useAuth(): AuthValue {
  const v = useContext(AuthContext);
  if (!v) throw new Error('useAuth outside AuthProvider');
  return v;
}
