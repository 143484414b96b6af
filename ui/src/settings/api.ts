import type { LlmStatusDto } from '../api.ts';
import { request } from '../api.ts';

/** A local model the embedded provider can switch to. */
export interface LocalModelDto {
  id: string;
  title: string;
  sizeBytes: number | null;
}

export type LlmChoice = { kind: 'none' } | { kind: 'ollama' | 'openai'; url: string; model: string } | { kind: 'embedded'; model: string } | { kind: 'connector'; connectorId: string };

/** Admin: switch the active model (PUT tries it first; DELETE returns to the environment's). */
export const llmSettingsApi = {
  localModels: (signal?: AbortSignal) => request<{ items: LocalModelDto[] }>('GET', '/api/llm/models', signal),
  set: (choice: LlmChoice) => request<LlmStatusDto>('PUT', '/api/llm/settings', undefined, choice),
  reset: () => request<LlmStatusDto>('DELETE', '/api/llm/settings'),
};
