import { z } from 'zod';
import { type CheckedSentence, checkAnswer } from '../agents/index.ts';
import { isAppError } from '../core/index.ts';
import { type LlmProvider, loadPrompt, promptForJson, promptTag } from '../llm/index.ts';
import type { RankedDisease } from './differential.ts';

/** A typical case as the narrative may cite it. */
export interface NarrativeCase {
  caseId: string;
  title: string;
  diagnosis: string;
  findingsText: string;
}

/** One numbered evidence item the model may cite: a typical case, or an approved relation with its passage. */
export interface NarrativeEvidence {
  n: number;
  kind: 'case' | 'relation';
  /** The case id or the relation ids. */
  ref: string;
  text: string;
}

export type Narrative =
  | { status: 'not_configured'; note: string }
  | { status: 'failed'; note: string; model: string; prompt: string }
  | { status: 'checked'; text: string; sentences: CheckedSentence[]; dropped: number; evidence: NarrativeEvidence[]; model: string; prompt: string; note: string };

const NarrativeSchema = z.object({ narrative: z.string().min(1).max(3000) });
const NARRATIVE_JSON_SCHEMA = {
  name: 'case_narrative',
  schema: { type: 'object', properties: { narrative: { type: 'string' } }, required: ['narrative'], additionalProperties: false },
};

const NOT_CONFIGURED = '未配置大模型：仅提供结构化比较（相似病例与鉴别诊断均来自确定性引擎）/ no model configured: the structured comparison stands alone';

/**
 * The numbered evidence of a comparison: the most similar typical cases (their findings text and diagnosis) and,
 * for the leading diagnoses, each supporting or contradicting approved relation with its first passage. The model
 * sees only this, and every sentence it writes is checked against the items it cites.
 */
export function narrativeEvidence(cases: readonly NarrativeCase[], ranked: readonly RankedDisease[], opts: { cases?: number; diseases?: number } = {}): NarrativeEvidence[] {
  const out: NarrativeEvidence[] = [];
  for (const c of cases.slice(0, opts.cases ?? 3)) {
    out.push({ n: out.length + 1, kind: 'case', ref: c.caseId, text: `典型病例「${c.title}」（最终诊断：${c.diagnosis}）所见：${c.findingsText}` });
  }
  for (const d of ranked.slice(0, opts.diseases ?? 3)) {
    for (const f of [...d.supporting, ...d.contradicting]) {
      if (!f.relationIds.length) continue;
      const link = f.graph === 'absent' ? '通常无' : f.graph === 'possible' ? '可有' : '可见';
      const stated = f.stated === 'absent' ? '本例未见' : f.stated === 'possible' ? '本例可疑' : '本例可见';
      const p = f.passages[0];
      const source = p ? `（《${p.title}》${p.version ? ` ${p.version}` : ''}${p.page ? ` 第${p.page}页` : ''}：${p.quote}）` : '';
      out.push({ n: out.length + 1, kind: 'relation', ref: f.relationIds.join(','), text: `已审核关系：${d.name}${link}${f.finding}；${stated}${f.finding}${source}` });
    }
  }
  return out;
}

/**
 * With a model: a short comparison narrative over the numbered evidence, each sentence checked like a chat answer
 * (agents' citation checker: a cited item must exist, every number must be in it, enough wording must match);
 * failing sentences are dropped and counted. Without one, or when the model fails, the structured comparison
 * stands alone and the note says why. The provider given is the runtime's, which de-identifies every message.
 */
export async function narrateComparison(llm: LlmProvider | null, findings: string, evidence: readonly NarrativeEvidence[]): Promise<Narrative> {
  if (!llm) return { status: 'not_configured', note: NOT_CONFIGURED };
  const prompt = loadPrompt('case-narrative');
  const tag = promptTag(prompt);
  const values = { findings, evidence: evidence.map((e) => `[${e.n}] ${e.text}`).join('\n') };
  try {
    const { narrative } = await promptForJson(llm, prompt, values, { schema: NarrativeSchema, jsonSchema: NARRATIVE_JSON_SCHEMA, maxTokens: 600 });
    const byNumber = new Map(evidence.map((e) => [e.n, e.text]));
    const checked = checkAnswer(narrative, (n) => byNumber.get(n));
    const dropped = checked.sentences.filter((s) => !s.supported).length;
    return {
      status: 'checked', text: checked.answer, sentences: checked.sentences, dropped, evidence: [...evidence], model: llm.model, prompt: tag,
      note: `大模型生成、逐句引用校验${dropped ? `；${dropped} 句无证据支持已删除` : ''} / written by ${llm.model}, every sentence checked against the evidence it cites${dropped ? `; ${dropped} unsupported sentence(s) dropped` : ''}`,
    };
  } catch (e) {
    const reason = isAppError(e) ? e.message : e instanceof Error ? e.message : String(e);
    return { status: 'failed', note: `大模型说明生成失败，仅提供结构化比较 / the model narrative failed, the structured comparison stands alone: ${reason}`, model: llm.model, prompt: tag };
  }
}
