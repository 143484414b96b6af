import { useEffect, useState } from 'react';
import { Link, useParams } from 'react-router-dom';
import { request } from '../api.ts';
import { ErrorAlert, Loading, useTitle } from '../components.tsx';
import { TimelineChart } from './TimelineChart.tsx';
import type { CaseDto, LesionTimeline } from './types.ts';
import './cases.css';

/** 随访时间线: a case's measurements over time, growth per interval and volume doubling time (only from given measurements). */
export function TimelinePage() {
  const { id = '' } = useParams();
  useTitle('随访时间线');
  const [data, setData] = useState<{ c: CaseDto; lesions: LesionTimeline[] } | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    Promise.all([request<CaseDto>('GET', `/api/cases/${encodeURIComponent(id)}`), request<{ lesions: LesionTimeline[] }>('GET', `/api/cases/${encodeURIComponent(id)}/timeline`)])
      .then(([c, t]) => setData({ c, lesions: t.lesions }))
      .catch(setError);
  }, [id]);
  if (error) return <div className="page cases-page"><ErrorAlert error={error} /></div>;
  if (!data) return <div className="page cases-page"><Loading /></div>;
  return (
    <div className="page cases-page" data-testid="case-timeline-page">
      <h1>随访时间线 <small>{data.c.title}</small></h1>
      <p className="muted"><Link to="/cases">← 典型病例库</Link> · 诊断：{data.c.finalDiagnosis.name}</p>
      {data.lesions.length === 0 && <p className="muted">该病例没有随访测量。</p>}
      {data.lesions.length > 0 && <section className="card"><TimelineChart lesions={data.lesions} /></section>}
      {data.lesions.map((l) => (
        <section key={l.lesion} className="card" data-testid="timeline-lesion">
          <h2>{l.lesion}</h2>
          <table className="cases-table">
            <thead><tr><th>区间</th><th>天数</th><th>长径变化</th><th>倍增时间 VDT</th><th>说明</th></tr></thead>
            <tbody>
              {l.intervals.map((i) => (
                <tr key={`${i.from}-${i.to}`} data-testid="timeline-interval">
                  <td>{i.from} → {i.to}</td>
                  <td>{i.days}</td>
                  <td>{i.longAxisChangeMm === null ? '—' : `${i.longAxisChangeMm > 0 ? '+' : ''}${i.longAxisChangeMm} mm（${i.longAxisChangePct}%）`}</td>
                  <td data-testid="vdt">{i.vdtDays === null ? '无法计算' : `${i.vdtDays} 天`}</td>
                  <td className="small">{i.vdtMethod === 'volume' ? '按体积' : ''}{i.vdtNote ?? ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <p className="muted small">VDT = t·ln2 / ln(V2/V1)；仅使用已给出的测量值，不估算缺失数据。</p>
        </section>
      ))}
    </div>
  );
}
