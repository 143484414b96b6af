import { type FormEvent, useCallback, useEffect, useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router-dom';
import { Badge, ErrorAlert, Loading, useTitle } from '../components.tsx';
import { type AiResultRow, type Draft, type DraftBody, type DraftSummary, type MeasurementResult, type MeasurementSummary, type QcResult, type ReportValues, reportsApi, type TemplateSummary } from './api.ts';
import { DraftEditor } from './DraftEditor.tsx';
import { HighlightedValues } from './highlight.tsx';
import { type ReportKey, useReportT } from './i18n.ts';
import { PushPanel } from './PushPanel.tsx';
import './reporting.css';

type Mode = 'measurement' | 'ai' | 'values';
type Form = Record<string, string>;

const NUMERIC = ['longMm', 'shortMm', 'volumeCm3', 'meanHu', 'solidMm'] as const;
const CHOICES: Record<string, readonly string[]> = {
  findingType: ['lung_nodule', 'liver_lesion', 'lesion_volume'],
  nodeType: ['solid', 'part_solid', 'ground_glass'],
  side: ['right', 'left'],
  lobe: ['upper', 'middle', 'lower'],
  margin: ['clear', 'fairly_clear', 'ill_defined'],
  contour: ['regular', 'lobulated', 'spiculated', 'irregular'],
};
const PREFIX: Record<string, string> = { findingType: 'ft', nodeType: 'nt', side: 'side', lobe: 'lobe', margin: 'margin', contour: 'contour' };

/** Values typed in the form (empty fields left out, numbers parsed). */
function valuesOf(form: Form, mode: Mode): Partial<ReportValues> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(form)) {
    if (!v.trim()) continue;
    if (mode !== 'values' && (NUMERIC as readonly string[]).includes(k)) continue;
    out[k] = (NUMERIC as readonly string[]).includes(k) ? Number(v) : v.trim();
  }
  return out as Partial<ReportValues>;
}

