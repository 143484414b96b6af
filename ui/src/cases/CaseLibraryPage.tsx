import { Fragment, useCallback, useEffect, useState } from 'react';
import { Link } from 'react-router-dom';
import { fetchJson, request } from '../api.ts';
import { useTitle } from '../components.tsx';
import { useAuth } from '../security/auth.tsx';
import { KeyImages } from './KeyImages.tsx';
import { AREA_ZH, type CaseDto, CERTAINTY_ZH, STATUS_ZH } from './types.ts';
import './cases.css';

/**
 * 典型病例库: approved typical cases for every clinical role; experts also see drafts, import a case file
 * (JSON/CSV, checked row by row, nothing written on any error) and approve or retire cases.
 */
export function CaseLibraryPage() {
  useTitle('典型病例库');
  const { can } = useAuth();
  const curator = can('knowledge.review');
  const [items, setItems] = useState<CaseDto[]>([]);
  const [total, setTotal] = useState(0);
  const [status, setStatus] = useState(curator ? '' : 'approved');
  const [area, setArea] = useState('');
  const [q, setQ] = useState('');
  const [open, setOpen] = useState<string | null>(null);
  const [message, setMessage] = useState<string | null>(null);

  const load = useCallback(async () => {
    const params = new URLSearchParams({ limit: '200' });
    if (status) params.set('status', status);
    if (area) params.set('diseaseArea', area);
    if (q.trim()) params.set('q', q.trim());
    const r = await request<{ total: number; items: CaseDto[] }>('GET', `/api/cases?${params}`);
    setItems(r.items);
    setTotal(r.total);
  }, [status, area, q]);
  useEffect(() => {
    void load();
  }, [load]);

  async function act(id: string, action: 'approve' | 'retire') {
    try {
      await request('POST', `/api/cases/${id}/${action}`);
      setMessage(action === 'approve' ? `已审核通过 ${id}` : `已停用 ${id}`);
    } catch (e) {
      setMessage((e as Error).message);
    }
    await load();
  }

  async function importFile(file: File) {
    const form = new FormData();
    form.append('file', file);
    try {
      const r = await fetchJson<{ records: number; inserted: string[]; updated: string[]; unchanged: string[]; phiReplaced: number }>('/api/cases/import', { method: 'POST', body: form, headers: { accept: 'application/json' } });
      setMessage(`导入 ${r.records} 例：新增 ${r.inserted.length}，更新 ${r.updated.length}，未变 ${r.unchanged.length}；去标识替换 ${r.phiReplaced} 处（新导入为草稿，需审核）`);
    } catch (e) {
      setMessage((e as Error).message);
    }
    await load();
  }

  return (
    <div className="page cases-page" data-testid="case-library">
      <h1>典型病例库 <small>Typical cases</small></h1>
      <p className="muted">专家审核后的去标识典型病例；可与当前病例比对（<Link to="/cases/compare">病例比对</Link>）。</p>
      <section className="card filters">
        <label>病种 <select data-testid="case-area" value={area} onChange={(e) => setArea(e.target.value)}><option value="">全部</option>{Object.entries(AREA_ZH).map(([k, v]) => <option key={k} value={k}>{v}</option>)}</select></label>
        {curator && <label>状态 <select data-testid="case-status" value={status} onChange={(e) => setStatus(e.target.value)}><option value="">全部</option><option value="draft">草稿</option><option value="approved">已审核</option><option value="retired">已停用</option></select></label>}
        <label>搜索 <input data-testid="case-q" value={q} onChange={(e) => setQ(e.target.value)} placeholder="标题、所见或诊断" /></label>
        {curator && <label className="import">导入病例（JSON / CSV）<input type="file" data-testid="case-import" accept=".json,.jsonl,.csv" onChange={(e) => e.target.files?.[0] && void importFile(e.target.files[0])} /></label>}
        <span className="muted">共 {total} 例</span>
      </section>
      {message && <p className="notice" data-testid="case-message">{message}</p>}
      <table className="cases-table" data-testid="case-table">
        <thead><tr><th>病例</th><th>病种</th><th>检查</th><th>诊断</th><th>状态</th><th /></tr></thead>
        <tbody>
          {items.map((c) => (
            <Fragment key={c.id}>
              <tr data-testid="case-row" data-id={c.id} className={c.retiredRelationIds.length ? 'flagged' : ''}>
                <td><button type="button" className="linkish" onClick={() => setOpen(open === c.id ? null : c.id)}>{c.title}</button><div className="muted small">{c.id}{c.demo ? ' · 演示' : ''}</div></td>
                <td>{AREA_ZH[c.diseaseArea] ?? c.diseaseArea}</td>
                <td>{c.modality} {c.bodyPart}</td>
                <td>{c.finalDiagnosis.name}{c.finalDiagnosis.icd10 ? <span className="muted small"> {c.finalDiagnosis.icd10}</span> : null}</td>
                <td><span className={`badge status-${c.status}`}>{STATUS_ZH[c.status]}</span>{c.retiredRelationIds.length > 0 && <span className="badge warn" title={c.retiredRelationIds.join(', ')}>依据已停用</span>}</td>
                <td className="actions">
                  {c.studies.length > 0 && <Link to={`/cases/${c.id}/timeline`} data-testid="case-timeline">随访时间线</Link>}
                  {curator && c.status === 'draft' && <button type="button" data-testid="case-approve" onClick={() => void act(c.id, 'approve')}>审核通过</button>}
                  {curator && c.status === 'approved' && <button type="button" className="secondary" onClick={() => void act(c.id, 'retire')}>停用</button>}
                </td>
              </tr>
              {open === c.id && (
                <tr className="detail"><td colSpan={6}>
                  <p><b>影像所见：</b>{c.findingsText}</p>
                  <p><b>印象：</b>{c.impression}</p>
                  <p><b>结构化所见：</b>{c.structuredFindings.map((f) => `${f.finding}${f.location ? `（${f.location}）` : ''}${f.sizeMm ? ` ${f.sizeMm}mm` : ''}：${CERTAINTY_ZH[f.certainty]}`).join('；') || '—'}</p>
                  {Object.keys(c.fields).length > 0 && <p><b>病种字段：</b>{Object.entries(c.fields).map(([k, v]) => `${k}=${String(v)}`).join('，')}</p>}
                  {c.teachingPoints.length > 0 && <ul>{c.teachingPoints.map((t) => <li key={t}>{t}</li>)}</ul>}
                  {((c.images?.length ?? 0) > 0 || (curator && c.status !== 'retired')) && <b>关键图像：</b>}
                  <KeyImages caseId={c.id} images={c.images ?? []} onChanged={curator && c.status !== 'retired' ? () => void load() : undefined} />
                  <p className="muted small">支持关系 {c.relationIds.join(', ') || '—'}{c.approvedBy ? ` · 审核 ${c.approvedBy}` : ''}</p>
                </td></tr>
              )}
            </Fragment>
          ))}
        </tbody>
      </table>
    </div>
  );
}
