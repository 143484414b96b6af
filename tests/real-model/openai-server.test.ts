import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OpenAiProvider } from '../../llm/index.ts';
import { realModels, startLlamaServer } from '../helpers/real-models.ts';
import { llmProviderContract } from '../llm-provider.contract.ts';

/** The same 0.5B GGUF behind llama.cpp's own OpenAI-compatible server (xllamacpp) on loopback. */
const models = realModels();
const TIMEOUT = 120_000;

describe.skipIf(!models)('openai provider against llama.cpp server (xllamacpp) with the real 0.5B model', () => {
  let server: Awaited<ReturnType<typeof startLlamaServer>>;
  let provider: OpenAiProvider;
  beforeAll(async () => {
    server = await startLlamaServer(models?.serverPython as string, models?.qwen as string, 'qwen-0.5b');
    provider = new OpenAiProvider({ url: server.url, model: 'qwen-0.5b', timeoutMs: TIMEOUT });
  }, TIMEOUT);
  afterAll(() => server?.stop());

  it('init() finds the served model by its alias', async () => {
    await expect(provider.init()).resolves.toBeUndefined();
    await expect(new OpenAiProvider({ url: server.url, model: 'absent', timeoutMs: 5000 }).init()).rejects.toMatchObject({ code: 'LLM_UNAVAILABLE', field: 'YZ_LLM_MODEL' });
  });

  llmProviderContract(() => ({ provider, timeoutMs: TIMEOUT }));
});
