import { deidentify } from '../core/index.ts';
import { decorate } from './decorate.ts';
import type { ChatMessage, ChatRequest, LlmProvider } from './provider.ts';

/**
 * The trust boundary for model calls: every message's text is de-identified (labelled names, resident ID
 * and phone numbers, record and exam numbers, full dates, addresses, e-mail; see core/deid) before any
 * provider sees it, whoever the caller is — chat, query rewriting, extraction over an uploaded `case`
 * document, or a feature not written yet. Tool-call arguments are the model's own output and pass as they
 * are. Deterministic and idempotent, so callers that already de-identified lose nothing.
 */
export function deidentifyProvider(inner: LlmProvider): LlmProvider {
  const clean = (req: ChatRequest): ChatRequest => ({ ...req, messages: req.messages.map(deidMessage) });
  return decorate(inner, { chat: (req) => inner.chat(clean(req)), chatStream: (req) => inner.chatStream(clean(req)) });
}

function deidMessage(m: ChatMessage): ChatMessage {
  return { ...m, content: deidentify(m.content).text };
}
