import { Children, type ReactNode, useEffect, useState } from 'react';
import { Link, NavLink, Outlet, useLocation } from 'react-router-dom';
import { api, type ReadyDto } from './api.ts';
import { useInterval } from './components.tsx';
import { useConT } from './connectors/i18n.ts';
import { type Lang, useI18n } from './i18n.ts';
import { useImagingT } from './imaging/i18n.ts';
import { useLibT } from './library/i18n.ts';
import { useReportT } from './reporting/i18n.ts';
import { useAuth } from './security/auth.tsx';
import { useSecT } from './security/i18n.ts';
import { UserMenu } from './security/UserMenu.tsx';
import { useVocabularyStrings } from './vocabulary/i18n.ts';

/**
 * A group of pages under one heading (知识库, 教学, 影像与报告, 系统): a menu that opens on hover, focus or
 * click and closes on leaving, Escape or navigation. The links stay in the page (hidden), so the order of
 * the navigation is one list. A group the role has no page in is not shown; a group with one page is
 * still a menu, so the bar looks the same for every role.
 */
function NavGroup({ id, label, children }: { id: string; label: string; children: ReactNode }) {
  const [open, setOpen] = useState(false);
  const { pathname } = useLocation();
  // biome-ignore lint/correctness/useExhaustiveDependencies: close whenever the page changes
  useEffect(() => setOpen(false), [pathname]);
  const items = Children.toArray(children).filter(Boolean);
  if (items.length === 0) return null;
  return (
    // biome-ignore lint/a11y/noStaticElementInteractions: hover and Escape only mirror the button, which is the accessible control
    <div
      className={`nav-group${open ? ' open' : ''}`}
      data-nav-group={id}
      onMouseEnter={() => setOpen(true)}
      onMouseLeave={() => setOpen(false)}
      onKeyDown={(e) => e.key === 'Escape' && setOpen(false)}
    >
      <button type="button" className="nav-link nav-group-label" aria-haspopup="true" aria-expanded={open} onClick={() => setOpen((o) => !o)}>
        {label} <span aria-hidden="true">▾</span>
      </button>
      <div className="nav-menu" role="menu">
        {items}
      </div>
    </div>
  );
}