/** 报告草稿: pick a measurement (or type values), see the draft with its values and sources, copy, export. */
export function DraftPage() {
  const { t, dateTime } = useReportT();
  useTitle(t('draft.title'));
  const { id } = useParams();
  const navigate = useNavigate();
  const [mode, setMode] = useState<Mode>('values');
  const [form, setForm] = useState<Form>({ findingType: 'lung_nodule', nodeType: 'ground_glass', side: 'right', lobe: 'upper', segment: 'S1' });
  const [rewrite, setRewrite] = useState(true);
  const [templateList, setTemplateList] = useState<TemplateSummary[]>([]);
  // '' = the finding type's default template.
  const [templateId, setTemplateId] = useState('');
  const templateChoices = templateList.filter((x) => x.findingType === form.findingType);
  const [measurements, setMeasurements] = useState<MeasurementSummary[] | null>(null);
  const [measurementId, setMeasurementId] = useState('');
  const [measurement, setMeasurement] = useState<MeasurementResult | null>(null);
  const [lesion, setLesion] = useState('');
  const [aiResults, setAiResults] = useState<AiResultRow[] | null>(null);
  const [aiResultId, setAiResultId] = useState('');
  const [findingIndex, setFindingIndex] = useState(0);
  const aiResult = aiResults?.find((r) => r.id === aiResultId) ?? null;
  const [draft, setDraft] = useState<Draft | null>(null);
  const [qc, setQc] = useState<QcResult | null>(null);
  const [history, setHistory] = useState<DraftSummary[] | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [copied, setCopied] = useState<'ok' | 'failed' | null>(null);

  const show = useCallback(async (d: Draft) => {
    setDraft(d);
    setCopied(null);
    setQc(await reportsApi.qc(d.text, d.templateId).catch(() => null));
  }, []);
  const loadHistory = useCallback((signal?: AbortSignal) => reportsApi.list({ limit: 15 }, signal).then((r) => setHistory(r.items), () => undefined), []);
  useEffect(() => {
    const ctl = new AbortController();
    loadHistory(ctl.signal);
    reportsApi.measurements(ctl.signal).then((r) => setMeasurements(r.items), () => setMeasurements([]));
    reportsApi.aiResults(ctl.signal).then((r) => setAiResults(r.items), () => setAiResults([]));
    reportsApi.templates(ctl.signal).then((r) => setTemplateList(r.items), () => setTemplateList([]));
    return () => ctl.abort();
  }, [loadHistory]);
  // A template chosen for another finding type does not carry over.
  useEffect(() => {
    if (templateId && !templateList.some((x) => x.id === templateId && x.findingType === form.findingType)) setTemplateId('');
  }, [form.findingType, templateId, templateList]);
  // The provenance URL /reports/drafts/:id reopens a stored draft.
  useEffect(() => {
    if (!id) return;
    const ctl = new AbortController();
    reportsApi.get(id, ctl.signal).then(show, (e) => !ctl.signal.aborted && setError(e));
    return () => ctl.abort();
  }, [id, show]);
  useEffect(() => {
    if (!measurementId) return setMeasurement(null);
    const ctl = new AbortController();
    reportsApi.measurement(measurementId, ctl.signal).then((r) => {
      setMeasurement(r.measurement);
      setLesion(r.measurement.lesions[0]?.ref ?? '');
    }, (e) => !ctl.signal.aborted && setError(e));
    return () => ctl.abort();
  }, [measurementId]);


  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const body: DraftBody = { values: valuesOf(form, mode), rewrite };
    if (templateId) body.templateId = templateId;
    if (mode === 'measurement') {
      body.measurementId = measurementId;
      body.lesion = lesion || undefined;
    }
    if (mode === 'ai') {
      body.aiResultId = aiResultId;
      body.findingIndex = findingIndex;
    }
    setBusy(true);
    setError(null);
    try {
      const d = await reportsApi.draft(body);
      await show(d);
      navigate(`/reports/drafts/${d.id}`, { replace: false });
      loadHistory();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  const copy = async () => {
    if (!draft) return;
    const url = `${location.origin}${draft.provenanceUrl}`;
    const plain = `${draft.text}\n\n${t('draft.provenance')}: ${url}`;
    const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
    const html = `<div><p><b>${esc(t('draft.findings'))}：</b>${esc(draft.findings)}</p><p><b>${esc(t('draft.impression'))}：</b>${esc(draft.impression)}</p>${draft.followUpText ? `<p>${esc(draft.followUpText)}</p>` : ''}<p><a href="${esc(url)}">${esc(draft.id)}</a></p></div>`;
    try {
      if (typeof ClipboardItem !== 'undefined' && navigator.clipboard?.write) {
        await navigator.clipboard.write([new ClipboardItem({ 'text/plain': new Blob([plain], { type: 'text/plain' }), 'text/html': new Blob([html], { type: 'text/html' }) })]);
      } else await navigator.clipboard.writeText(plain);
      setCopied('ok');
    } catch {
      setCopied('failed');
    }
  };

  const set = (k: string) => (e: { target: { value: string } }) => setForm((f) => ({ ...f, [k]: e.target.value }));
  const choice = (k: string, label: ReportKey, optional = true) => (
    <label className="field" key={k}>
      <span className="field-label">{t(label)}</span>
      <select name={k} value={form[k] ?? ''} onChange={set(k)}>
        {optional && <option value="">—</option>}
        {CHOICES[k].map((c) => (
          <option key={c} value={c}>
            {t(`${PREFIX[k]}.${c}` as ReportKey)}
          </option>
        ))}
      </select>
    </label>
  );
  const num = (k: string, label: ReportKey) => (
    <label className="field" key={k}>
      <span className="field-label">{t(label)}</span>
      <input className="input" name={k} type="number" step="any" value={form[k] ?? ''} onChange={set(k)} />
    </label>
  );

  return (
    <section className="page report-page">
      <div className="page-title-row">
        <h1 className="page-title">{t('draft.title')}</h1>
      </div>
      <p className="muted lead">{t('draft.lead')}</p>
      <div className="report-grid">
        <div>
          <form className="card report-form" onSubmit={submit} data-testid="draft-form">
            <div className="segmented">
              <button
                type="button"
                className={mode === 'measurement' ? 'active' : ''}
                // The density type comes from the measurement's solid component unless the user picks one.
                onClick={() => {
                  setMode('measurement');
                  setForm((f) => ({ ...f, nodeType: '' }));
                }}
                data-mode="measurement"
              >
                {t('draft.fromMeasurement')}
              </button>
              <button
                type="button"
                className={mode === 'ai' ? 'active' : ''}
                // Side, lobe, segment and density come from the AI finding unless the user picks them (a typed value wins).
                onClick={() => {
                  setMode('ai');
                  setForm((f) => ({ findingType: f.findingType }));
                }}
                data-mode="ai"
              >
                {t('draft.fromAi')}
              </button>
              <button type="button" className={mode === 'values' ? 'active' : ''} onClick={() => setMode('values')} data-mode="values">
                {t('draft.fromValues')}
              </button>
            </div>
            {mode === 'measurement' && (
              <div className="field-row">
                <label className="field">
                  <span className="field-label">{t('draft.measurement')}</span>
                  <select name="measurementId" value={measurementId} onChange={(e) => setMeasurementId(e.target.value)}>
                    <option value="">{measurements?.length === 0 ? t('draft.noMeasurements') : t('draft.choose')}</option>
                    {measurements?.map((m) => (
                      <option key={m.id} value={m.id}>
                        {m.modality} · {m.lesionCount} · {dateTime(m.createdAt)} · {m.id.slice(0, 12)}
                      </option>
                    ))}
                  </select>
                </label>
                {measurement && (
                  <label className="field">
                    <span className="field-label">{t('draft.lesion')}</span>
                    <select name="lesion" value={lesion} onChange={(e) => setLesion(e.target.value)}>
                      {measurement.lesions.map((l) => (
                        <option key={l.ref} value={l.ref}>
                          {l.ref}
                          {l.labelName ? ` ${l.labelName}` : ''} · {l.axial.longAxis.lengthMm.toFixed(1)}mm · {l.volumeCm3.toFixed(2)}cm³
                        </option>
                      ))}
                    </select>
                  </label>
                )}
              </div>
            )}
            {mode === 'ai' && (
              <div className="field-row">
                <label className="field">
                  <span className="field-label">{t('draft.aiResult')}</span>
                  <select
                    name="aiResultId"
                    value={aiResultId}
                    onChange={(e) => {
                      setAiResultId(e.target.value);
                      const first = aiResults?.find((r) => r.id === e.target.value)?.findings.findIndex((f) => f.kind === 'lesion') ?? 0;
                      setFindingIndex(Math.max(0, first));
                    }}
                  >
                    <option value="">{aiResults?.length === 0 ? t('draft.noAiResults') : t('draft.choose')}</option>
                    {aiResults?.map((r) => (
                      <option key={r.id} value={r.id}>
                        {r.model ?? r.task} · {r.findings.length} · {dateTime(r.createdAt)} · {r.studyUid.slice(-10)}
                      </option>
                    ))}
                  </select>
                </label>
                {aiResult && (
                  <label className="field">
                    <span className="field-label">{t('draft.aiFinding')}</span>
                    <select name="findingIndex" value={findingIndex} onChange={(e) => setFindingIndex(Number(e.target.value))}>
                      {aiResult.findings.map((f, i) => (
                        // biome-ignore lint/suspicious/noArrayIndexKey: the finding's index is what the draft cites
                        <option key={i} value={i}>
                          #{i} {f.entity?.nameZh ?? f.label}
                          {f.location ? ` · ${f.location.nameZh}` : ''}
                          {f.segment ? ` ${f.segment.code}` : ''}
                          {f.sizeMm ? ` · ${f.sizeMm.long}mm` : ''}
                        </option>
                      ))}
                    </select>
                  </label>
                )}
              </div>
            )}
            <div className="field-row">
              {choice('findingType', 'draft.findingType', false)}
              {form.findingType === 'lung_nodule' && choice('nodeType', 'draft.nodeType')}
              {choice('side', 'draft.side')}
              {form.findingType === 'lung_nodule' && choice('lobe', 'draft.lobe')}
              <label className="field">
                <span className="field-label">{t('draft.segment')}</span>
                <input className="input" name="segment" value={form.segment ?? ''} onChange={set('segment')} />
              </label>
              {form.findingType === 'lesion_volume' && (
                <label className="field">
                  <span className="field-label">{t('draft.organ')}</span>
                  <input className="input" name="organ" value={form.organ ?? ''} onChange={set('organ')} />
                </label>
              )}
            </div>
            {templateChoices.length > 1 && (
              <div className="field-row">
                <label className="field wide">
                  <span className="field-label">{t('draft.templateChoice')}</span>
                  <select name="templateId" value={templateId} onChange={(e) => setTemplateId(e.target.value)}>
                    {templateChoices.map((x) => (
                      <option key={x.id} value={x.default ? '' : x.id}>
                        {x.title}
                        {x.default ? t('draft.templateDefault') : ''} · v{x.version}
                      </option>
                    ))}
                  </select>
                </label>
              </div>
            )}
            {mode === 'values' && (
              <div className="field-row">
                {num('longMm', 'draft.long')}
                {num('shortMm', 'draft.short')}
                {num('volumeCm3', 'draft.volume')}
                {num('meanHu', 'draft.hu')}
                {form.nodeType === 'part_solid' && num('solidMm', 'draft.solid')}
                {choice('margin', 'draft.margin')}
                {choice('contour', 'draft.contour')}
              </div>
            )}
            <label className="check">
              <input type="checkbox" checked={rewrite} onChange={(e) => setRewrite(e.target.checked)} name="rewrite" /> {t('draft.rewrite')}
            </label>
            <div className="form-actions">
              <button type="submit" className="btn btn-primary" disabled={busy || (mode === 'measurement' && !measurementId) || (mode === 'ai' && !aiResultId)} data-testid="draft-submit">
                {busy ? t('draft.working') : t('draft.submit')}
              </button>
            </div>
          </form>
          <div className="card recent-card">
            <h2 className="card-title">{t('draft.history')}</h2>
            {!history && <Loading />}
            {history?.length === 0 && <p className="muted">{t('draft.historyEmpty')}</p>}
            <ul className="recent-list" data-testid="draft-history">
              {history?.map((h) => (
                <li key={h.id} className={draft?.id === h.id ? 'active' : ''}>
                  <Link to={`/reports/drafts/${h.id}`}>{h.impression.slice(0, 40)}</Link> <span className="muted small">{dateTime(h.createdAt)}</span>
                </li>
              ))}
            </ul>
          </div>
        </div>
        <div>
          {error ? <ErrorAlert error={error} /> : null}
          {draft && (
            <DraftView
              key={draft.id}
              draft={draft}
              qc={qc}
              copied={copied}
              onCopy={copy}
              onRevised={async (d) => {
                await show(d);
                navigate(`/reports/drafts/${d.id}`);
                loadHistory();
              }}
            />
          )}
        </div>
      </div>
    </section>
  );
}

function DraftView({ draft, qc, copied, onCopy, onRevised }: { draft: Draft; qc: QcResult | null; copied: 'ok' | 'failed' | null; onCopy: () => void; onRevised: (d: Draft) => void }) {
  const { t, say } = useReportT();
  const [editing, setEditing] = useState(false);
  return (
    <div className="card" data-testid="draft-result" data-engine={draft.engine}>
      <div className="card-head">
        <h2 className="card-title">
          <Badge tone={draft.engine === 'llm' ? 'purple' : 'blue'}>{t(`draft.engine.${draft.engine}` as ReportKey)}</Badge>
        </h2>
        <span className="card-head-right muted small" data-testid="engine-note">
          {say(draft.engineNote)}
        </span>
      </div>
      {draft.llm.status === 'rejected' && (
        <div className="alert alert-warn" data-testid="guard-rejected">
          <div className="alert-title">{t('draft.rejected')}</div>
          <ul>
            {draft.llm.issues.map((i) => (
              <li key={i.message}>{say(i.message)}</li>
            ))}
          </ul>
          {draft.llm.candidate && (
            <p className="small muted">
              {t('draft.rejectedText')}：{draft.llm.candidate.findings}
            </p>
          )}
        </div>
      )}
      {draft.revision && (
        <p className="small muted" data-testid="revises">
          {t('edit.revises')} <Link to={`/reports/drafts/${draft.revision.of}`}>{draft.revision.of}</Link>
        </p>
      )}
      {draft.revision && !draft.revision.guard.ok && (
        <div className="alert alert-warn" data-testid="edit-guard">
          <div className="alert-title">{t('edit.guard')}</div>
          <ul>
            {draft.revision.guard.issues.map((i) => (
              <li key={i.message}>{say(i.message)}</li>
            ))}
          </ul>
        </div>
      )}
      {editing ? (
        <DraftEditor draft={draft} onSaved={onRevised} onCancel={() => setEditing(false)} />
      ) : (
        <>
          <div className="report-section">
            <h3>{t('draft.findings')}</h3>
            <p className="report-text" data-testid="draft-findings">
              <HighlightedValues text={draft.findings} values={draft.renderedValues} />
            </p>
          </div>
          <div className="report-section">
            <h3>{t('draft.impression')}</h3>
            <p className="report-text" data-testid="draft-impression">
              <HighlightedValues text={draft.impression} values={draft.renderedValues} />
            </p>
          </div>
          {draft.followUpText && (
            <div className="report-section">
              <h3>{t('draft.followUp')}</h3>
              <p className="report-text" data-testid="draft-followup">
                {draft.followUpText}
              </p>
            </div>
          )}
        </>
      )}
      <p className="small" data-testid="draft-qc">
        {qc && (qc.flags.length === 0 ? <Badge tone="green">{t('draft.qcClean')}</Badge> : <Badge tone="amber">{t('draft.qcFlags', { n: qc.flags.length })}</Badge>)}
      </p>
      <div className="report-actions">
        <button type="button" className="btn btn-primary" onClick={onCopy} data-testid="copy">
          {t('draft.copy')}
        </button>
        {!editing && (
          <button type="button" className="btn btn-small" onClick={() => setEditing(true)} data-testid="edit-open">
            {t('edit.open')}
          </button>
        )}
        {(['text', 'fhir', 'hl7'] as const).map((f) => (
          <a key={f} className="btn btn-small" href={reportsApi.exportUrl(draft.id, f)} download={`${draft.id}.${f === 'fhir' ? 'json' : f === 'hl7' ? 'hl7' : 'txt'}`} data-export={f}>
            {t('draft.export')} {f === 'text' ? 'TXT' : f === 'fhir' ? 'FHIR R4' : 'HL7 ORU'}
          </a>
        ))}
        {copied && (
          <span className={copied === 'ok' ? 'muted' : 'cell-error'} data-testid="copy-status">
            {copied === 'ok' ? t('draft.copied') : t('draft.copyFailed')}
          </span>
        )}
      </div>
      <PushPanel key={draft.id} draftId={draft.id} />
      <div className="report-meta">
        <span>
          {t('draft.provenance')}: <Link to={draft.provenanceUrl} data-testid="provenance">{draft.id}</Link>
        </span>
        <span>
          {t('draft.template')}: {draft.templateId}@{draft.templateVersion}
        </span>
      </div>
      <h3 className="section-title small">{t('draft.values')}</h3>
      <div className="table-wrap">
        <table className="table" data-testid="value-table">
          <thead>
            <tr>
              <th>{t('draft.slot')}</th>
              <th>{t('draft.text')}</th>
              <th>{t('draft.source')}</th>
            </tr>
          </thead>
          <tbody>
            {draft.renderedValues.map((v) => (
              <tr key={v.slot} data-slot={v.slot}>
                <td>{v.slot}</td>
                <td>{v.text}</td>
                <td>
                  <Badge tone="grey">{t(`src.${v.source.kind}` as ReportKey)}</Badge> <span className="mono small">{v.source.ref}</span>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}
