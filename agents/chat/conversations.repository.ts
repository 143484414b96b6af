import { z } from 'zod';
import { AuditLog } from '../../audit/index.ts';
import { AppError, decryptField, encryptField, isEncryptedField, type Keyring, newId } from '../../core/index.ts';
import type { Database } from '../../store/index.ts';
import { ToolRecordSchema } from '../chat.schemas.ts';
import type { ChatEngine, ChatLang, CheckedSentence, Citation, Conversation, ConversationMessage, ConversationSummary } from '../chat.types.ts';

export type ToolRecord = z.infer<typeof ToolRecordSchema>;

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
  tools: ToolRecord[];
}

const TITLE_CHARS = 40;

/** The encrypted chat columns, for key rotation (keys/columns.ts): only what users typed holds tokens. */
export const CHAT_ENCRYPTED_COLUMNS = [
  { table: 'chat_conversations', key: 'id', column: 'title', kind: 'mixed', owner: 'chat' },
  { table: 'chat_messages', key: 'id', column: 'content', kind: 'mixed', owner: 'chat' },
  { table: 'chat_messages', key: 'id', column: 'rewritten_query', kind: 'mixed', owner: 'chat' },
  { table: 'chat_messages', key: 'id', column: 'tools', kind: 'mixed', owner: 'chat' },
] as const;

/**
 * Encrypt what earlier versions stored in clear (questions, titles, rewritten queries): once, at
 * start, in batches; idempotent (tokens are skipped). Returns how many values were encrypted.
 */
export async function encryptStoredQuestions(db: Database, keyring: Keyring): Promise<number> {
  const seal = (v: string, field: string) => encryptField(v, keyring, `chat.${field}`);
  let n = 0;
  for (const [table, column, where] of [
    ['chat_conversations', 'title', 'TRUE'],
    ['chat_messages', 'content', `role = 'user'`],
    ['chat_messages', 'rewritten_query', 'rewritten_query IS NOT NULL'],
  ] as const) {
    for (;;) {
      const done = await db.transaction(async (tx) => {
        const { rows } = await tx.query<{ id: string; v: string }>(
          `SELECT id, ${column} AS v FROM ${table} WHERE ${where} AND ${column} NOT LIKE 'sm4cbc1:%' ORDER BY id LIMIT 500 FOR UPDATE`,
        );
        for (const r of rows) await tx.query(`UPDATE ${table} SET ${column} = $2 WHERE id = $1`, [r.id, seal(r.v, column)]);
        n += rows.length;
        return rows.length < 500;
      });
      if (done) break;
    }
  }
  return n;
}

/**
 * Chat memory (migration 008). Every statement names the actor: a conversation id alone never reads,
 * changes or deletes anything, so another user's id behaves exactly like an unknown one.
 *
 * What the user typed — questions, the titles made from them, the rewritten queries — may carry
 * patient identifiers, so it is stored SM4-encrypted under the installation key (core/crypto field
 * tokens) and decrypted only for its owner; answers are built from sources and stay plain. Rows
 * written before encryption are read as they are. Deleting a conversation is audited.
 */
export class ConversationsRepository {
  private readonly audit = new AuditLog();

  constructor(
    private readonly db: Database,
    private readonly keyring: Keyring,
  ) {}

  private seal(text: string, field: string): string {
    return encryptField(text, this.keyring, `chat.${field}`);
  }

  /** Stored tool records, re-validated: a row that does not parse shows no tools rather than failing the conversation. */
  private toolsOf(stored: string): ToolRecord[] {
    try {
      const parsed = z.array(ToolRecordSchema).safeParse(JSON.parse(this.open(stored, 'tools')));
      return parsed.success ? parsed.data : [];
    } catch {
      return [];
    }
  }

  private open(stored: string, field: string): string {
    return isEncryptedField(stored) ? decryptField(stored, this.keyring, `chat.${field}`) : stored;
  }

  async create(actor: string, firstQuestion: string): Promise<string> {
    const id = newId('conv');
    const title = firstQuestion.replace(/\s+/g, ' ').trim().slice(0, TITLE_CHARS);
    await this.db.query('INSERT INTO chat_conversations (id, actor, title) VALUES ($1, $2, $3)', [id, actor, this.seal(title, 'title')]);
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
    return rows.map((r) => ({ id: r.id, title: this.open(r.title, 'title'), updatedAt: new Date(r.updated_at).toISOString(), turns: r.turns }));
  }

