import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EmbeddedProvider } from '../../llm/index.ts';
import { realModels } from '../helpers/real-models.ts';
import { llmProviderContract } from '../llm-provider.contract.ts';

/** The real Qwen2.5-Coder-0.5B GGUF in-process (node-llama-cpp, 1 thread): the provider contract. */
const models = realModels();
const TIMEOUT = 120_000;

describe.skipIf(!models)('embedded provider on the real 0.5B model', () => {
  let provider: EmbeddedProvider;
  beforeAll(async () => {
    provider = new EmbeddedProvider({ file: models?.qwen as string, model: 'qwen-0.5b', threads: 1, contextSize: 4096, concurrency: 1, timeoutMs: TIMEOUT });
    await provider.init();
  }, TIMEOUT);
  afterAll(() => provider?.close());

  llmProviderContract(() => ({ provider, timeoutMs: TIMEOUT }));

  it('describes the loaded file: size, context, threads, load time', async () => {
    const d = await provider.describe();
    expect(d).toMatchObject({ sizeBytes: 491_400_064, contextSize: 4096, threads: 1, architecture: 'qwen2' });
    expect(d.loadMs).toBeGreaterThan(0);
  });

  it('refuses a prompt longer than the context window (LLM_REJECTED), without calling the model', async () => {
    const long = '肺结节'.repeat(3000);
    await expect(provider.chat({ messages: [{ role: 'user', content: long }] })).rejects.toMatchObject({ code: 'LLM_REJECTED', field: 'YZ_LLM_NUM_CTX' });
  });

  it('refuses at start a model too large for the memory it may use (LLM_MODEL_TOO_LARGE), naming both sizes', async () => {
    // Another context size: a model already loaded with the same settings is shared, not loaded again.
    const small = new EmbeddedProvider({ file: models?.qwen as string, model: 'qwen-0.5b', threads: 1, contextSize: 2048, concurrency: 1, timeoutMs: TIMEOUT, memoryLimitBytes: 64 * 1048576 });
    const err = await small.init().catch((e) => e);
    expect(err).toMatchObject({ code: 'LLM_MODEL_TOO_LARGE', field: 'YZ_LLM_MODEL_FILE' });
    expect(err.message).toMatch(/needs about \d+ MB .* only 64 MB/);
    await small.close();
  });

  it('a missing model file is MODEL_NOT_INSTALLED with the install command', async () => {
    const missing = new EmbeddedProvider({ file: '/nonexistent/x.gguf', model: 'x', threads: 1, contextSize: 2048, concurrency: 1, timeoutMs: TIMEOUT });
    await expect(missing.init()).rejects.toMatchObject({ code: 'MODEL_NOT_INSTALLED', message: expect.stringContaining('npm run models -- install') });
  });
});
