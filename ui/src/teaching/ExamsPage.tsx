import { useCallback, useEffect, useState } from 'react';
import { Link } from 'react-router-dom';
import { request } from '../api.ts';
import './teaching.css';
import { type BlueprintCell, type Exam, LEVEL_ZH, type Level } from './types.ts';

interface TagCount { id: string; name: string; total: number; approved: number }
type Row = BlueprintCell & { uid: number };
let nextUid = 1;
const row = (tag: string): Row => ({ tag, count: 1, uid: nextUid++ });

/** 考试 (teacher): the blueprint editor (knowledge point × difficulty × count), exam settings, publish, results. */
export function ExamsPage() {
  const [exams, setExams] = useState<Exam[]>([]);
  const [tags, setTags] = useState<TagCount[]>([]);
  const [title, setTitle] = useState('阶段测验');
  const [cells, setCells] = useState<Row[]>([]);
  const [orderMode, setOrderMode] = useState<'fixed' | 'random'>('random');
  const [minutes, setMinutes] = useState(30);
  const [maxAttempts, setMaxAttempts] = useState(1);
  const [scoring, setScoring] = useState<'all_or_nothing' | 'partial'>('all_or_nothing');
  const [error, setError] = useState<string | null>(null);

  const load = useCallback(async () => {
    const [list, counts] = await Promise.all([request<{ items: Exam[] }>('GET', '/api/teaching/exams'), request<{ byTag: TagCount[] }>('GET', '/api/teaching/questions/counts')]);
    setExams(list.items);
    const usable = counts.byTag.filter((t) => t.approved > 0);
    setTags(usable);
    setCells((c) => (c.length || !usable[0] ? c : [row(usable[0].id)]));
  }, []);
  useEffect(() => {
    void load();
  }, [load]);

  const setCell = (i: number, patch: Partial<BlueprintCell>) => setCells(cells.map((c, j) => (j === i ? { ...c, ...patch } : c)));

  async function create() {
    setError(null);
    try {
      await request('POST', '/api/teaching/exams', undefined, { title, blueprint: cells.map(({ uid: _uid, ...c }) => c), orderMode, timeLimitMinutes: minutes, maxAttempts, multipleScoring: scoring });
      await load();
    } catch (e) {
      setError((e as Error).message);
    }
  }

  async function publish(id: string) {
    await request('POST', `/api/teaching/exams/${id}/publish`);
    await load();
  }

  return (
    <div className="page teaching-page">
      <h1>考试 <small>Exams</small></h1>
      <section className="card" data-testid="blueprint-editor">
        <h2>组卷蓝图 Blueprint</h2>
        <label>试卷名称 <input data-testid="exam-title" value={title} onChange={(e) => setTitle(e.target.value)} /></label>
        <table className="table blueprint">
          <thead><tr><th>知识点</th><th>难度</th><th>题数</th><th /></tr></thead>
          <tbody>
            {cells.map((c, i) => (
              <tr key={c.uid} data-testid="blueprint-row">
                <td>
                  <select data-testid="cell-tag" value={c.tag} onChange={(e) => setCell(i, { tag: e.target.value })}>
                    {tags.map((t) => <option key={t.id} value={t.id}>{t.name}（已审核 {t.approved}）</option>)}
                  </select>
                </td>
                <td>
                  <select data-testid="cell-level" value={c.level ?? ''} onChange={(e) => setCell(i, { level: (e.target.value || undefined) as Level | undefined })}>
                    <option value="">{LEVEL_ZH.any}</option><option value="easy">易</option><option value="medium">中</option><option value="hard">难</option>
                  </select>
                </td>
                <td><input data-testid="cell-count" type="number" min={1} max={100} value={c.count} onChange={(e) => setCell(i, { count: Number(e.target.value) })} /></td>
                <td><button type="button" onClick={() => setCells(cells.filter((_, j) => j !== i))}>删除</button></td>
              </tr>
            ))}
          </tbody>
        </table>
        <button type="button" data-testid="add-cell" disabled={!tags.length} onClick={() => setCells([...cells, row(tags[0].id)])}>添加一行</button>
        <div className="exam-settings">
          <label>题序 <select value={orderMode} onChange={(e) => setOrderMode(e.target.value as typeof orderMode)}><option value="random">每位住院医师随机</option><option value="fixed">固定</option></select></label>
          <label>限时（分钟） <input type="number" min={1} max={600} value={minutes} onChange={(e) => setMinutes(Number(e.target.value))} /></label>
          <label>作答次数 <input type="number" min={1} max={10} value={maxAttempts} onChange={(e) => setMaxAttempts(Number(e.target.value))} /></label>
          <label>多选题计分 <select value={scoring} onChange={(e) => setScoring(e.target.value as typeof scoring)}><option value="all_or_nothing">全对才得分</option><option value="partial">部分得分（选错不得分）</option></select></label>
        </div>
        <button type="button" data-testid="create-exam" disabled={!cells.length} onClick={() => void create()}>组卷</button>
        {error && <p className="error" role="alert" data-testid="exam-error">{error}</p>}
      </section>
      <section className="card">
        <h2>试卷</h2>
        <table className="table" data-testid="exam-list">
          <thead><tr><th>名称</th><th>题数</th><th>限时</th><th>状态</th><th /></tr></thead>
          <tbody>
            {exams.map((e) => (
              <tr key={e.id} data-testid="exam-row" data-id={e.id}>
                <td>{e.title}</td><td>{e.items.length}</td><td>{e.timeLimitMinutes} 分钟</td><td>{{ draft: '草稿', published: '已发布', closed: '已结束' }[e.status]}</td>
                <td>
                  {e.status === 'draft' && <button type="button" data-testid="publish" onClick={() => void publish(e.id)}>发布</button>}{' '}
                  <a href={`/api/teaching/exams/${encodeURIComponent(e.id)}/paper`} data-testid="exam-paper">Word 试卷（含附图与答案）</a>{' '}
                  {e.status !== 'draft' && <Link data-testid="results-link" to={`/teaching/exams/${e.id}/results`}>成绩与试题分析</Link>}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
    </div>
  );
}
