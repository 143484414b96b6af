/**
 * The LLM port: one chat call against a locally hosted model server. Two implementations speak the two
 * wire formats local servers offer (Ollama's native `/api/chat`; the OpenAI-compatible
 * `/v1/chat/completions` of vLLM, llama.cpp, LM Studio, Xinference…). Both are tested at the HTTP
 * protocol level against tests/fakes/llm-server.ts.
 */

export type ChatRole = 'system' | 'user' | 'assistant';

export interface ChatMessage {
  role: ChatRole;
  content: string;
}

/** A JSON schema the answer must follow; `name` matches `^[a-zA-Z0-9_-]+$` (OpenAI's rule for schema names). */
export interface JsonSchemaSpec {
  name: string;
  schema: Record<string, unknown>;
}

export interface ChatRequest {
  messages: ChatMessage[];
  /** Constrain the output (Ollama `format`, OpenAI `response_format: json_schema, strict`). */
  jsonSchema?: JsonSchemaSpec;
  temperature?: number;
  maxTokens?: number;
  /** Aborting cancels the HTTP request (and any pending retry); the call rejects with `signal.reason`. */
  signal?: AbortSignal;
}

export interface TokenUsage {
  promptTokens: number;
  completionTokens: number;
}

export interface ChatResponse {
  /** The answer with `<think>…</think>` reasoning removed. */
  text: string;
  /** Token counts as the server reported them (0 when it reported none). */
  usage: TokenUsage;
  latencyMs: number;
  /** HTTP requests this call made: 1, or more when a transient failure was retried. */
  attempts: number;
}

/** Streamed pieces of the answer (reasoning already filtered out), then one final `done` event. */
export type ChatStreamEvent = { delta: string } | ({ done: true } & ChatResponse);

export interface LlmProvider {
  readonly kind: 'ollama' | 'openai';
  /** The model name as the server knows it (e.g. `qwen2.5:7b-instruct`). */
  readonly model: string;
  /** Base URL of the server, as configured (named in every error). */
  readonly url: string;
  /** Check the server answers and serves `model`; throws LLM_UNAVAILABLE naming YZ_LLM_URL or YZ_LLM_MODEL. */
  init(): Promise<void>;
  /**
   * One completion. Transient failures (network, 429, 5xx) are retried with exponential backoff (at most
   * twice); a 4xx is not (LLM_REJECTED, or LLM_UNAVAILABLE for 401/403/404). Each HTTP attempt is bounded
   * by the configured timeout (LLM_TIMEOUT, not retried: a slow model stays slow).
   */
  chat(req: ChatRequest): Promise<ChatResponse>;
  /**
   * The same, streamed. Retries happen only before the first event; a stream that breaks later throws
   * LLM_UNAVAILABLE. The timeout applies to the wait for each next piece, not to the whole answer.
   */
  chatStream(req: ChatRequest): AsyncIterable<ChatStreamEvent>;
  /** Release resources. Safe to call twice. */
  close(): Promise<void>;
}
