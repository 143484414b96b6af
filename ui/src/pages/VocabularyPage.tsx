import { useSearchParams } from 'react-router-dom';
import { useTitle } from '../components.tsx';
import { ImportPanel } from '../vocabulary/ImportPanel.tsx';
import { useVocabularyStrings } from '../vocabulary/i18n.ts';
import { TermProposals } from '../vocabulary/TermProposals.tsx';
import '../vocabulary/vocabulary.css';

const TABS = ['terms', 'synonyms', 'imports'] as const;
type Tab = (typeof TABS)[number];

/** 词表: new-term and synonym proposals from extraction, and terminology imports. */
export function VocabularyPage() {
  const v = useVocabularyStrings();
  useTitle(v.t('title'));
  const [sp, setSp] = useSearchParams();
  const tab: Tab = (TABS as readonly string[]).includes(sp.get('tab') ?? '') ? (sp.get('tab') as Tab) : 'terms';
  return (
    <section className="page vocabulary-page">
      <div className="page-title-row">
        <h1 className="page-title">{v.t('title')}</h1>
      </div>
      <p className="muted lead">{v.t('lead')}</p>
      <div className="tabs" role="tablist">
        {TABS.map((x) => (
          <button key={x} type="button" role="tab" aria-selected={tab === x} className={`tab${tab === x ? ' is-active' : ''}`} onClick={() => setSp({ tab: x })} data-tab={x}>
            {v.t(`tab.${x}`)}
          </button>
        ))}
      </div>
      {tab === 'terms' && <TermProposals kind="term" />}
      {tab === 'synonyms' && <TermProposals kind="synonym" />}
      {tab === 'imports' && <ImportPanel />}
    </section>
  );
}
