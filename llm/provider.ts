import type { z } from 'zod';

/**
 * The LLM port: one chat call against a locally hosted model. Three implementations: two speak the wire
 * formats local servers offer (Ollama's native `/api/chat`; the OpenAI-compatible `/v1/chat/completions`
 * of vLLM, llama.cpp, LM Studio, Xinference…), tested at the HTTP protocol level against
 * tests/fakes/llm-server.ts; `embedded` runs a GGUF file in-process (llama.cpp). All three pass one
 * contract suite (tests/llm-provider.contract.ts).
 */

export type ChatRole = 'system' | 'user' | 'assistant' | 'tool';

export interface ChatMessage {
  role: ChatRole;
  content: string;
  /** An assistant turn that asked for tools (sent back with the tool results that answer it). */
  toolCalls?: ToolCall[];
  /** A `tool` message: the call it answers (OpenAI `tool_call_id`) and the tool's name (Ollama `tool_name`). */
  toolCallId?: string;
  toolName?: string;
}

/** A function the model may call, described by a JSON schema of its arguments. */
export interface ToolSpec {
  name: string;
  description: string;
  parameters: Record<string, unknown>;
  /** The tool's zod input schema (never sent): the prompted tool protocol validates calls with it. */
  schema?: z.ZodType;
}

/** A tool call the model asked for. */
export interface ToolCall {
  /** The server's id (OpenAI), or one made up for servers that send none (Ollama). */
  id: string;
  name: string;
  /** Parsed arguments; `{}` when the model sent none or sent malformed JSON (see `argumentsError`). */
  arguments: Record<string, unknown>;
  /** Why the arguments could not be parsed (the raw text is in the message), for the tool result sent back. */
  argumentsError?: string;
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
  /** Functions the model may call (Ollama and OpenAI `tools`); calls come back in `toolCalls`. */
  tools?: ToolSpec[];
  temperature?: number;
  maxTokens?: number;
  /** What the call is for (e.g. `chat-answer@v1`), recorded with its token usage; not sent. */
  purpose?: string;
  /** Aborting cancels the HTTP request (and any pending retry); the call rejects with `signal.reason`. */
  signal?: AbortSignal;
}

export interface TokenUsage {
  promptTokens: number;
  completionTokens: number;
}

/** Why generation stopped: the model finished, `maxTokens` cut it off, or it asked for tools. */
export type FinishReason = 'stop' | 'length' | 'tool_calls';

export interface ChatResponse {
  /** The answer with `<think>…</think>` reasoning removed. */
  text: string;
  /** Token counts as the server reported them (0 when it reported none). */
  usage: TokenUsage;
  latencyMs: number;
  /** HTTP requests this call made: 1, or more when a transient failure was retried. */
  attempts: number;
  /** Tools the model asked to call (empty when it answered in text). */
  toolCalls: ToolCall[];
  /** `length`: the answer was cut at `maxTokens` (JSON in it is likely unclosed). Absent when the server did not say. */
  finishReason?: FinishReason;
  /** Streaming: time from the request to the first piece (prompt reading), for speed statistics. */
  firstTokenMs?: number;
}

/** What is known about the loaded model (embedded: the GGUF file; servers: nothing beyond name and URL). */
export interface ModelDescription {
  file: string;
  sizeBytes: number;
  name: string | null;
  architecture: string | null;
  trainContextSize: number | null;
  contextSize: number;
  threads: number;
  sequences: number;
  loadMs: number;
  estimatedRamBytes: number;
}

export type ProviderKind = 'ollama' | 'openai' | 'embedded';

/** Streamed pieces of the answer (reasoning already filtered out), then one final `done` event. */
export type ChatStreamEvent = { delta: string } | ({ done: true } & ChatResponse);

export interface LlmProvider {
  readonly kind: ProviderKind;
  /** The model name as the server knows it (e.g. `qwen2.5:7b-instruct`), or the embedded model's name. */
  readonly model: string;
  /** Base URL of the server, as configured (named in every error); the GGUF path for `embedded`. */
  readonly url: string;
  /**
   * Check the server answers and serves `model` (throws LLM_UNAVAILABLE naming YZ_LLM_URL or YZ_LLM_MODEL);
   * `embedded` loads the model (MODEL_NOT_INSTALLED, LLM_MODEL_TOO_LARGE). Safe to call again.
   */
  init(signal?: AbortSignal): Promise<void>;
  /** The loaded model file, its context and load time (embedded only). */
  describe?(): Promise<ModelDescription>;
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
