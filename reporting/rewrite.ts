import { z } from 'zod';
import { isAppError } from '../core/index.ts';
import { type LlmProvider, loadPrompt, promptForJson } from '../llm/index.ts';
import { type GuardIssue, guard } from './guard.ts';

/**
 * The LLM path: the model rewrites the template's findings and impression into the department's style; the
 * guard then holds the rewrite to the template text's numbers, sides and segments. Any value the model
 * adds or changes rejects the whole rewrite: the template text stays and the reason is returned.
 * The provider given is the runtime's, which de-identifies every message before a model sees it.
 */

export const DEFAULT_STYLE = '句式简洁；先部位后征象；数值保留原样；印象一句话概括，不写“请结合临床”以外的套话。';

const RewriteSchema = z.object({ findings: z.string().min(1).max(4000), impression: z.string().min(1).max(2000) });
const REWRITE_JSON_SCHEMA = {
  name: 'report_rewrite',
  schema: { type: 'object', properties: { findings: { type: 'string' }, impression: { type: 'string' } }, required: ['findings', 'impression'], additionalProperties: false },
};

export type RewriteOutcome =
  | { status: 'accepted'; findings: string; impression: string; model: string; prompt: string }
  | { status: 'rejected'; reason: string; issues: GuardIssue[]; candidate: { findings: string; impression: string }; model: string; prompt: string }
  | { status: 'failed'; reason: string; model: string; prompt: string };

export async function rewriteDraft(llm: LlmProvider, draft: { findings: string; impression: string; reference: string }, style = DEFAULT_STYLE): Promise<RewriteOutcome> {
  const prompt = loadPrompt('report-rewrite');
  const tag = `${prompt.id}@v${prompt.version}`;
  const values = { style, findings: draft.findings, impression: draft.impression };
  let candidate: z.infer<typeof RewriteSchema>;
  try {
    candidate = await promptForJson(llm, prompt, values, { schema: RewriteSchema, jsonSchema: REWRITE_JSON_SCHEMA, maxTokens: 1200 });
  } catch (e) {
    const reason = isAppError(e) ? e.message : e instanceof Error ? e.message : String(e);
    return { status: 'failed', reason: `大模型改写失败，保留模板文本 / the model rewrite failed, the template text stays: ${reason}`, model: llm.model, prompt: tag };
  }
  const checked = guard(`${candidate.findings}\n${candidate.impression}`, draft.reference);
  if (!checked.ok) {
    return {
      status: 'rejected',
      reason: `改写被拒绝，保留模板文本：${checked.issues.map((i) => i.message).join('；')}`,
      issues: checked.issues,
      candidate,
      model: llm.model,
      prompt: tag,
    };
  }
  return { status: 'accepted', findings: candidate.findings, impression: candidate.impression, model: llm.model, prompt: tag };
}
