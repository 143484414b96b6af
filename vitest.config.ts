import { defineConfig } from 'vitest/config';

/**
 * Two projects: `unit` (everything, models faked at the protocol level) and `real-model` (tests/real-model:
 * the installed 0.5B GGUF, e5 and llama.cpp's server on real CPU, one file at a time, long timeouts). Both
 * run under `npm test`; the real-model files skip locally without the models and fail under CI=true.
 */
export default defineConfig({
  test: {
    pool: 'forks',
    maxWorkers: 2,
    globalSetup: ['tests/global-setup.ts'],
    reporters: ['default', 'json'],
    outputFile: { json: 'test-results/vitest.json' },
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['tests/**/*.test.ts', '{core,audit,store,ingest,search,graph,knowledge,llm,api,cli,runtime}/**/*.test.ts'],
          exclude: ['tests/real-model/**'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'real-model',
          include: ['tests/real-model/**/*.test.ts'],
          fileParallelism: false,
          testTimeout: 300_000,
          hookTimeout: 300_000,
        },
      },
    ],
  },
});
