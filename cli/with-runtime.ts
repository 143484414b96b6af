import { loadConfig } from '../core/index.ts';
import { createRuntime, type Runtime } from '../runtime/index.ts';
import { fail } from './output.ts';

/** Open the runtime for one command (quiet logs, no background worker), run `fn`, always close; errors exit with a clear line. */
export async function withRuntime(json: boolean, fn: (rt: Runtime) => Promise<unknown>): Promise<void> {
  let rt: Runtime | undefined;
  try {
    rt = await createRuntime(loadConfig({ ...process.env, YZ_LOG_LEVEL: process.env.YZ_LOG_LEVEL ?? 'warn' }));
    await fn(rt);
    await rt.close();
  } catch (e) {
    await rt?.close().catch(() => undefined);
    fail(e, json);
  }
}
