import type { ChatMessage } from '../../llm/index.ts';
import { clip } from './evidence.ts';

/**
 * Rough token count for sizing prompts without the model's tokenizer: one token per CJK character
 * (Qwen/DeepSeek/GLM tokenizers use 0.6–1.0), one per 3.5 other characters. It errs high, so a prompt
 * that fits the estimate fits the real window.
 */
export function estimateTokens(s: string): number {
  let cjk = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if ((c >= 0x2e80 && c <= 0x9fff) || (c >= 0xf900 && c <= 0xfaff) || (c >= 0xff00 && c <= 0xffef)) cjk++;
  }
  return cjk + Math.ceil((s.length - cjk) / 3.5);
}

/** Per-message framing tokens of chat templates (role markers, separators). */
const PER_MESSAGE = 8;
const SUMMARY_CHARS = 300;

export interface PromptParts {
  /** The system message, given the note about trimmed earlier questions ('' when nothing was trimmed). */
  system(earlier: string): string;
  /** The user message, given the rendered evidence and the question. */
  user(evidence: string, question: string): string;
  /** Earlier turns, oldest first. */
  history: { question: string; answer: string }[];
  question: string;
  /** Evidence numbers in order of importance. */
  evidence: number[];
  renderEvidence(n: number, maxChars: number): string;
  /** Tokens the tool definitions take (0 when no tools are offered). */
  toolTokens: number;
  /** How to write the note about trimmed turns. */
  earlierNote(questions: string[]): string;
}

export interface FittedPrompt {
  messages: ChatMessage[];
  /** Evidence numbers the model sees. */
  included: Set<number>;
  withTools: boolean;
  droppedTurns: number;
  estimatedTokens: number;
}

/**
 * Below this a prompt holds the system rules and little else; a time budget never cuts deeper (one
 * clipped passage and the question still fit).
 */
export const MIN_PROMPT_TOKENS = 1000;

/** The prompt tokens a model reading `tokensPerSec` gets through in `targetMs` (never below MIN_PROMPT_TOKENS). */
export function promptTokensWithin(targetMs: number, tokensPerSec: number): number {
  return Math.max(MIN_PROMPT_TOKENS, Math.floor((tokensPerSec * targetMs) / 1000));
}

/**
 * Fit a prompt into `numCtx − reserve` tokens (reserve: room for the answer), or into `maxTokens` when that
 * is smaller. Long inputs are trimmed in this order, never failing: oldest turns (their questions kept as a
 * one-line note), the tool definitions, evidence clipped to 400 characters, the least relevant evidence (one
 * item always stays), and finally the question itself (head and tail kept).
 */
export function fitPrompt(p: PromptParts, numCtx: number, reserve: number, maxTokens = Number.POSITIVE_INFINITY): FittedPrompt {
  const budget = Math.min(numCtx - reserve, maxTokens);
  let turns = p.history.length;
  let tools = p.toolTokens > 0;
  let clipChars = 1200;
  let evidence = p.evidence.length;
  let question = p.question;
  const build = () => {
    const dropped = p.history.slice(0, p.history.length - turns).map((t) => t.question);
    const earlier = dropped.length ? clip(p.earlierNote(dropped), SUMMARY_CHARS) : '';
    const messages: ChatMessage[] = [{ role: 'system', content: p.system(earlier) }];
    for (const t of p.history.slice(p.history.length - turns)) {
      messages.push({ role: 'user', content: t.question }, { role: 'assistant', content: t.answer });
    }
    const block = p.evidence.slice(0, evidence).map((n) => p.renderEvidence(n, clipChars)).join('\n\n');
    messages.push({ role: 'user', content: p.user(block, question) });
    const tokens = messages.reduce((n, m) => n + estimateTokens(m.content) + PER_MESSAGE, 0) + (tools ? p.toolTokens : 0);
    return { messages, tokens };
  };
  let built = build();
  while (built.tokens > budget) {
    if (turns > 0) turns--;
    else if (tools) tools = false;
    else if (clipChars > 400) clipChars = 400;
    else if (evidence > 1) evidence--;
    else if (question.length > 200) question = `${question.slice(0, Math.floor(question.length / 4))}…${question.slice(-Math.floor(question.length / 4))}`;
    else break;
    built = build();
  }
  return {
    messages: built.messages,
    included: new Set(p.evidence.slice(0, evidence)),
    withTools: tools,
    droppedTurns: p.history.length - turns,
    estimatedTokens: built.tokens,
  };
}