  /** NOT_FOUND when `id` is unknown or another actor's. */
  async get(actor: string, id: string): Promise<Conversation> {
    const { rows: conv } = await this.db.query<{ id: string; title: string }>('SELECT id, title FROM chat_conversations WHERE id = $1 AND actor = $2', [id, actor]);
    if (!conv[0]) throw notFound(id);
    const { rows } = await this.db.query<{
      id: string; role: 'user' | 'assistant'; content: string; citations: Citation[]; engine: string | null; created_at: Date;
      tools: string | null; sentences: CheckedSentence[] | null; model: string | null; prompt_version: string | null;
      prompt_tokens: number; completion_tokens: number; latency_ms: number | null;
    }>(
      `SELECT m.id, m.role, m.content, m.citations, m.engine, m.created_at, m.tools, m.sentences, m.model, m.prompt_version,
              m.prompt_tokens, m.completion_tokens, m.latency_ms
       FROM chat_messages m JOIN chat_conversations c ON c.id = m.conversation_id
       WHERE m.conversation_id = $1 AND c.actor = $2 ORDER BY m.seq`,
      [id, actor],
    );
    const messages: ConversationMessage[] = rows.map((r) =>
      r.role === 'user'
        ? { id: r.id, role: r.role, content: this.open(r.content, 'question'), citations: [], engine: null, createdAt: new Date(r.created_at).toISOString() }
        : {
            id: r.id, role: r.role, content: r.content, citations: r.citations ?? [], engine: r.engine, createdAt: new Date(r.created_at).toISOString(),
            tools: r.tools ? this.toolsOf(r.tools) : [], sentences: r.sentences ?? [], model: r.model, promptVersion: r.prompt_version,
            promptTokens: Number(r.prompt_tokens), completionTokens: Number(r.completion_tokens), latencyMs: r.latency_ms === null ? null : Number(r.latency_ms),
          },
    );
    return { id: conv[0].id, title: this.open(conv[0].title, 'title'), messages };
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
      if (ordered[i].role === 'user' && ordered[i + 1].role === 'assistant') turns.push({ question: this.open(ordered[i].content, 'question'), answer: ordered[i + 1].content });
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
        [question.id, conversationId, seq, this.seal(question.content, 'question'), question.lang],
      );
      await tx.query(
        `INSERT INTO chat_messages (id, conversation_id, seq, role, content, lang, citations, sentences, engine, model, prompt_version, rewritten_query,
                                    refused, prompt_tokens, completion_tokens, latency_ms, tools)
         VALUES ($1, $2, $3, 'assistant', $4, $5, $6::jsonb, $7::jsonb, $8, $9, $10, $11, $12, $13, $14, $15, $16)`,
        [
          answer.id, conversationId, seq + 1, answer.content, answer.lang, JSON.stringify(answer.citations), JSON.stringify(answer.sentences), answer.engine,
          answer.model, answer.promptVersion, this.seal(answer.rewrittenQuery, 'rewritten_query'), answer.refused, answer.promptTokens, answer.completionTokens, Math.round(answer.latencyMs),
          this.seal(JSON.stringify(answer.tools), 'tools'),
        ],
      );
      await tx.query('UPDATE chat_conversations SET updated_at = now() WHERE id = $1 AND actor = $2', [conversationId, actor]);
    });
  }

  /** NOT_FOUND when `id` is unknown or another actor's. The deletion and its audit row commit together. */
  async delete(actor: string, id: string): Promise<void> {
    await this.db.transaction(async (tx) => {
      const { rows } = await tx.query<{ turns: number }>(
        `WITH gone AS (DELETE FROM chat_conversations WHERE id = $1 AND actor = $2 RETURNING id)
         SELECT (SELECT count(*) FROM chat_messages m WHERE m.conversation_id IN (SELECT id FROM gone) AND m.role = 'user')::int AS turns FROM gone`,
        [id, actor],
      );
      if (!rows[0]) throw notFound(id);
      await this.audit.append(tx, { actor, action: 'chat.delete', target: id, details: { turns: rows[0].turns } });
    });
  }
}

function notFound(id: string): AppError {
  return new AppError('NOT_FOUND', `对话不存在 / no such conversation ${id.slice(0, 100)}`, { field: 'conversationId' });
}
