import { loadConfig } from '../core/index.ts';
import type { Services } from '../runtime/index.ts';
import { fail } from './output.ts';

/**
 * Open the runtime for one command (quiet logs, no background worker, use cases wait for the graph), run `fn`
 * with its services, always close; errors exit with a clear line.
 */
export async function withRuntime(json: boolean, fn: (s: Services) => Promise<unknown>): Promise<void> {
  // Loaded here, not at the top: `yingzhi --help` and commands that need no runtime start without it.
  const { createRuntime } = await import('../runtime/index.ts');
  let rt: Awaited<ReturnType<typeof createRuntime>> | undefined;
  try {
    rt = await createRuntime(loadConfig({ ...process.env, YZ_LOG_LEVEL: process.env.YZ_LOG_LEVEL ?? 'warn' }), { command: true });
    await fn(rt.services);
    await rt.close();
  } catch (e) {
    await rt?.close().catch(() => undefined);
    fail(e, json);
  }
}
