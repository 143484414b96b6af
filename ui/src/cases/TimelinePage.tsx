import { useEffect, useState } from 'react';
import { Link, useParams } from 'react-router-dom';
import { request } from '../api.ts';
import { ErrorAlert, Loading, useTitle } from '../components.tsx';
import { TimelineChart } from './TimelineChart.tsx';
import type { CaseDto, Interval, TimelineDto } from './types.ts';
import './cases.css';

const change = (i: Interval) => (i.longAxisChangeMm === null ? '—' : `${i.longAxisChangeMm > 0 ? '+' : ''}${i.longAxisChangeMm} mm（${i.longAxisChangePct}%）`);
const vdt = (i: Interval) => (i.vdtDays === null ? '无法计算' : `${i.vdtDays} 天`);
const how = (i: Interval) => `${i.vdtMethod === 'volume' ? '按体积' : ''}${i.vdtNote ?? ''}`;

/**
 * 随访时间线: the patient's studies on one time axis (every case filed under the same encrypted patient identifier),
 * each lesion's measurements over time, growth per interval and over the whole follow-up, and the volume doubling
 * time — only from given measurements; a lesion measured once says so.
 */
export function TimelinePage() {
  const { id = '' } = useParams();
  useTitle('随访时间线');
  const [data, setData] = useState<{ c: CaseDto; t: TimelineDto } | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    Promise.all([request<CaseDto>('GET', `/api/cases/${encodeURIComponent(id)}`), request<TimelineDto>('GET', `/api/cases/${encodeURIComponent(id)}/timeline`)])
      .then(([c, t]) => setData({ c, t }))
      .catch(setError);
  }, [id]);
  if (error) return <div className="page cases-page"><ErrorAlert error={error} /></div>;
  if (!data) return <div className="page cases-page"><Loading /></div>;
  const { c, t } = data;
  const titleOf = new Map(t.patient.cases.map((x) => [x.id, x.title]));
  const studies = t.patient.cases.flatMap((x) => x.studies.map((s) => ({ ...s, caseId: x.id, diagnosis: x.diagnosis }))).sort((a, b) => a.date.localeCompare(b.date) || a.caseId.localeCompare(b.caseId));
  return (
    <div className="page cases-page" data-testid="case-timeline-page">
      <h1>随访时间线 <small>{c.title}</small></h1>
      <p className="muted"><Link to="/cases">← 典型病例库</Link> · 诊断：{c.finalDiagnosis.name}</p>
      <section className="card" data-testid="patient-group">
        <h2>患者检查记录 <small className="muted">{t.patient.grouped ? `同一患者 ${t.patient.cases.length} 个病例` : '单个病例'}</small></h2>
        <p className="muted small" data-testid="patient-note">{t.patient.note}</p>
        {studies.length === 0 && <p className="muted">没有检查记录。</p>}
        <ol className="study-list">
          {studies.map((s) => (
            <li key={`${s.caseId}-${s.date}`} className={s.caseId === c.id ? '' : 'other-case'} data-testid="patient-study" data-case={s.caseId}>
              <b>{s.date}</b> {s.modality ?? ''} · {s.caseId === c.id ? <span>本病例</span> : <Link to={`/cases/${encodeURIComponent(s.caseId)}/timeline`}>{titleOf.get(s.caseId)}</Link>}
              <span className="muted small"> （诊断：{s.diagnosis}）</span>{s.note ? <div className="small">{s.note}</div> : null}
            </li>
          ))}
        </ol>
      </section>
      {t.lesions.length === 0 && <p className="muted">该患者没有随访测量。</p>}
      {t.lesions.length > 0 && <section className="card"><TimelineChart lesions={t.lesions} /></section>}
      {t.lesions.map((l) => (
        <section key={l.lesion} className="card" data-testid="timeline-lesion" data-lesion={l.lesion}>
          <h2>{l.lesion} <small className="muted">{l.points.length} 次测量</small></h2>
          {l.note && <p className="notice" data-testid="timeline-note">{l.note}</p>}
          {l.overall && (
            <p data-testid="timeline-overall">
              <b>全程 {l.overall.from} → {l.overall.to}（{l.overall.days} 天）：</b>长径变化 {change(l.overall)}；倍增时间 <b>{vdt(l.overall)}</b> <span className="muted small">{how(l.overall)}</span>
            </p>
          )}
          {l.intervals.length > 0 && (
            <table className="cases-table">
              <thead><tr><th>区间</th><th>天数</th><th>长径变化</th><th>倍增时间 VDT</th><th>说明</th></tr></thead>
              <tbody>
                {l.intervals.map((i) => (
                  <tr key={`${i.from}-${i.to}`} data-testid="timeline-interval">
                    <td>{i.from} → {i.to}</td>
                    <td>{i.days}</td>
                    <td>{change(i)}</td>
                    <td data-testid="vdt">{vdt(i)}</td>
                    <td className="small">{how(i)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          <p className="muted small">VDT = t·ln2 / ln(V2/V1)；仅使用已给出的测量值，不估算缺失数据。</p>
        </section>
      ))}
    </div>
  );
}
