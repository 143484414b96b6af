import { type FormEvent, useCallback, useEffect, useState } from 'react';
import type { EntityType } from '../api.ts';
import { Badge, ErrorAlert, Loading } from '../components.tsx';
import { useI18n } from '../i18n.ts';
import { type ImportReport, VOCAB_FORMATS, type VocabFormat, type VocabImport, vocabularyApi } from './api.ts';
import { EntityTypeOptions } from './EntityTypeOptions.tsx';
import { useVocabularyStrings } from './i18n.ts';

/**
 * Terminology import: choose a file and its format, preview what it would do (counts, row errors,
 * conflicts, the first items), import it as one batch, and undo a batch from the list below.
 */
export function ImportPanel() {
  const v = useVocabularyStrings();
  const [file, setFile] = useState<File | null>(null);
  const [format, setFormat] = useState<VocabFormat>('csv');
  const [system, setSystem] = useState('');
  const [type, setType] = useState<EntityType | ''>('');
  const [report, setReport] = useState<ImportReport | null>(null);
  const [busy, setBusy] = useState<'preview' | 'apply' | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [done, setDone] = useState<string | null>(null);
  const [imports, setImports] = useState<VocabImport[] | null>(null);
  const [tick, setTick] = useState(0);
  const reload = useCallback(() => setTick((n) => n + 1), []);

  // biome-ignore lint/correctness/useExhaustiveDependencies: tick is the reload trigger
  useEffect(() => {
    const ctl = new AbortController();
    vocabularyApi
      .imports(ctl.signal)
      .then((r) => setImports(r.items))
      .catch((e) => {
        if (!ctl.signal.aborted) setError(e);
      });
    return () => ctl.abort();
  }, [tick]);

  const form = () => (file ? { file, format, system: system.trim() || undefined, type: type || undefined } : null);
  const preview = async (e: FormEvent) => {
    e.preventDefault();
    const f = form();
    if (!f) return;
    setBusy('preview');
    setError(null);
    setDone(null);
    setReport(null);
    try {
      setReport(await vocabularyApi.previewImport(f));
    } catch (err) {
      setError(err);
    } finally {
      setBusy(null);
    }
  };
  const apply = async () => {
    const f = form();
    if (!f) return;
    setBusy('apply');
    setError(null);
    try {
      const r = await vocabularyApi.applyImport(f);
      setDone(v.t('import.done', { id: r.importId ?? '' }));
      setReport(null);
      reload();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(null);
    }
  };
  const undo = async (i: VocabImport) => {
    if (!window.confirm(v.t('imports.confirmUndo', { file: i.fileName }))) return;
    setError(null);
    try {
      await vocabularyApi.undoImport(i.id);
      reload();
    } catch (err) {
      setError(err);
    }
  };
  const writable = report ? report.counts.create + report.counts.link : 0;

  return (
    <div className="import-panel">
      <form className="card import-form" onSubmit={preview} data-testid="import-form">
        <label className="field">
          <span>{v.t('import.file')}</span>
          <input type="file" accept=".csv,.txt,.tsv,.ttl,.rdf,.owl,.xml,.nt" onChange={(e) => setFile(e.target.files?.[0] ?? null)} data-testid="import-file" />
        </label>
        <label className="field">
          <span>{v.t('import.format')}</span>
          <select className="input" value={format} onChange={(e) => setFormat(e.target.value as VocabFormat)} data-testid="import-format">
            {VOCAB_FORMATS.map((f) => (
              <option key={f} value={f}>
                {v.t(`import.format.${f}`)}
              </option>
            ))}
          </select>
        </label>
        {(format === 'csv' || format === 'skos') && (
          <label className="field">
            <span>{v.t('import.system')}</span>
            <input className="input" value={system} maxLength={40} placeholder={format === 'skos' ? 'radlex' : 'local'} onChange={(e) => setSystem(e.target.value)} data-testid="import-system" />
          </label>
        )}
        <label className="field">
          <span>{v.t('import.type')}</span>
          <select className="input" value={type} onChange={(e) => setType(e.target.value as EntityType | '')} data-testid="import-type">
            <option value="">{v.t('import.typeGuess')}</option>
            <EntityTypeOptions />
          </select>
        </label>
        <div className="dialog-actions">
          <button type="submit" className="btn" disabled={!file || busy !== null} data-testid="import-preview">
            {v.t('import.preview')}
          </button>
        </div>
        <p className="small muted">{v.t('import.nothingWritten')}</p>
      </form>
      {busy === 'preview' && <Loading label={v.t('import.previewing')} />}
      {error ? <ErrorAlert error={error} /> : null}
      {done && (
        <div className="alert alert-success" role="status" data-testid="import-done">
          {done}
        </div>
      )}
      {report && <ReportView report={report} writable={writable} busy={busy === 'apply'} onApply={apply} />}
      <div className="card">
        <h2 className="panel-heading">{v.t('imports.title')}</h2>
        {!imports ? (
          <Loading />
        ) : imports.length === 0 ? (
          <p className="muted">{v.t('imports.empty')}</p>
        ) : (
          <table className="table" data-testid="imports-table">
            <tbody>
              {imports.map((i) => (
                <tr key={i.id} data-import-id={i.id} data-status={i.status}>
                  <td>
                    <Badge tone={i.status === 'applied' ? 'green' : 'grey'}>{v.t(i.status === 'applied' ? 'imports.applied' : 'imports.undone')}</Badge>
                  </td>
                  <td>
                    {i.fileName} <span className="muted small">[{i.format}, {i.codeSystem}]</span>
                  </td>
                  <td className="small">{v.t('imports.summary', { create: i.summary.create, link: i.summary.link, aliases: i.summary.aliases, codes: i.summary.codes })}</td>
                  <td className="small muted">
                    {i.actor} · {new Date(i.createdAt).toLocaleString()}
                  </td>
                  <td>
                    {i.status === 'applied' && (
                      <button type="button" className="btn btn-small btn-danger" onClick={() => void undo(i)} data-action="undo">
                        {v.t('imports.undo')}
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </div>
    </div>
  );
}

function ReportView({ report, writable, busy, onApply }: { report: ImportReport; writable: number; busy: boolean; onApply: () => void }) {
  const v = useVocabularyStrings();
  const { t } = useI18n();
  const c = report.counts;
  return (
    <div className="card import-report" data-testid="import-report" data-errors={c.errors} data-create={c.create} data-link={c.link} data-conflicts={c.conflicts}>
      <p>
        <strong>{report.fileName}</strong> <span className="muted small">[{report.format}, {report.codeSystem}] sha256 {report.sha256.slice(0, 12)}…</span>
      </p>
      <p data-testid="import-counts">{v.t('import.counts', c)}</p>
      <IssueList open className="import-issues import-errors" title={v.t('import.errors', { n: c.errors })} items={report.errors.map((e) => ({ line: e.line, text: `${e.field ? `[${e.field}] ` : ''}${e.message}` }))} />
      <IssueList className="import-issues" title={v.t('import.conflicts', { n: c.conflicts })} items={report.conflicts.map((x) => ({ line: x.line, text: x.message }))} />
      <IssueList className="import-issues" title={v.t('import.warnings', { n: c.warnings })} items={report.warnings.map((w) => ({ line: w.line, text: w.message }))} />
      {report.sample.length > 0 && (
        <>
          <h3 className="panel-heading">{v.t('import.sample')}</h3>
          <table className="table small" data-testid="import-sample">
            <tbody>
              {report.sample.map((s) => (
                <tr key={`${s.line}-${s.entityId}`}>
                  <td>{s.action === 'create' ? '+' : '~'}</td>
                  <td>{s.nameZh}</td>
                  <td className="muted">{s.nameEn}</td>
                  <td>{t(`entityType.${s.type}`)}</td>
                  <td className="muted">{s.code ? `${s.code.system}:${s.code.code}` : ''}</td>
                  <td className="muted">{s.surfaces.join('、')}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
      <div className="dialog-actions">
        <button type="button" className="btn btn-primary" disabled={busy || c.errors > 0 || writable === 0} onClick={onApply} data-testid="import-apply">
          {v.t('import.apply', { n: writable })}
        </button>
      </div>
    </div>
  );
}

/** Row issues of a preview (errors, conflicts or warnings), folded under their count; nothing when there are none. */
function IssueList({ title, items, className, open }: { title: string; items: { line: number; text: string }[]; className: string; open?: boolean }) {
  const v = useVocabularyStrings();
  if (items.length === 0) return null;
  return (
    <details open={open} className={className}>
      <summary>{title}</summary>
      <ul className="small">
        {items.map((it) => (
          <li key={`${it.line}-${it.text}`}>
            {v.t('import.line', { n: it.line })}: {it.text}
          </li>
        ))}
      </ul>
    </details>
  );
}
