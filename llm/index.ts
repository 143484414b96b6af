/**
 * LLM capability: providers for locally hosted model servers (Ollama native, OpenAI-compatible) behind
 * one port (chat, streaming, JSON-schema output, tool calls), tolerant parsing of model JSON, a response
 * cache and per-call usage records in the product database, and versioned prompt files (prompts/*.md).
 */

export { ActiveModel, type ConnectorEndpoint, type ModelSource } from './active-model.ts';
export { buildLlmStack, createProvider, type LlmStackDeps } from './create-provider.ts';
export { deidentifyProvider } from './deid-provider.ts';
export { EmbeddedProvider, type EmbeddedProviderOptions } from './embedded/embedded-provider.ts';
export { badOutputError, extractJson, ModelOutputError, parseModelJson } from './json-output.ts';
export { limitProvider } from './limiter.ts';
export { type LlmSettingsInput, LlmSettingsRepository, type LlmSettingsRow } from './llm-settings.repository.ts';
export { type LlmSettingsChoice, LlmSettingsInputSchema, LlmSettingsService, LocalModelSchema } from './llm-settings.service.ts';
export { meterProvider, type UsageSink } from './metered-provider.ts';
export { type CatalogEntry, catalogEntry, MODEL_CATALOG } from './models/catalog.ts';
export { type InstallResult, installedGguf, installedVenvBin, ModelInstaller, type ModelInstallerOptions, type ModelListing, modelPaths, type VerifyResult } from './models/installer.ts';
export { OllamaProvider } from './ollama-provider.ts';
export { OpenAiProvider } from './openai-provider.ts';
export { promptForJson } from './prompted-json.ts';
export { type ParsedCalls, parseToolCalls, promptedTools, type ToolMode } from './prompted-tools.ts';
export { loadPrompt, loadPrompts, PROMPTS_DIR, type Prompt, PromptFrontMatterSchema, parsePrompt, promptTag, renderPrompt } from './prompts.ts';
export type { ChatMessage, ChatRequest, ChatResponse, ChatRole, ChatStreamEvent, FinishReason, JsonSchemaSpec, LlmProvider, ModelDescription, ProviderKind, TokenUsage, ToolCall, ToolSpec } from './provider.ts';
export { type CachedResponse, type CacheKey, hashInput, LlmResponseCache } from './response-cache.ts';
export { type LlmStatus, LlmStatusSchema, LoadedModelSchema, llmStatus } from './status.ts';
export { stripThink, ThinkStreamFilter } from './think.ts';
export { parseToolArguments } from './tool-calls.ts';
export { PROBE_TOOL, ToolModeProbe } from './tool-probe.ts';
export type { ProviderOptions } from './transport.ts';
export { type LlmUsageRecord, LlmUsageRepository, type LlmUsageStats, USAGE_WINDOW_HOURS } from './usage.repository.ts';
