import type { ReactNode } from 'react';
import { LangSwitch } from '../Layout.tsx';
import './security.css';

/** The frame of the pages shown before the app (sign-in, forced password change): logo, card, language switch. */
export function AuthShell({ title, lead, children }: { title: string; lead?: string; children: ReactNode }) {
  return (
    <div className="auth-screen">
      <div className="auth-card card">
        <div className="auth-brand">
          <span className="logo-mark" aria-hidden="true">
            影
          </span>
          <span className="logo-text">
            <span className="logo-zh">影知</span>
            <span className="logo-latin">YingZhi</span>
          </span>
          <span className="auth-lang">
            <LangSwitch />
          </span>
        </div>
        <h1 className="auth-title">{title}</h1>
        {lead && <p className="muted">{lead}</p>}
        {children}
      </div>
    </div>
  );
}
