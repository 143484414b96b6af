import { AppError, newId } from '../../core/index.ts';
import type { Database } from '../../store/index.ts';
import type { ChatEngine, ChatLang, CheckedSentence, Citation, Conversation, ConversationMessage, ConversationSummary } from '../chat.types.ts';

export interface AssistantRecord {
  id: string;
  content: string;
  lang: ChatLang;
  citations: Citation[];
  sentences: CheckedSentence[];
  engine: ChatEngine;
  model: string | null;
  promptVersion: string | null;
  rewrittenQuery: string;
  refused: boolean;
  promptTokens: number;
  completionTokens: number;
  latencyMs: number;
}

const TITLE_CHARS = 40;

/**
 * Chat memory (migration 008). Every statement names the actor: a conversation id alone never reads,
 * changes or deletes anything, so another user's id behaves exactly like an unknown one.
 */
export class ConversationsRepository {
  constructor(private readonly db: Database) {}

  async create(actor: string, firstQuestion: string): Promise<string> {
    const id = newId('conv');
    const title = firstQuestion.replace(/\s+/g, ' ').trim().slice(0, TITLE_CHARS);
    await this.db.query('INSERT INTO chat_conversations (id, actor, title) VALUES ($1, $2, $3)', [id, actor, title]);
    return id;
  }

  async exists(actor: string, id: string): Promise<boolean> {
    const { rows } = await this.db.query('SELECT 1 FROM chat_conversations WHERE id = $1 AND actor = $2', [id, actor]);
    return rows.length > 0;
  }

  /** Conversations with at least one turn, newest first. */
  async list(actor: string, limit = 200): Promise<ConversationSummary[]> {
    const { rows } = await this.db.query<{ id: string; title: string; updated_at: Date; turns: number }>(
      `SELECT c.id, c.title, c.updated_at, count(m.id) FILTER (WHERE m.role = 'user')::int AS turns
       FROM chat_conversations c JOIN chat_messages m ON m.conversation_id = c.id
       WHERE c.actor = $1
       GROUP BY c.id ORDER BY c.updated_at DESC, c.id DESC LIMIT $2`,
      [actor, limit],
    );
    return rows.map((r) => ({ id: r.id, title: r.title, updatedAt: new Date(r.updated_at).toISOString(), turns: r.turns }));
  }

  /** NOT_FOUND when `id` is unknown or another actor's. */
  async get(actor: string, id: string): Promise<Conversation> {
    const { rows: conv } = await this.db.query<{ id: string; title: string }>('SELECT id, title FROM chat_conversations WHERE id = $1 AND actor = $2', [id, actor]);
    if (!conv[0]) throw notFound(id);
    const { rows } = await this.db.query<{ id: string; role: 'user' | 'assistant'; content: string; citations: Citation[]; engine: string | null; created_at: Date }>(
      `SELECT m.id, m.role, m.content, m.citations, m.engine, m.created_at
       FROM chat_messages m JOIN chat_conversations c ON c.id = m.conversation_id
       WHERE m.conversation_id = $1 AND c.actor = $2 ORDER BY m.seq`,
      [id, actor],
    );
    const messages: ConversationMessage[] = rows.map((r) => ({
      id: r.id, role: r.role, content: r.content, citations: r.citations ?? [], engine: r.engine, createdAt: new Date(r.created_at).toISOString(),
    }));
    return { id: conv[0].id, title: conv[0].title, messages };
  }

  /** The last `limit` complete turns (question and stored answer), oldest first. */
  async recentTurns(actor: string, id: string, limit: number): Promise<{ question: string; answer: string }[]> {
    const { rows } = await this.db.query<{ seq: number; role: string; content: string }>(
      `SELECT m.seq, m.role, m.content FROM chat_messages m JOIN chat_conversations c ON c.id = m.conversation_id
       WHERE m.conversation_id = $1 AND c.actor = $2 ORDER BY m.seq DESC LIMIT $3`,
      [id, actor, limit * 2],
    );
    const turns: { question: string; answer: string }[] = [];
    const ordered = rows.reverse();
    for (let i = 0; i + 1 < ordered.length; i++) {
      if (ordered[i].role === 'user' && ordered[i + 1].role === 'assistant') turns.push({ question: ordered[i].content, answer: ordered[i + 1].content });
    }
    return turns;
  }

  /** Store one turn (question and answer) in one transaction; NOT_FOUND if the conversation is gone or not the actor's. */
  async appendTurn(actor: string, conversationId: string, question: { id: string; content: string; lang: ChatLang }, answer: AssistantRecord): Promise<void> {
    await this.db.transaction(async (tx) => {
      const { rows } = await tx.query<{ next: number }>(
        `SELECT coalesce((SELECT max(seq) FROM chat_messages WHERE conversation_id = c.id), 0) + 1 AS next
         FROM chat_conversations c WHERE c.id = $1 AND c.actor = $2 FOR UPDATE`,
        [conversationId, actor],
      );
      if (!rows[0]) throw notFound(conversationId);
      const seq = Number(rows[0].next);
      await tx.query(
        `INSERT INTO chat_messages (id, conversation_id, seq, role, content, lang) VALUES ($1, $2, $3, 'user', $4, $5)`,
        [question.id, conversationId, seq, question.content, question.lang],
      );
      await tx.query(
        `INSERT INTO chat_messages (id, conversation_id, seq, role, content, lang, citations, sentences, engine, model, prompt_version, rewritten_query,
                                    refused, prompt_tokens, completion_tokens, latency_ms)
         VALUES ($1, $2, $3, 'assistant', $4, $5, $6::jsonb, $7::jsonb, $8, $9, $10, $11, $12, $13, $14, $15)`,
        [
          answer.id, conversationId, seq + 1, answer.content, answer.lang, JSON.stringify(answer.citations), JSON.stringify(answer.sentences), answer.engine,
          answer.model, answer.promptVersion, answer.rewrittenQuery, answer.refused, answer.promptTokens, answer.completionTokens, Math.round(answer.latencyMs),
        ],
      );
      await tx.query('UPDATE chat_conversations SET updated_at = now() WHERE id = $1 AND actor = $2', [conversationId, actor]);
    });
  }

  /** NOT_FOUND when `id` is unknown or another actor's. */
  async delete(actor: string, id: string): Promise<void> {
    const { rowCount } = await this.db.query('DELETE FROM chat_conversations WHERE id = $1 AND actor = $2', [id, actor]);
    if (!rowCount) throw notFound(id);
  }
}

function notFound(id: string): AppError {
  return new AppError('NOT_FOUND', `对话不存在 / no such conversation ${id.slice(0, 100)}`, { field: 'conversationId' });
}
