/**
 * The chat contract (see /work/notes/chat-contract.md): events streamed to the UI/CLI, citations and the
 * service the runtime exposes as `rt.chat`.
 */

import type { z } from 'zod';
import type { Viewer } from '../core/index.ts';
import type { CheckedSentenceSchema, CitationSchema, ConversationMessageSchema, ConversationSchema, ConversationSummarySchema } from './chat.schemas.ts';

/** One numbered piece of evidence the answer may cite as `[n]`: a passage of a source, or an approved relation. */
export type Citation = z.infer<typeof CitationSchema>;

/** A sentence of the model's answer as the citation checker judged it. */
export type CheckedSentence = z.infer<typeof CheckedSentenceSchema>;

export type ChatEngine = 'llm' | 'extractive';
export type ChatLang = 'zh' | 'en';

export interface ChatUsage {
  promptTokens: number;
  completionTokens: number;
}

export type ChatEvent =
  | { type: 'meta'; conversationId: string; messageId: string; engine: ChatEngine; model: string | null; promptVersion: string | null; lang: ChatLang; rewrittenQuery: string }
  | { type: 'tool'; name: string; input: unknown; status: 'ok' | 'error' | 'not_configured'; summary: string; ms: number }
  | { type: 'delta'; text: string }
  | { type: 'citations'; citations: Citation[] }
  | {
      type: 'done';
      messageId: string;
      /** The checked answer: unsupported sentences removed. Authoritative over the concatenated deltas. */
      answer: string;
      sentences: CheckedSentence[];
      refused: boolean;
      usage: ChatUsage;
      /** Whole turn, wall clock. */
      latencyMs: number;
      /** The part of latencyMs not spent waiting for the model server. */
      overheadMs: number;
    }
  | { type: 'error'; code: string; message: string };

export type DoneEvent = Extract<ChatEvent, { type: 'done' }>;

export interface AskInput {
  message: string;
  conversationId?: string;
  actor: string;
  lang?: ChatLang;
  signal?: AbortSignal;
  /** Who asks: retrieval reads only the collections their role can see (null: a local command, everything). */
  viewer?: Viewer | null;
  /** Collections (names or ids) to answer from; none: every collection the viewer may see. */
  collections?: string[];
}

export type AskResult = DoneEvent & { conversationId: string; citations: Citation[]; engine: ChatEngine };

export type ConversationSummary = z.infer<typeof ConversationSummarySchema>;
export type ConversationMessage = z.infer<typeof ConversationMessageSchema>;
export type Conversation = z.infer<typeof ConversationSchema>;

/**
 * One chat per actor. Event order of a turn: `meta`, `tool`…, `citations` (every evidence item the
 * answer may cite), `delta`… (the raw answer as the model streams it), possibly more `tool`/`citations`
 * when the model calls tools, then a last `citations` (only the items the checked answer cites) and
 * `done` — or `error`, after which nothing follows.
 */
export interface ChatService {
  /**
   * One turn. Events are delivered in order through onEvent; resolves with the final 'done' payload.
   * Throws before any event for bad input (VALIDATION_FAILED, QUESTION_TOO_LONG) or an unknown
   * conversation (NOT_FOUND); a failure after `meta` is delivered as an `error` event and also rejects.
   */
  ask(input: AskInput, onEvent?: (e: ChatEvent) => void): Promise<AskResult>;
  /** The actor's conversations with at least one turn, newest first. */
  listConversations(actor: string): Promise<ConversationSummary[]>;
  /** NOT_FOUND for an unknown id or another actor's. */
  getConversation(actor: string, id: string): Promise<Conversation>;
  /** NOT_FOUND for an unknown id or another actor's. */
  deleteConversation(actor: string, id: string): Promise<void>;
}
