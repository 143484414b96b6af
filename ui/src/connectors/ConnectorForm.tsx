import { type FormEvent, useState } from 'react';
import { ErrorAlert } from '../components.tsx';
import type { Connector, ConnectorDraft, ConnectorKind } from './api.ts';
import { type ConKey, useConT } from './i18n.ts';

interface FieldSpec {
  name: string;
  type: 'text' | 'url' | 'number' | 'select' | 'secret' | 'pem';
  options?: readonly string[];
  required?: boolean;
  placeholder?: string;
  /** Shown only when this returns true for the current values. */
  when?: (v: Record<string, string>) => boolean;
}

const KINDS: readonly ConnectorKind[] = ['ris', 'pacs', 'imaging_ai', 'research_db', 'llm'];

/** A database is given as fields (never a connection URL); TLS verification takes the CA as PEM text. */
const dbFields = (when?: (v: Record<string, string>) => boolean): FieldSpec[] => [
  { name: 'driver', type: 'select', options: ['postgresql', 'mysql'], when },
  { name: 'host', type: 'text', required: true, placeholder: 'db.hospital.local', when },
  { name: 'port', type: 'number', required: true, placeholder: '5432', when },
  { name: 'database', type: 'text', required: true, when },
  { name: 'user', type: 'text', required: true, when },
  { name: 'password', type: 'secret', when },
  { name: 'tlsMode', type: 'select', options: ['disable', 'require', 'verify-full'], when },
  { name: 'tlsCa', type: 'pem', placeholder: '-----BEGIN CERTIFICATE-----', when: (v) => (when ? when(v) : true) && v.tlsMode === 'verify-full' },
];

/** The config fields of each kind (mirrors connectors/connector.schema.ts; the server validates). */
const FIELDS: Record<ConnectorKind, readonly FieldSpec[]> = {
  ris: [
    { name: 'mode', type: 'select', options: ['rest', 'hl7-mllp', 'database'] },
    { name: 'url', type: 'url', required: true, placeholder: 'http://ris.hospital.local/api/health', when: (v) => v.mode === 'rest' },
    { name: 'host', type: 'text', required: true, placeholder: 'ris.hospital.local', when: (v) => v.mode === 'hl7-mllp' },
    { name: 'port', type: 'number', required: true, placeholder: '2575', when: (v) => v.mode === 'hl7-mllp' },
    ...dbFields((v) => v.mode === 'database'),
  ],
  pacs: [
    { name: 'qidoUrl', type: 'url', required: true, placeholder: 'http://pacs.local/dicom-web' },
    { name: 'wadoUrl', type: 'url', required: true, placeholder: 'http://pacs.local/dicom-web' },
    { name: 'authType', type: 'select', options: ['none', 'basic', 'bearer'] },
    { name: 'username', type: 'text', when: (v) => v.authType === 'basic' },
    { name: 'secret', type: 'secret', when: (v) => v.authType === 'basic' || v.authType === 'bearer' },
  ],
  imaging_ai: [
    { name: 'url', type: 'url', required: true, placeholder: 'http://ai.local/health' },
    { name: 'apiKey', type: 'secret' },
  ],
  research_db: dbFields(),
  llm: [
    { name: 'provider', type: 'select', options: ['ollama', 'openai'] },
    { name: 'url', type: 'url', required: true, placeholder: 'http://127.0.0.1:11434' },
    { name: 'model', type: 'text', required: true, placeholder: 'qwen2.5:7b' },
    { name: 'apiKey', type: 'secret' },
  ],
};

const DEFAULTS: Record<string, string> = { mode: 'rest', authType: 'none', driver: 'postgresql', provider: 'ollama', port: '', tlsMode: 'disable' };

function initialValues(c?: Connector): Record<string, string> {
  const v: Record<string, string> = { ...DEFAULTS };
  for (const [k, x] of Object.entries(c?.config ?? {})) if (x !== null && x !== undefined) v[k] = String(x);
  return v;
}

/**
 * Add or change a connector. Secret fields are write-only: they start empty; on an existing
 * connector an empty secret keeps the stored one (while the address stays the same — a new address
 * needs the secret typed again) and "clear" removes it.
 */
