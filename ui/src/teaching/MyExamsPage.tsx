import { useEffect, useState } from 'react';
import { useNavigate } from 'react-router-dom';
import { request } from '../api.ts';
import './teaching.css';
import type { AttemptView, ExamSummary } from './types.ts';

/** 我的考试 (resident): published exams, attempts used; start or resume. */
export function MyExamsPage() {
  const [items, setItems] = useState<ExamSummary[]>([]);
  const [error, setError] = useState<string | null>(null);
  const navigate = useNavigate();
  useEffect(() => {
    request<{ items: ExamSummary[] }>('GET', '/api/teaching/my/exams').then((r) => setItems(r.items), (e: Error) => setError(e.message));
  }, []);
  async function start(id: string) {
    try {
      const a = await request<AttemptView>('POST', `/api/teaching/exams/${id}/attempts`);
      navigate(`/exams/attempts/${a.id}`);
    } catch (e) {
      setError((e as Error).message);
    }
  }
  return (
    <div className="page teaching-page">
      <h1>我的考试 <small>My exams</small></h1>
      {error && <p className="error" role="alert" data-testid="my-exams-error">{error}</p>}
      <table className="table" data-testid="my-exams">
        <thead><tr><th>试卷</th><th>题数</th><th>限时</th><th>已用次数</th><th /></tr></thead>
        <tbody>
          {items.map((e) => (
            <tr key={e.id} data-testid="my-exam-row">
              <td>{e.title}</td><td>{e.itemCount}</td><td>{e.timeLimitMinutes} 分钟</td><td>{e.attemptsUsed}/{e.maxAttempts}</td>
              <td><button type="button" data-testid="start-exam" onClick={() => void start(e.id)}>{e.attemptsUsed ? '继续 / 再次作答' : '开始作答'}</button></td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
