import { useState } from 'react';
import { request } from '../api.ts';
import { useTitle } from '../components.tsx';
import { AREA_ZH, CERTAINTY_ZH, type CitedFinding, type CompareResult, cite, type DifferentialResult, type Narrative, type SimilarResult } from './types.ts';
import { KeyImages } from './KeyImages.tsx';
import './cases.css';

const EXAMPLE = '完全性前置胎盘，子宫前壁下段胎盘后低回声带消失，子宫肌层变薄，可见T2暗带，膀胱线中断。';

/**
 * 病例比对: paste the current case's findings; get the structured findings read from them, the most similar
 * approved typical cases side by side (shared findings highlighted, differing and conflicting ones marked),
 * and the ranked differential over the approved graph with supporting / contradicting findings, relation ids,
 * passages and 「建议补充」.
 */
/** The score's formula as this result computed it (the vector part only when vectors scored it). */
function mixText(v: SimilarResult['vectors']): string {
  const parts = [`${v.mix.findings}×所见重合`, `${v.mix.text}×文本相似`];
  if (v.used) parts.push(`${v.mix.vector}×向量相似（${v.model}）`);
  return parts.join(' + ');
}

export function ComparePage() {
  useTitle('病例比对');
  const [text, setText] = useState('');
  const [modality, setModality] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [similar, setSimilar] = useState<SimilarResult | null>(null);
  const [diff, setDiff] = useState<DifferentialResult | null>(null);
  const [narrative, setNarrative] = useState<Narrative | null>(null);
  const [narrating, setNarrating] = useState(false);

  async function run() {
    setBusy(true);
    setError(null);
    try {
      // One request: the server reads the findings once and the cases listed are the ones that vote in the differential.
      const r = await request<CompareResult>('POST', '/api/cases/compare', undefined, { findings: text, ...(modality ? { modality } : {}), top: 8, similarTop: 5 });
      setSimilar(r.similar);
      setDiff(r.differential);
      setNarrative(null);
    } catch (e) {
      setError((e as Error).message);
      setSimilar(null);
      setDiff(null);
    } finally {
      setBusy(false);
    }
  }

  // The model's comparison is asked for separately: on a CPU model it takes seconds, the structured result does not wait.
  async function narrate() {
    setNarrating(true);
    try {
      const d = await request<DifferentialResult>('POST', '/api/cases/differential', undefined, { findings: text, ...(modality ? { modality } : {}), top: 8, narrate: true });
      setNarrative(d.narrative ?? null);
    } catch (e) {
      setNarrative({ status: 'failed', note: (e as Error).message });
    } finally {
      setNarrating(false);
    }
  }

  const query = similar?.query ?? diff?.query;
  return (
    <div className="page cases-page compare-page" data-testid="case-compare">
      <h1>病例比对 <small>Compare with typical cases</small></h1>
      <section className="card">
        <label className="block">当前病例影像所见（粘贴文本；中英文均可，提交前去标识）
          <textarea data-testid="compare-input" rows={5} value={text} onChange={(e) => setText(e.target.value)} placeholder={EXAMPLE} />
        </label>
        <label>检查方式 <select value={modality} onChange={(e) => setModality(e.target.value)} data-testid="compare-modality"><option value="">不限</option>{['CT', 'MR', 'DR', 'US', 'PET-CT'].map((m) => <option key={m}>{m}</option>)}</select></label>
        <button type="button" data-testid="compare-submit" disabled={busy} onClick={() => void run()}>{busy ? '比对中…' : '比对'}</button>{' '}
        <button type="button" className="secondary" onClick={() => setText(EXAMPLE)}>填入示例</button>
        {error && <p className="error" data-testid="compare-error">{error}</p>}
      </section>
      {query && (
        <section className="card" data-testid="query-findings">
          <h2>识别的所见</h2>
          <div className="chips">{query.findings.map((f) => <span key={f.finding} className={`chip c-${f.certainty}`}>{f.finding}{f.location ? `（${f.location}）` : ''}{f.sizeMm ? ` ${f.sizeMm}mm` : ''} · {CERTAINTY_ZH[f.certainty]}</span>)}</div>
          {query.findings.length === 0 && <p className="muted">未识别到词表中的所见；相似病例仅按文本匹配。</p>}
          {query.phiReplaced > 0 && <p className="notice">已去除 {query.phiReplaced} 处个人信息后再比对。</p>}
          {query.contradictions.map((c) => <p key={c.finding} className="warn-text" data-testid="contradiction">矛盾：「{c.finding}」既描述为有又描述为无，请核对。</p>)}
        </section>
      )}
      {similar && (
        <section className="card" data-testid="similar-cases">
          <h2>相似典型病例 <small className="muted" data-testid="similar-formula">（已审核 {similar.indexed} 例；得分 = {mixText(similar.vectors)}）</small></h2>
          {similar.vectors.note && <p className="muted small" data-testid="vectors-note">{similar.vectors.note}</p>}
          {similar.hits.length === 0 && <p className="muted">没有相似的已审核典型病例。</p>}
          <div className="side-by-side">
            {similar.hits.map((h) => {
              const shared = new Set(h.shared.map((s) => s.finding));
              const conflicting = new Set(h.conflicting.map((c) => c.finding));
              return (
                <article key={h.caseId} className="case-card" data-testid="similar-hit" data-id={h.caseId}>
                  <header><b>{h.case.title}</b><span className="score">{h.score.toFixed(2)}</span></header>
                  <div className="muted small">{AREA_ZH[h.case.diseaseArea]} · {h.case.modality} {h.case.bodyPart} · 诊断：<b>{h.case.finalDiagnosis.name}</b></div>
                  <div className="bar"><i style={{ width: `${Math.round(h.score * 100)}%` }} /></div>
                  <div className="small" data-testid="score-parts">
                    所见重合 {h.findingScore} · 文本 {h.textScore}{h.vectorScore !== null && <> · 向量 {h.vectorScore}</>}
                    <span className="muted"> （{h.parts.findings} + {h.parts.text}{h.vectorScore !== null ? ` + ${h.parts.vector}` : ''}）</span>
                  </div>
                  <ul className="finding-list">
                    {h.case.structuredFindings.map((f) => (
                      <li key={f.finding} className={shared.has(f.finding) ? 'shared' : conflicting.has(f.finding) ? 'conflict' : 'case-only'} data-kind={shared.has(f.finding) ? 'shared' : conflicting.has(f.finding) ? 'conflict' : 'case-only'}>
                        {f.finding} · {CERTAINTY_ZH[f.certainty]}{shared.has(f.finding) ? ` (+${h.shared.find((s) => s.finding === f.finding)?.contribution})` : ''}
                      </li>
                    ))}
                    {h.onlyQuery.map((f) => <li key={`q-${f}`} className="query-only" data-kind="query-only">{f} · 本例有，典型病例未述</li>)}
                  </ul>
                  <KeyImages caseId={h.caseId} images={h.case.images ?? []} compact />
                  {h.flags.map((f) => <p key={f} className="warn-text small">{f}</p>)}
                </article>
              );
            })}
          </div>
          <p className="legend small"><span className="shared">共有</span> <span className="conflict">矛盾</span> <span className="case-only">仅典型病例</span> <span className="query-only">仅本例</span></p>
        </section>
      )}
      {diff && (
        <section className="card" data-testid="differential">
          <h2>鉴别诊断 <small className="muted">{diff.note}（图谱 {diff.graph.diseases} 个疾病、{diff.graph.relations} 条征象关系）</small></h2>
          {diff.ranked.length === 0 && <p className="muted">已审核知识图谱中没有与这些所见相关的疾病。</p>}
          <ol className="ddx">
            {diff.ranked.map((d) => (
              <li key={d.entityId} data-testid="ddx-item" data-id={d.entityId}>
                <div className="ddx-head"><b>{d.name}</b> <span className="muted small">相对权重 {Math.round(d.share * 100)}% · 图谱证据 {d.score} · 相似典型病例 {Math.round(d.caseSupport.share * 100)}%</span></div>
                <div className="bar"><i style={{ width: `${Math.round(d.share * 100)}%` }} /></div>
                <Evidence title="支持" items={d.supporting} kind="support" />
                {d.caseSupport.cases.length > 0 && (
                  <div className="evidence cases" data-testid="ddx-cases">
                    <span className="ev-title">相似典型病例：</span>
                    {d.caseSupport.cases.map((c) => <span key={c.caseId} className="ev-case">{c.title} <span className="muted small">相似度 {c.similarity.toFixed(2)}</span></span>)}
                  </div>
                )}
                <Evidence title="不支持" items={d.contradicting} kind="against" />
              </li>
            ))}
          </ol>
          {diff.suggestions.length > 0 && <ul className="suggestions" data-testid="ddx-suggestions">{diff.suggestions.map((s) => <li key={s.entityId}>{s.advice} <span className="muted small">关系 {s.relationIds.join(', ')}</span></li>)}</ul>}
          <div className="narrative" data-testid="narrative">
            <button type="button" className="secondary" data-testid="narrate" disabled={narrating} onClick={() => void narrate()}>{narrating ? '生成中…' : '生成比对说明（大模型，逐句引用校验）'}</button>
            {narrative && <p className="muted small" data-testid="narrative-note">{narrative.note}</p>}
            {narrative?.status === 'checked' && (
              <>
                <p data-testid="narrative-text">{narrative.text || '没有通过引用校验的句子。'}</p>
                <ol className="small muted">{narrative.evidence.map((e) => <li key={e.n} value={e.n}>{e.text}</li>)}</ol>
              </>
            )}
          </div>
          {diff.noApprovedRelations.map((d) => <p key={d.name} className="warn-text" data-testid="no-relations">「{d.name}」在已审核知识图谱中没有征象关系{diff.ranked.some((r) => r.entityId === d.entityId) ? '，仅由相似典型病例支持' : '，无法参与排序'}。</p>)}
        </section>
      )}
    </div>
  );
}

function Evidence({ title, items, kind }: { title: string; items: CitedFinding[]; kind: 'support' | 'against' }) {
  if (!items.length) return null;
  return (
    <div className={`evidence ${kind}`}>
      <span className="ev-title">{title}：</span>
      {items.map((s) => (
        <details key={s.entityId} className="ev-item">
          <summary>{s.finding}{s.stated === 'absent' ? '（本例未见）' : s.graph === 'absent' ? '（该病通常无此征）' : ''} <span className="muted small">{s.contribution > 0 ? '+' : ''}{s.contribution}</span></summary>
          <div className="small">关系 {s.relationIds.join(', ')}</div>
          {s.passages.map((p) => <blockquote key={p.quote} className="small">{cite(p)}：{p.quote}</blockquote>)}
        </details>
      ))}
    </div>
  );
}