/** The shell: top navigation, readiness indicator, language switch, and the page below. */
export function Layout() {
  const { t } = useI18n();
  const { t: ts } = useSecT();
  const { t: tc } = useConT();
  const { t: ti } = useImagingT();
  const { t: tv } = useVocabularyStrings();
  const { t: tr } = useReportT();
  const { t: tl } = useLibT();
  const { can } = useAuth();
  const ready = useReady();
  const { pathname } = useLocation();
  const searchActive = pathname === '/' || pathname.startsWith('/search') || pathname.startsWith('/passage/');
  return (
    <div className="app">
      <header className="topbar">
        <div className="topbar-inner">
          <Link to="/" className="logo" aria-label="影知 YingZhi">
            <span className="logo-mark" aria-hidden="true">
              影
            </span>
            <span className="logo-text">
              <span className="logo-zh">{t('app.name')}</span>
              <span className="logo-latin">{t('app.nameLatin')}</span>
            </span>
          </Link>
          <nav className="nav" aria-label={t('nav.main')}>
            <NavLink to="/" className={() => navClass(searchActive)} data-nav="search">
              {t('nav.search')}
            </NavLink>
            <NavLink to="/chat" className={({ isActive }) => navClass(isActive)} data-nav="chat">
              {t('nav.chat')}
            </NavLink>
            <NavGroup id="knowledge" label={t('nav.group.knowledge')}>
              <NavLink to="/sources" className={({ isActive }) => navClass(isActive)} data-nav="sources">
                {t('nav.sources')}
              </NavLink>
              {can('knowledge.review') && (
                <NavLink to="/review" className={({ isActive }) => navClass(isActive)} data-nav="review">
                  {t('nav.review')}
                </NavLink>
              )}
              {can('knowledge.review') && (
                <NavLink to="/vocabulary" className={({ isActive }) => navClass(isActive)} data-nav="vocabulary">
                  {tv('nav')}
                </NavLink>
              )}
              <NavLink to="/graph" className={({ isActive }) => navClass(isActive)} data-nav="graph">
                {t('nav.graph')}
              </NavLink>
              {(can('sources.manage') || can('knowledge.review')) && (
                <NavLink to="/retrieval-test" className={({ isActive }) => navClass(isActive)} data-nav="retrieval-test">
                  {tl('rt.nav')}
                </NavLink>
              )}
              {can('sources.manage') && (
                <NavLink to="/literature" className={({ isActive }) => navClass(isActive)} data-nav="literature">
                  {t('nav.literature')}
                </NavLink>
              )}
            </NavGroup>
            <NavGroup id="cases" label={t('nav.group.cases')}>
              {can('knowledge.read') && (
                <NavLink to="/cases" end className={() => navClass(pathname === '/cases' || /^\/cases\/[^/]+\/timeline/.test(pathname))} data-nav="cases">
                  典型病例
                </NavLink>
              )}
              {can('knowledge.read') && (
                <NavLink to="/cases/compare" className={({ isActive }) => navClass(isActive)} data-nav="cases-compare">
                  病例比对
                </NavLink>
              )}
            </NavGroup>
            <NavGroup id="teaching" label={t('nav.group.teaching')}>
              {can('exam.manage') && (
                <NavLink to="/teaching" end className={({ isActive }) => navClass(isActive)} data-nav="teaching">
                  题库
                </NavLink>
              )}
              {can('exam.manage') && (
                <NavLink to="/teaching/exams" className={({ isActive }) => navClass(isActive)} data-nav="teaching-exams">
                  组卷
                </NavLink>
              )}
              {can('exam.take') && !can('exam.manage') && (
                <NavLink to="/exams" className={({ isActive }) => navClass(isActive)} data-nav="exams">
                  考试
                </NavLink>
              )}
            </NavGroup>
            <NavGroup id="imaging" label={t('nav.group.imaging')}>
              {can('report.draft') && (
                <NavLink to="/measure" className={({ isActive }) => navClass(isActive)} data-nav="measure">
                  {ti('nav.measure')}
                </NavLink>
              )}
              {can('report.draft') && (
                <NavLink to="/reports/draft" className={() => navClass(/^\/reports\/(draft|drafts)/.test(pathname))} data-nav="report-draft">
                  {tr('nav.draft')}
                </NavLink>
              )}
              {can('report.draft') && (
                <NavLink to="/reports/qc" className={({ isActive }) => navClass(isActive)} data-nav="report-qc">
                  {tr('nav.qc')}
                </NavLink>
              )}
              {can('imaging.qc') && (
                <NavLink to="/protocol-qc" className={({ isActive }) => navClass(isActive)} data-nav="protocol-qc">
                  {ti('nav.qc')}
                </NavLink>
              )}
            </NavGroup>
            <NavGroup id="system" label={t('nav.group.system')}>
              {can('sources.manage') && (
                <NavLink to="/jobs" className={({ isActive }) => navClass(isActive)} data-nav="jobs">
                  {t('nav.jobs')}
                </NavLink>
              )}
              {can('connectors.manage') && (
                <NavLink to="/connectors" className={({ isActive }) => navClass(isActive)} data-nav="connectors">
                  {tc('nav')}
                </NavLink>
              )}
              <NavLink to="/settings" className={({ isActive }) => navClass(isActive)} data-nav="settings">
                {t('nav.settings')}
              </NavLink>
              {can('admin.users') && (
                <NavLink to="/admin/users" className={({ isActive }) => navClass(isActive)} data-nav="users">
                  {ts('nav.users')}
                </NavLink>
              )}
              {can('audit.read') && (
                <NavLink to="/admin/audit" className={({ isActive }) => navClass(isActive)} data-nav="audit">
                  {ts('nav.audit')}
                </NavLink>
              )}
              {can('admin.settings') && (
                <a href="/docs" className="nav-link nav-link-ext" target="_blank" rel="noreferrer" data-nav="docs">
                  {t('nav.docs')} <span aria-hidden="true">↗</span>
                </a>
              )}
            </NavGroup>
          </nav>
          <div className="topbar-right">
            <ReadyIndicator {...ready} />
            <LangSwitch />
            <UserMenu />
          </div>
        </div>
      </header>
      <main className="main">
        <Outlet />
      </main>
      <footer className="footer">
        <ReadyDetails {...ready} />
        <span className="footer-demo">{t('footer.demo')}</span>
      </footer>
    </div>
  );
}

