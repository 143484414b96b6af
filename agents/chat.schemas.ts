import { z } from 'zod';
import { ChunkTableSchema } from '../ingest/index.ts';

/** Wire schemas of the chat API (validation, OpenAPI and the types in chat.types.ts), written once. */

export const CitationSchema = z.object({
  /** The marker number used in the answer text: [1], [2]… */
  n: z.number().int().positive(),
  kind: z.enum(['chunk', 'relation']),
  chunkId: z.string().optional(),
  sourceId: z.string().optional(),
  title: z.string().optional(),
  version: z.string().nullable().optional(),
  year: z.number().int().nullable().optional(),
  page: z.number().int().nullable().optional(),
  quote: z.string().optional(),
  relationId: z.string().optional(),
  triple: z.object({ subject: z.string(), predicate: z.string(), object: z.string() }).optional(),
  /** The source has a newer version, or every source of the relation has. */
  superseded: z.boolean().optional(),
  /** The source (or one source of the relation) was retracted. */
  retracted: z.boolean().optional(),
  /** A passage cut from a table: its rows under the table's caption and header. */
  table: ChunkTableSchema.optional(),
});

export const CheckedSentenceSchema = z.object({
  text: z.string(),
  /** Valid marker numbers found in the sentence. */
  citations: z.array(z.number().int()),
  /** False: states a fact without a valid citation, or a number not in the cited evidence (dropped from the answer). */
  supported: z.boolean(),
  /** The model wrote no citation; the checker cited the one item that supports the sentence on its own. */
  attributed: z.boolean().optional(),
});

export const ChatLangSchema = z.enum(['zh', 'en']);

export const ChatRequestBodySchema = z.object({
  /** Checked after trimming: 1–MAX_QUESTION_CHARS characters (QUESTION_TOO_LONG names the limit). */
  message: z.string().max(100_000),
  conversationId: z.string().min(1).max(100).optional(),
  lang: ChatLangSchema.optional(),
  /** Collections (names or ids) to answer from; none: every collection your role can see. */
  collections: z.array(z.string().trim().min(1).max(100)).max(20).optional(),
});

export const ConversationSummarySchema = z.object({ id: z.string(), title: z.string(), updatedAt: z.string(), turns: z.number().int() });

/** A tool an answer ran, as kept with the message (its input is not kept: it may hold the question). */
export const ToolRecordSchema = z.object({ name: z.string(), status: z.enum(['ok', 'error', 'not_configured']), summary: z.string(), ms: z.number() });

export const ConversationMessageSchema = z.object({
  id: z.string(),
  role: z.enum(['user', 'assistant']),
  content: z.string(),
  citations: z.array(CitationSchema),
  engine: z.string().nullable(),
  createdAt: z.string(),
  /** Assistant messages: the tools run, the checker's sentences, model, tokens and time (absent on user messages). */
  tools: z.array(ToolRecordSchema).optional(),
  sentences: z.array(CheckedSentenceSchema).optional(),
  model: z.string().nullable().optional(),
  promptVersion: z.string().nullable().optional(),
  promptTokens: z.number().optional(),
  completionTokens: z.number().optional(),
  latencyMs: z.number().nullable().optional(),
});

export const ConversationSchema = z.object({ id: z.string(), title: z.string(), messages: z.array(ConversationMessageSchema) });
