/**
 * Agents capability: the chat flow (memory, follow-up rewriting, retrieval, cited answers from the model
 * or extractive, citation check) and the typed read-only tools the model may call.
 */

export type {
  AskInput, AskResult, ChatEngine, ChatEvent, ChatLang, ChatService, ChatUsage, CheckedSentence, Citation, Conversation, ConversationMessage,
  ConversationSummary, DoneEvent,
} from './chat.types.ts';
export {
  ChatLangSchema, ChatRequestBodySchema, CheckedSentenceSchema, CitationSchema, ConversationMessageSchema, ConversationSchema, ConversationSummarySchema,
} from './chat.schemas.ts';
export { type ChatDeps, createChatService } from './create-chat.ts';
export { CHAT_ENCRYPTED_COLUMNS, encryptStoredQuestions } from './chat/conversations.repository.ts';
export { EXTRACTIVE_LABEL } from './chat/answer-render.ts';
export { REFUSAL } from './chat/chat.service.ts';
export { checkAnswer, MIN_OVERLAP, numbersOf, splitSentences } from './chat/citation-checker.ts';
export { estimateTokens } from './chat/context-budget.ts';
export { deterministicRewrite, type PastTurn, QueryRewriter, type Rewrite } from './chat/query-rewrite.ts';
export { MAX_QUESTION_CHARS, validateQuestion } from './chat/question.ts';
export { MIN_COVERAGE } from './chat/retrieval.ts';
export { createToolRegistry, type ToolDeps, ToolRegistry, type ToolRun } from './tools/registry.ts';
export type { Tool, ToolContext, ToolEvidence, ToolResult, ToolStatus } from './tools/tool.ts';
