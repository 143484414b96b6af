/**
 * A chat turn as the page shows it, built up from the stream's events (pure functions, so the event
 * order of the contract is tested without a browser).
 */
import type { ChatCitation, ChatEvent, CheckedSentence, ConversationMessage } from '../api.ts';

type Meta = Extract<ChatEvent, { type: 'meta' }>;
/** A tool run as streamed; a reopened conversation has no inputs (they are not kept). */
export type ToolRun = Omit<Extract<ChatEvent, { type: 'tool' }>, 'type' | 'input'> & { input?: unknown };
export type Done = Extract<ChatEvent, { type: 'done' }>;

export type TurnStatus = 'streaming' | 'done' | 'stopped' | 'error';

export interface Turn {
  /** Local key, stable for the turn's life on the page. */
  key: string;
  question: string;
  status: TurnStatus;
  meta: Meta | null;
  tools: ToolRun[];
  /** The answer as streamed (concatenated deltas). */
  streamed: string;
  /** The latest `citations` event: every evidence item while streaming, only the cited ones after `done`. */
  citations: ChatCitation[];
  /** Every item any `citations` event named, by number: markers in dropped sentences still resolve. */
  evidence: ChatCitation[];
  done: Done | null;
  error: { code: string; message: string } | null;
  /** Loaded from history: only the stored answer and citations are known. */
  fromHistory?: boolean;
  engine: 'llm' | 'extractive' | null;
}

let seq = 0;
export function newTurn(question: string): Turn {
  seq += 1;
  return { key: `t${Date.now()}-${seq}`, question, status: 'streaming', meta: null, tools: [], streamed: '', citations: [], evidence: [], done: null, error: null, engine: null };
}

/** The turn after one more event of its stream. */
export function applyEvent(turn: Turn, e: ChatEvent): Turn {
  switch (e.type) {
    case 'meta':
      return { ...turn, meta: e, engine: e.engine };
    case 'tool': {
      const { type: _type, ...run } = e;
      return { ...turn, tools: [...turn.tools, run] };
    }
    case 'delta':
      return { ...turn, streamed: turn.streamed + e.text };
    case 'citations': {
      const known = new Map(turn.evidence.map((c) => [c.n, c]));
      for (const c of e.citations) known.set(c.n, c);
      return { ...turn, citations: e.citations, evidence: [...known.values()].sort((a, b) => a.n - b.n) };
    }
    case 'done':
      return { ...turn, status: 'done', done: e };
    case 'error':
      return { ...turn, status: 'error', error: { code: e.code, message: e.message } };
  }
}

const REFUSAL = /^\s*(知识库中未找到|No relevant knowledge found)/i;

/** Stored messages → turns (a user message followed by its assistant answer). */
export function turnsFromMessages(messages: readonly ConversationMessage[]): Turn[] {
  const turns: Turn[] = [];
  for (const m of messages) {
    if (m.role === 'user') {
      turns.push({ ...newTurn(m.content), key: m.id, status: 'stopped', fromHistory: true });
      continue;
    }
    const last = turns.at(-1);
    if (!last || last.done) continue;
    const engine = m.engine === 'llm' || m.engine === 'extractive' ? m.engine : null;
    const sentences: CheckedSentence[] = m.sentences ?? [];
    turns[turns.length - 1] = {
      ...last,
      key: m.id,
      status: 'done',
      engine,
      tools: m.tools ?? [],
      meta: engine
        ? { type: 'meta', conversationId: '', messageId: m.id, engine, model: m.model ?? null, promptVersion: m.promptVersion ?? null, lang: 'zh', rewrittenQuery: '' }
        : null,
      citations: m.citations,
      evidence: m.citations,
      done: {
        type: 'done',
        messageId: m.id,
        answer: m.content,
        sentences,
        refused: m.citations.length === 0 && REFUSAL.test(m.content),
        usage: { promptTokens: m.promptTokens ?? 0, completionTokens: m.completionTokens ?? 0 },
        latencyMs: m.latencyMs ?? 0,
        overheadMs: 0,
      },
    };
  }
  return turns;
}

/** True when the turn is a refusal ("知识库中未找到…"): the knowledge base had nothing relevant. */
export function isRefusal(turn: Turn): boolean {
  if (turn.done) return turn.done.refused;
  return turn.citations.length === 0 && REFUSAL.test(turn.streamed);
}