export function ConnectorForm({ initial, onSave, onCancel }: { initial?: Connector; onSave: (d: ConnectorDraft) => Promise<void>; onCancel: () => void }) {
  const { t } = useConT();
  const [name, setName] = useState(initial?.name ?? '');
  const [kind, setKind] = useState<ConnectorKind>(initial?.kind ?? 'pacs');
  const [enabled, setEnabled] = useState(initial?.enabled ?? true);
  const [values, setValues] = useState<Record<string, string>>(() => initialValues(initial));
  const [clear, setClear] = useState<Record<string, boolean>>({});
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const stored = new Set(initial && initial.kind === kind ? initial.secretFields : []);
  const visible = FIELDS[kind].filter((f) => !f.when || f.when(values));
  const set = (k: string, x: string) => setValues((v) => ({ ...v, [k]: x }));

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    const config: Record<string, unknown> = {};
    for (const f of visible) {
      const x = values[f.name] ?? '';
      if (f.type === 'secret') {
        if (clear[f.name]) config[f.name] = null;
        else if (x) config[f.name] = x;
      } else if (f.type === 'number') config[f.name] = x === '' ? undefined : Number(x);
      else if (f.type === 'pem') config[f.name] = x.trim() === '' ? null : x;
      else if (x !== '' || f.required) config[f.name] = x;
    }
    try {
      await onSave({ name, kind, enabled, config });
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="card con-form" onSubmit={submit} data-testid="connector-form">
      <div className="con-form-grid">
        <label className="field">
          <span className="field-label">{t('field.name')}</span>
          <input className="input" name="name" value={name} onChange={(e) => setName(e.target.value)} required maxLength={100} />
        </label>
        <label className="field">
          <span className="field-label">{t('field.kind')}</span>
          <select className="input" name="kind" value={kind} onChange={(e) => setKind(e.target.value as ConnectorKind)}>
            {KINDS.map((k) => (
              <option key={k} value={k}>
                {t(`kind.${k}` as ConKey)}
              </option>
            ))}
          </select>
        </label>
        {visible.map((f) => (
          <div key={f.name} className={`field${f.type === 'url' || f.type === 'pem' ? ' wide' : ''}`}>
            <label className="field-label" htmlFor={`con-${f.name}`}>
              {t(`field.${f.name}` as ConKey)}
            </label>
            {f.type === 'select' ? (
              <select id={`con-${f.name}`} className="input" name={f.name} value={values[f.name] ?? ''} onChange={(e) => set(f.name, e.target.value)}>
                {f.options?.map((o) => (
                  <option key={o} value={o}>
                    {o}
                  </option>
                ))}
              </select>
            ) : f.type === 'pem' ? (
              <textarea
                id={`con-${f.name}`}
                className="input mono con-pem"
                name={f.name}
                rows={4}
                value={values[f.name] ?? ''}
                onChange={(e) => set(f.name, e.target.value)}
                placeholder={f.placeholder}
              />
            ) : f.type === 'secret' ? (
              <>
                <input
                  id={`con-${f.name}`}
                  className="input mono"
                  name={f.name}
                  type="password"
                  autoComplete="new-password"
                  value={values[f.name] ?? ''}
                  onChange={(e) => set(f.name, e.target.value)}
                  disabled={clear[f.name]}
                  placeholder={stored.has(f.name) ? t('secretSet') : (f.placeholder ?? '')}
                />
                <span className="muted small con-secret-note">
                  {t('secretWriteOnly')}
                  {stored.has(f.name) && (
                    <label className="check">
                      <input type="checkbox" name={`${f.name}-clear`} checked={Boolean(clear[f.name])} onChange={(e) => setClear((c) => ({ ...c, [f.name]: e.target.checked }))} /> {t('secretClear')}
                    </label>
                  )}
                </span>
              </>
            ) : (
              <input
                id={`con-${f.name}`}
                className={`input${f.type === 'url' ? ' mono' : ''}`}
                name={f.name}
                type={f.type === 'number' ? 'number' : 'text'}
                value={values[f.name] ?? ''}
                onChange={(e) => set(f.name, e.target.value)}
                required={f.required}
                placeholder={f.placeholder}
              />
            )}
          </div>
        ))}
        <label className="check">
          <input type="checkbox" name="enabled" checked={enabled} onChange={(e) => setEnabled(e.target.checked)} /> {t('field.enabled')}
        </label>
      </div>
      {error ? <ErrorAlert error={error} /> : null}
      <div className="form-actions">
        <button type="button" className="btn" onClick={onCancel}>
          {t('cancel')}
        </button>
        <button type="submit" className="btn btn-primary" disabled={busy}>
          {t('save')}
        </button>
      </div>
    </form>
  );
}
