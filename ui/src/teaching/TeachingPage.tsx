import { useCallback, useEffect, useState } from 'react';
import { fetchJson, request } from '../api.ts';
import { type FigureRef, FigureView, type Region } from './FigureView.tsx';
import './teaching.css';

interface Option { label: string; text: string }
interface Question {
  id: string; version: number; status: string; type: 'single' | 'multiple'; template: string; stem: string; options: Option[]; key: string[];
  explanation: string; level: 'easy' | 'medium' | 'hard'; difficulty: number; flags: string[]; citations: { relationIds: string[] }; figure?: FigureRef | null;
}
interface GenerateResult { engine: string; note: string | null; subject: { nameZh: string }; items: Question[]; possible: number }
interface Counts { byStatus: Record<string, number>; flagged: number; byDisease: { id: string; name: string; total: number; approved: number }[] }

const LEVEL = { easy: '易', medium: '中', hard: '难' } as const;
const STATUS: Record<string, string> = { draft: '草稿', approved: '已审核', retired: '已停用' };

/**
 * 教学题库 (teacher): generate checked questions from the approved graph for one or more diseases (with
 * progress), review and approve drafts, and see counts per disease. Chinese first.
 */
export function TeachingPage() {
  const [entities, setEntities] = useState('');
  const [count, setCount] = useState(3);
  const [type, setType] = useState<'' | 'single' | 'multiple'>('');
  const [engine, setEngine] = useState<'templates' | 'llm'>('templates');
  const [syntheticFigure, setSyntheticFigure] = useState(false);
  const [progress, setProgress] = useState<{ done: number; total: number } | null>(null);
  const [messages, setMessages] = useState<string[]>([]);
  const [items, setItems] = useState<Question[]>([]);
  const [counts, setCounts] = useState<Counts | null>(null);
  const [status, setStatus] = useState('draft');

  const load = useCallback(async () => {
    const [list, c] = await Promise.all([
      request<{ items: Question[] }>('GET', `/api/teaching/questions?limit=100${status ? `&status=${status}` : ''}`),
      request<Counts>('GET', '/api/teaching/questions/counts'),
    ]);
    setItems(list.items);
    setCounts(c);
  }, [status]);
  useEffect(() => {
    void load();
  }, [load]);

  async function generate() {
    const names = entities.split(/[,，、\n]/).map((s) => s.trim()).filter(Boolean);
    setMessages([]);
    setProgress({ done: 0, total: names.length });
    const out: string[] = [];
    for (const [i, entity] of names.entries()) {
      try {
        const r = await request<GenerateResult>('POST', '/api/teaching/questions/generate', undefined, { entity, count, engine, allowFewer: true, ...(type ? { type } : {}) });
        out.push(`${r.subject.nameZh}：生成 ${r.items.length} 道草稿（可出合格题 ${r.possible} 道，引擎 ${r.engine}）${r.note ? `。${r.note}` : ''}`);
      } catch (e) {
        out.push(`${entity}：${(e as Error).message}`);
      }
      setProgress({ done: i + 1, total: names.length });
      setMessages([...out]);
    }
    await load();
  }

  async function importFile(file: File) {
    const form = new FormData();
    form.append('format', file.name.toLowerCase().endsWith('.xlsx') ? 'xlsx' : 'moodle');
    form.append('file', file);
    try {
      const r = await fetchJson<{ rows: number }>('/api/teaching/questions/import', { method: 'POST', body: form, headers: { accept: 'application/json' } });
      setMessages([`已导入 ${r.rows} 道草稿`]);
    } catch (e) {
      setMessages([(e as Error).message]);
    }
    await load();
  }

  /** Upload a figure (PNG, JPEG or DICOM; the server checks the bytes) and show it with the item. */
  async function attachFigure(id: string, file: File) {
    const form = new FormData();
    form.append('file', file);
    if (syntheticFigure) form.append('synthetic', 'true');
    try {
      const f = await fetchJson<{ id: string; source: string }>('/api/teaching/figures', { method: 'POST', body: form, headers: { accept: 'application/json' } });
      await request('PUT', `/api/teaching/questions/${id}/figure`, undefined, { figure: { figureId: f.id, region: null } });
      setMessages([`已添加附图（${f.source === 'dicom' ? 'DICOM 已按窗宽窗位渲染' : f.source.toUpperCase()}），点击图像标记区域`]);
    } catch (e) {
      setMessages([(e as Error).message]);
    }
    await load();
  }

  async function markRegion(id: string, figure: FigureRef, region: Region) {
    try {
      await request('PUT', `/api/teaching/questions/${id}/figure`, undefined, { figure: { figureId: figure.figureId, region } });
    } catch (e) {
      setMessages([(e as Error).message]);
    }
    await load();
  }

  async function approve(id: string) {
    try {
      await request('POST', `/api/teaching/questions/${id}/approve`);
    } catch (e) {
      setMessages([(e as Error).message]);
    }
    await load();
  }

  return (
    <div className="page teaching-page">
      <h1>教学题库 <small>Question bank</small></h1>
      <section className="card" data-testid="generate-panel">
        <h2>出题 Generate</h2>
        <p className="muted">依据已审核知识图谱出题（默认图谱模板引擎，无需大模型）；每道题引用关系编号与指南页码，并经过自动检查。</p>
        <label>疾病或知识点（多个用逗号分隔）<input data-testid="gen-entities" value={entities} onChange={(e) => setEntities(e.target.value)} placeholder="如：肺癌，脑梗死" /></label>
        <label>每个数量 <input type="number" min={1} max={50} value={count} onChange={(e) => setCount(Number(e.target.value))} /></label>
        <label>题型 <select value={type} onChange={(e) => setType(e.target.value as typeof type)}><option value="">单选+多选</option><option value="single">单选</option><option value="multiple">多选</option></select></label>
        <label>引擎 <select value={engine} onChange={(e) => setEngine(e.target.value as typeof engine)}><option value="templates">图谱模板 templates</option><option value="llm">大模型 llm</option></select></label>
        <button type="button" data-testid="gen-submit" disabled={!entities.trim() || (progress !== null && progress.done < progress.total)} onClick={() => void generate()}>生成草稿</button>
        {progress && (
          <div data-testid="gen-progress" data-done={progress.done} data-total={progress.total}>
            <progress value={progress.done} max={progress.total} /> {progress.done}/{progress.total}
          </div>
        )}
        <ul data-testid="gen-messages">{messages.map((m) => <li key={m}>{m}</li>)}</ul>
      </section>
      <section className="card" data-testid="transfer-panel">
        <h2>导入 / 导出</h2>
        <p className="muted">导出已审核题目；Excel 文件同时是导入模板（导入前逐行校验，有任何错误则不写入）；Word 试卷按题型编号，答案与解析另起一页。</p>
        <a href="/api/teaching/questions/export?format=xlsx" data-testid="export-xlsx">导出 Excel</a> · <a href="/api/teaching/questions/export?format=moodle">导出 Moodle XML</a> ·{' '}
        <a href="/api/teaching/questions/export?format=qti">导出 QTI 2.1</a> ·{' '}
        <a href="/api/teaching/questions/export?format=docx" data-testid="export-docx">导出 Word 试卷（含答案）</a>
        <label>导入（xlsx 或 Moodle XML）<input type="file" data-testid="import-file" accept=".xlsx,.xml" onChange={(e) => e.target.files?.[0] && void importFile(e.target.files[0])} /></label>
      </section>
      {counts && (
        <section className="card" data-testid="bank-counts">
          <h2>题库统计</h2>
          <p>草稿 {counts.byStatus.draft ?? 0} · 已审核 {counts.byStatus.approved ?? 0} · 已停用 {counts.byStatus.retired ?? 0} · 需复核 {counts.flagged}</p>
          <ul className="disease-counts">{counts.byDisease.slice(0, 12).map((d) => <li key={d.id}>{d.name}：{d.approved}/{d.total}</li>)}</ul>
        </section>
      )}
      <section className="card">
        <h2>题目 <select data-testid="bank-status" value={status} onChange={(e) => setStatus(e.target.value)}><option value="draft">草稿</option><option value="approved">已审核</option><option value="retired">已停用</option><option value="">全部</option></select></h2>
        <ol className="question-list" data-testid="bank-list">
          {items.map((q) => (
            <li key={q.id} className="question" data-testid="bank-item" data-id={q.id}>
              <div className="q-head">
                <span className="badge">{q.type === 'multiple' ? '多选' : '单选'}</span> <span className="badge">难度 {LEVEL[q.level]}（{q.difficulty}）</span>{' '}
                <span className="badge">{STATUS[q.status]} v{q.version}</span> {q.flags.length > 0 && <span className="badge warn">需复核：{q.flags.join('、')}</span>}
              </div>
              <p className="stem">{q.stem}</p>
              {q.figure ? (
                <FigureView figure={q.figure} onMark={q.status === 'retired' ? undefined : (r) => void markRegion(q.id, q.figure as FigureRef, r)} />
              ) : (
                q.status !== 'retired' && (
                  <span className="figure-upload">
                    <label>添加附图（读片题：PNG / JPEG / DICOM，上传时去除 EXIF 等元数据）
                      <input type="file" data-testid="figure-file" accept=".png,.jpg,.jpeg,.dcm,image/png,image/jpeg,application/dicom" onChange={(e) => e.target.files?.[0] && void attachFigure(q.id, e.target.files[0])} />
                    </label>{' '}
                    <label><input type="checkbox" data-testid="figure-synthetic-input" checked={syntheticFigure} onChange={(e) => setSyntheticFigure(e.target.checked)} /> 合成示意图（非患者影像）</label>
                  </span>
                )
              )}
              <ul className="options">{q.options.map((o) => <li key={o.label} className={q.key.includes(o.label) ? 'key' : ''}>{o.label}. {o.text}{q.key.includes(o.label) ? ' ✓' : ''}</li>)}</ul>
              <details><summary>解析与出处</summary><pre className="explanation">{q.explanation}</pre></details>
              {q.status === 'draft' && <button type="button" data-testid="approve" onClick={() => void approve(q.id)}>审核通过</button>}
            </li>
          ))}
        </ol>
      </section>
    </div>
  );
}
