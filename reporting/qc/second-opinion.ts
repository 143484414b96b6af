import { z } from 'zod';
import { isAppError } from '../../core/index.ts';
import { type LlmProvider, loadPrompt, promptForJson, promptTag } from '../../llm/index.ts';
import { numbersOf } from '../guard.ts';
import { type QcFlag, QcFlagSchema } from './qc.ts';

/**
 * An optional second opinion on a report from the configured model, labelled as such and never merged into the
 * rules' verdict. The model's answer is hostile input: an issue must quote the report verbatim (that quote becomes
 * its span) and its suggested replacement may not bring in a number the report does not contain; anything else is
 * dropped and counted, with the reason. The provider given is the runtime's, which de-identifies the report first.
 */

const KINDS = ['laterality', 'count', 'size', 'anatomy', 'term', 'typo', 'missing', 'other'] as const;

const ModelIssueSchema = z.object({
  kind: z.string().max(40),
  quote: z.string().max(400),
  message: z.string().max(600),
  suggestion: z.string().max(400).nullable().optional(),
});
const ModelAnswerSchema = z.object({ issues: z.array(ModelIssueSchema).max(50) });
const ANSWER_JSON_SCHEMA = {
  name: 'report_qc_second_opinion',
  schema: {
    type: 'object',
    properties: {
      issues: {
        type: 'array',
        items: {
          type: 'object',
          properties: { kind: { type: 'string', enum: [...KINDS] }, quote: { type: 'string' }, message: { type: 'string' }, suggestion: { type: ['string', 'null'] } },
          required: ['kind', 'quote', 'message', 'suggestion'],
          additionalProperties: false,
        },
      },
    },
    required: ['issues'],
    additionalProperties: false,
  },
};

export const SecondOpinionFlagSchema = QcFlagSchema.extend({
  kind: z.enum(KINDS),
  /** A rules flag covers the same words: the model agrees with the rules there. */
  alsoFoundByRules: z.boolean(),
});
export type SecondOpinionFlag = z.infer<typeof SecondOpinionFlagSchema>;

export const SecondOpinionSchema = z.object({
  engine: z.literal('llm'),
  status: z.enum(['ok', 'not_configured', 'failed']),
  /** Shown with the result, so nobody takes it for the rules' verdict. */
  label: z.string(),
  model: z.string().nullable(),
  prompt: z.string().nullable(),
  flags: z.array(SecondOpinionFlagSchema),
  dropped: z.array(z.object({ quote: z.string(), reason: z.string() })),
  note: z.string(),
});
export type SecondOpinion = z.infer<typeof SecondOpinionSchema>;

const LABEL = '大模型第二意见（仅供参考，未经规则核实）';

export async function secondOpinion(llm: LlmProvider | null, text: string, rules: readonly QcFlag[]): Promise<SecondOpinion> {
  if (!llm) {
    return { engine: 'llm', status: 'not_configured', label: LABEL, model: null, prompt: null, flags: [], dropped: [], note: '未配置大模型（YZ_LLM=none）：只有规则质控的结果。' };
  }
  const prompt = loadPrompt('report-qc-second-opinion');
  const tag = promptTag(prompt);
  let answer: z.infer<typeof ModelAnswerSchema>;
  try {
    answer = await promptForJson(llm, prompt, { report: text }, { schema: ModelAnswerSchema, jsonSchema: ANSWER_JSON_SCHEMA, maxTokens: 1200 });
  } catch (e) {
    const reason = isAppError(e) ? e.message : e instanceof Error ? e.message : String(e);
    return { engine: 'llm', status: 'failed', label: LABEL, model: llm.model, prompt: tag, flags: [], dropped: [], note: `大模型第二意见失败：${reason}` };
  }
  const flags: SecondOpinionFlag[] = [];
  const dropped: SecondOpinion['dropped'] = [];
  const known = new Set(numbersOf(text).map((n) => n.value));
  for (const issue of answer.issues) {
    const quote = issue.quote.trim();
    const start = quote ? text.indexOf(quote) : -1;
    if (start < 0) {
      dropped.push({ quote, reason: '引文不在报告原文中' });
      continue;
    }
    const suggestion = issue.suggestion?.trim() || null;
    // No clinical number reaches the user unless the report gave it: in the fix or in the explanation.
    const invented = numbersOf(`${suggestion ?? ''}\n${issue.message}`).filter((n) => !known.has(n.value));
    if (invented.length) {
      dropped.push({ quote, reason: `意见中含报告没有的数值 ${invented.map((n) => n.text).join('、')}` });
      continue;
    }
    const span = { start, end: start + quote.length };
    const kind = (KINDS as readonly string[]).includes(issue.kind) ? (issue.kind as SecondOpinionFlag['kind']) : 'other';
    if (flags.some((f) => f.span?.start === span.start && f.span.end === span.end && f.kind === kind)) continue;
    const alsoFoundByRules = rules.some((r) => r.span && r.span.start < span.end && span.start < r.span.end);
    flags.push({ kind, severity: 'info', message: issue.message.trim() || '（模型未说明）', span, text: quote, suggestion, alsoFoundByRules });
  }
  const note = `${flags.length} 条意见${dropped.length ? `，另有 ${dropped.length} 条因无法在原文中核对而丢弃` : ''}。`;
  return { engine: 'llm', status: 'ok', label: LABEL, model: llm.model, prompt: tag, flags, dropped, note };
}
