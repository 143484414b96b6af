import { useEffect, useRef, useState } from 'react';
import { useParams } from 'react-router-dom';
import { request } from '../api.ts';
import { FigureView } from './FigureView.tsx';
import './teaching.css';
import type { AttemptView } from './types.ts';

const clock = (s: number) => `${String(Math.floor(s / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;

/**
 * 作答 (resident): items without keys, a countdown from the server's remaining time, every choice saved at
 * once (a dropped connection or reload resumes where it was), one submit. The server enforces the limit.
 */
export function TakeExamPage() {
  const { id } = useParams();
  const [a, setA] = useState<AttemptView | null>(null);
  const [answers, setAnswers] = useState<Record<string, string[]>>({});
  const [left, setLeft] = useState(0);
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState(true);
  const deadline = useRef(0);

  useEffect(() => {
    request<AttemptView>('GET', `/api/teaching/attempts/${id}`).then((v) => {
      setA(v);
      setAnswers(v.answers);
      deadline.current = Date.now() + v.remainingSeconds * 1000;
      setLeft(v.remainingSeconds);
    }, (e: Error) => setError(e.message));
  }, [id]);
  useEffect(() => {
    const t = setInterval(() => setLeft(Math.max(0, Math.round((deadline.current - Date.now()) / 1000))), 1000);
    return () => clearInterval(t);
  }, []);

  async function choose(qid: string, label: string, multiple: boolean) {
    const cur = answers[qid] ?? [];
    const next = multiple ? (cur.includes(label) ? cur.filter((l) => l !== label) : [...cur, label].sort()) : [label];
    setAnswers({ ...answers, [qid]: next });
    setSaved(false);
    try {
      await request('PUT', `/api/teaching/attempts/${id}/answers`, undefined, { answers: { [qid]: next } });
      setSaved(true);
    } catch (e) {
      setError((e as Error).message);
    }
  }

  async function submit() {
    try {
      setA(await request<AttemptView>('POST', `/api/teaching/attempts/${id}/submit`, undefined, { answers }));
    } catch (e) {
      setError((e as Error).message);
    }
  }

  if (!a) return error ? <p className="error" role="alert">{error}</p> : <p>加载中…</p>;
  const done = a.submittedAt !== null;
  return (
    <div className="page teaching-page">
      <h1>{a.title} <small>第 {a.seq} 次作答</small></h1>
      <p className="exam-bar" data-testid="exam-timer" data-left={left}>
        {done ? `已提交，得分 ${a.score}/${a.maxScore}` : `剩余时间 ${clock(left)}`} · 已答 {Object.values(answers).filter((x) => x.length).length}/{a.items.length}
        {!done && <span data-testid="save-state"> · {saved ? '已自动保存' : '保存中…'}</span>}
      </p>
      {error && <p className="error" role="alert" data-testid="take-error">{error}</p>}
      <ol className="question-list">
        {a.items.map((it) => (
          <li key={it.questionId} className="question" data-testid="take-item" data-qid={it.questionId}>
            <p className="stem">{it.stem} <small>（{it.type === 'multiple' ? '多选' : '单选'}）</small></p>
            {it.figure && <FigureView figure={it.figure} />}
            {it.options.map((o) => (
              <label key={o.label} className="option">
                <input
                  type={it.type === 'multiple' ? 'checkbox' : 'radio'}
                  name={it.questionId}
                  disabled={done || left === 0}
                  checked={(answers[it.questionId] ?? []).includes(o.label)}
                  onChange={() => void choose(it.questionId, o.label, it.type === 'multiple')}
                  data-label={o.label}
                />
                {o.label}. {o.text}
              </label>
            ))}
          </li>
        ))}
      </ol>
      {!done && <button type="button" data-testid="submit-exam" onClick={() => void submit()}>交卷</button>}
    </div>
  );
}
