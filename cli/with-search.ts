import { loadConfig } from '../core/index.ts';
import type { SearchServices } from '../runtime/index.ts';
import { fail } from './output.ts';

/**
 * `withRuntime` for a read-only search: the small composition root (runtime/search-runtime.ts), which loads
 * only the search capability, so `yingzhi search` answers in well under the full runtime's start-up time.
 */
export async function withSearchRuntime(json: boolean, fn: (s: SearchServices) => Promise<unknown>): Promise<void> {
  const { createSearchRuntime } = await import('../runtime/search-runtime.ts');
  let rt: Awaited<ReturnType<typeof createSearchRuntime>> | undefined;
  try {
    rt = await createSearchRuntime(loadConfig({ ...process.env, YZ_LOG_LEVEL: process.env.YZ_LOG_LEVEL ?? 'warn' }));
    await fn(rt.services);
    await rt.close();
  } catch (e) {
    await rt?.close().catch(() => undefined);
    fail(e, json);
  }
}