function navClass(isActive: boolean) {
  return `nav-link${isActive ? ' active' : ''}`;
}

export function LangSwitch() {
  const { lang, setLang, t } = useI18n();
  const options: Array<{ value: Lang; label: string }> = [
    { value: 'zh', label: '中文' },
    { value: 'en', label: 'English' },
  ];
  return (
    <fieldset className="plain segmented lang-switch">
      <legend className="sr-only">{t('lang.switch')}</legend>
      {options.map((o) => (
        <button
          key={o.value}
          type="button"
          className={lang === o.value ? 'active' : ''}
          aria-pressed={lang === o.value}
          onClick={() => setLang(o.value)}
          data-lang={o.value}
        >
          {o.label}
        </button>
      ))}
    </fieldset>
  );
}

interface ReadyState {
  ready: ReadyDto | null;
  failed: boolean;
}

/** Polls /readyz every 15 s; the header dot and the footer share the answer. */
function useReady(): ReadyState {
  const [state, setState] = useState<ReadyState>({
    ready: null,
    failed: false,
  });
  useInterval(
    async (signal) => {
      try {
        const ready = await api.ready(signal);
        setState({ ready, failed: false });
      } catch {
        if (!signal.aborted) setState((s) => ({ ready: s.ready, failed: true }));
      }
    },
    15_000,
    [],
  );
  return state;
}

function ReadyIndicator({ ready, failed }: ReadyState) {
  const { t } = useI18n();
  const { can } = useAuth();
  const tone = failed ? 'red' : !ready ? 'grey' : ready.status === 'ready' ? 'green' : 'amber';
  const label = failed ? t('status.down') : !ready ? t('status.checking') : ready.status === 'ready' ? t('status.ready') : t('status.degraded');
  const answers = ready ? (ready.llm.provider === 'none' ? t('status.llmNone') : t('status.llmOn')) : '';
  // Storage and model names mean something to whoever runs the server, not to a clinician.
  const title = ready && can('admin.settings')
    ? `${label}\n${t('status.database')}: ${ready.database.kind} (${ready.database.latencyMs} ms)\n${t('status.embedder')}: ${ready.embedder.model}\n${t('status.llm')}: ${ready.llm.provider}\n${ready.llm.note}`
    : label;
  return (
    <div className="ready" title={title} data-ready={failed ? 'down' : (ready?.status ?? 'unknown')}>
      <span className={`ready-dot ready-${tone}`} aria-hidden="true" />
      <span className="sr-only">{label}</span>
      {ready && !failed ? (
        <span className="ready-text" data-testid="ready-text">
          {t('status.answers')}: {answers}
        </span>
      ) : (
        <span className="ready-text">{label}</span>
      )}
    </div>
  );
}

function ReadyDetails({ ready }: ReadyState) {
  const { t } = useI18n();
  const { can } = useAuth();
  if (!ready) return <span className="footer-status" />;
  if (!can('admin.settings'))
    return (
      <span className="footer-status" data-testid="ready-details">
        <span>{t('status.corpusValue', { sources: ready.corpus.sources, chunks: ready.corpus.chunks })}</span>
      </span>
    );
  return (
    <span className="footer-status" data-testid="ready-details">
      <span>
        {t('status.database')}: <b>{ready.database.kind}</b>
      </span>
      <span>
        {t('status.embedder')}: <b>{ready.embedder.model}</b> ({t('status.dims', { n: ready.embedder.dims })})
      </span>
      <span>
        {t('status.llm')}: <b>{ready.llm.provider === 'none' ? t('status.llmNone') : ready.llm.provider}</b>
      </span>
      <span>
        {t('status.corpus')}:{' '}
        {t('status.corpusValue', {
          sources: ready.corpus.sources,
          chunks: ready.corpus.chunks,
        })}
      </span>
    </span>
  );
}
