import { useEffect, useState } from 'react';
import { useParams } from 'react-router-dom';
import { request } from '../api.ts';
import './teaching.css';
import { BarChart } from '../settings/BarChart.tsx';
import type { ExamResults } from './types.ts';

const short = (s: string, n = 7) => (s.length > n ? `${s.slice(0, n)}…` : s);

/** 成绩与试题分析 (teacher): scores per resident, per knowledge point (chart), item analysis with distractors. */
export function ResultsPage() {
  const { id } = useParams();
  const [r, setR] = useState<ExamResults | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [recalibrated, setRecalibrated] = useState<string | null>(null);
  async function recalibrate() {
    try {
      const r = await request<{ updated: unknown[] }>('POST', `/api/teaching/exams/${id}/recalibrate`, undefined, { minResponses: 10 });
      setRecalibrated(`已按作答结果重新标定 ${r.updated.length} 道题的难度（至少 10 人作答的题目）`);
    } catch (e) {
      setError((e as Error).message);
    }
  }
  useEffect(() => {
    request<ExamResults>('GET', `/api/teaching/exams/${id}/results`).then(setR, (e: Error) => setError(e.message));
  }, [id]);
  if (error) return <p className="error" role="alert">{error}</p>;
  if (!r) return <p>加载中…</p>;
  return (
    <div className="page teaching-page">
      <h1>{r.exam.title} <small>成绩与试题分析 Results</small></h1>
      <section className="card">
        <h2>住院医师成绩</h2>
        <table className="table" data-testid="resident-scores">
          <thead><tr><th>住院医师</th><th>得分</th><th>百分比</th><th>状态</th></tr></thead>
          <tbody>{r.residents.map((x) => <tr key={x.attemptId}><td>{x.username}</td><td>{x.score}/{x.maxScore}</td><td>{x.percent}%</td><td>{x.submitted ? '已提交' : '超时（按已保存答案计分）'}</td></tr>)}</tbody>
        </table>
      </section>
      <section className="card">
        <BarChart testId="kp-chart" title="各知识点平均得分率（%）" groups={[{ label: '知识点', bars: r.knowledgePoints.slice(0, 15).map((k) => ({ label: short(k.name), value: k.meanPercent, tone: 'blue' as const, text: `${k.meanPercent}%（${k.items} 题）` })) }]} />
      </section>
      <section className="card">
        <h2>试题分析（经典测量理论）</h2>
        <p className="muted">难度 p = 答对比例；区分度 = 校正点二列相关（题目得分与其余总分）；区分度 &lt; 0.2 标记为需复核。每个选项：选择人数（高分组/低分组）。</p>
        <button type="button" data-testid="recalibrate" onClick={() => void recalibrate()}>按作答结果重新标定难度</button>
        {recalibrated && <p data-testid="recalibrated">{recalibrated}</p>}
        <table className="table" data-testid="item-analysis">
          <thead><tr><th>题目</th><th>作答</th><th>p</th><th>区分度</th><th>选项分布</th></tr></thead>
          <tbody>
            {r.items.map((it) => (
              <tr key={it.questionId} className={it.flagged ? 'flagged' : ''} data-testid="item-row" data-flagged={it.flagged}>
                <td>{it.stem}</td><td>{it.n}</td><td>{it.p ?? '—'}</td>
                <td>{it.discrimination ?? '—'}{it.flagged ? ' ⚠' : ''}</td>
                <td>
                  {it.options.map((o) => (
                    <span key={o.label} className={`opt-share${o.key ? ' key' : ''}`} title={`高分组 ${o.upper}，低分组 ${o.lower}`}>
                      {o.label}{o.key ? '✓' : ''} {o.chosen}（{o.upper}/{o.lower}）{' '}
                      <span className="share-bar" style={{ display: 'inline-block', width: `${Math.round(o.share * 60)}px`, height: 8, background: o.key ? '#2e7d32' : '#9e9e9e' }} />{' '}
                    </span>
                  ))}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
    </div>
  );
}
