import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { BrowserRouter, Link, Route, Routes } from 'react-router-dom';
import { CaseLibraryPage } from './cases/CaseLibraryPage.tsx';
import { ComparePage } from './cases/ComparePage.tsx';
import { TimelinePage } from './cases/TimelinePage.tsx';
import { useTitle } from './components.tsx';
import { I18nProvider, useI18n } from './i18n.ts';
import { MeasurePage } from './imaging/MeasurePage.tsx';
import { ProtocolQcPage } from './imaging/ProtocolQcPage.tsx';
import { Layout } from './Layout.tsx';
import { RetrievalTestPage } from './library/RetrievalTestPage.tsx';
import { ChatPage } from './pages/ChatPage.tsx';
import { ConnectorsPage } from './pages/ConnectorsPage.tsx';
import { GraphPage } from './pages/GraphPage.tsx';
import { JobsPage } from './pages/JobsPage.tsx';
import { PassagePage } from './pages/PassagePage.tsx';
import { ReviewPage } from './pages/ReviewPage.tsx';
import { SearchPage } from './pages/SearchPage.tsx';
import { SettingsPage } from './pages/SettingsPage.tsx';
import { SourceDetailPage } from './pages/SourceDetailPage.tsx';
import { SourcesPage } from './pages/SourcesPage.tsx';
import { VocabularyPage } from './pages/VocabularyPage.tsx';
import { WatchesPage } from './pages/WatchesPage.tsx';
import { DraftPage } from './reporting/DraftPage.tsx';
import { ReportQcPage } from './reporting/ReportQcPage.tsx';
import { AuditPage } from './security/AuditPage.tsx';
import { AuthProvider } from './security/auth.tsx';
import { RequirePermission } from './security/RequirePermission.tsx';
import { TokensPage } from './security/TokensPage.tsx';
import { UsersPage } from './security/UsersPage.tsx';
import { ExamsPage } from './teaching/ExamsPage.tsx';
import { MyExamsPage } from './teaching/MyExamsPage.tsx';
import { ResultsPage } from './teaching/ResultsPage.tsx';
import { TakeExamPage } from './teaching/TakeExamPage.tsx';
import { TeachingPage } from './teaching/TeachingPage.tsx';
import './styles.css';
import './knowledge.css';
import './chat.css';
import './library/library.css';

function NotFound() {
  const { t } = useI18n();
  useTitle(t('notFound.title'));
  return (
    <section className="page narrow">
      <h1>{t('notFound.title')}</h1>
      <p className="muted">{t('notFound.body')}</p>
      <Link to="/" className="btn">
        {t('notFound.home')}
      </Link>
    </section>
  );
}

function App() {
  return (
    <Routes>
      <Route element={<Layout />}>
        <Route index element={<SearchPage />} />
        <Route path="search" element={<SearchPage />} />
        <Route path="passage/:chunkId" element={<PassagePage />} />
        <Route path="sources" element={<SourcesPage />} />
        <Route path="sources/:id" element={<SourceDetailPage />} />
        <Route path="jobs" element={<RequirePermission permission="sources.manage"><JobsPage /></RequirePermission>} />
        <Route path="review" element={<RequirePermission permission="knowledge.review"><ReviewPage /></RequirePermission>} />
        <Route path="vocabulary" element={<RequirePermission permission="knowledge.review"><VocabularyPage /></RequirePermission>} />
        <Route path="teaching" element={<RequirePermission permission="exam.manage"><TeachingPage /></RequirePermission>} />
        <Route path="teaching/exams" element={<RequirePermission permission="exam.manage"><ExamsPage /></RequirePermission>} />
        <Route path="teaching/exams/:id/results" element={<RequirePermission permission="exam.manage"><ResultsPage /></RequirePermission>} />
        <Route path="exams" element={<RequirePermission permission="exam.take"><MyExamsPage /></RequirePermission>} />
        <Route path="exams/attempts/:id" element={<RequirePermission permission="exam.take"><TakeExamPage /></RequirePermission>} />
        <Route path="graph" element={<GraphPage />} />
        <Route path="cases" element={<RequirePermission permission="knowledge.read"><CaseLibraryPage /></RequirePermission>} />
        <Route path="cases/compare" element={<RequirePermission permission="knowledge.read"><ComparePage /></RequirePermission>} />
        <Route path="cases/:id/timeline" element={<RequirePermission permission="knowledge.read"><TimelinePage /></RequirePermission>} />
        <Route path="retrieval-test" element={<RequirePermission permission={['sources.manage', 'knowledge.review']}><RetrievalTestPage /></RequirePermission>} />
        <Route path="literature" element={<RequirePermission permission="sources.manage"><WatchesPage /></RequirePermission>} />
        <Route path="chat" element={<ChatPage />} />
        <Route path="connectors" element={<RequirePermission permission="connectors.manage"><ConnectorsPage /></RequirePermission>} />
        <Route path="measure" element={<RequirePermission permission="report.draft"><MeasurePage /></RequirePermission>} />
        <Route path="protocol-qc" element={<RequirePermission permission="imaging.qc"><ProtocolQcPage /></RequirePermission>} />
        <Route path="reports/draft" element={<RequirePermission permission="report.draft"><DraftPage /></RequirePermission>} />
        <Route path="reports/drafts/:id" element={<RequirePermission permission="report.draft"><DraftPage /></RequirePermission>} />
        <Route path="reports/qc" element={<RequirePermission permission="report.draft"><ReportQcPage /></RequirePermission>} />
        <Route path="settings" element={<SettingsPage />} />
        <Route path="account/tokens" element={<TokensPage />} />
        <Route path="admin/users" element={<RequirePermission permission="admin.users"><UsersPage /></RequirePermission>} />
        <Route path="admin/audit" element={<RequirePermission permission="audit.read"><AuditPage /></RequirePermission>} />
        <Route path="*" element={<NotFound />} />
      </Route>
    </Routes>
  );
}

const root = document.getElementById('root');
if (!root) throw new Error('#root missing from index.html');
createRoot(root).render(
  <StrictMode>
    <I18nProvider>
      <BrowserRouter>
        <AuthProvider>
          <App />
        </AuthProvider>
      </BrowserRouter>
    </I18nProvider>
  </StrictMode>,
);
