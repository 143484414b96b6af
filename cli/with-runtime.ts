import { type Config, loadConfig } from '../core/index.ts';
import type { SearchServices, Services } from '../runtime/index.ts';
import { fail } from './output.ts';

/** What a command opens: its services and how to close them. */
type Opened<S> = { services: S; close(): Promise<void> };

/** Open with quiet logs, run `fn` with the services, always close; errors exit with a clear line. */
async function withOpened<S>(json: boolean, open: (config: Config) => Promise<Opened<S>>, fn: (s: S) => Promise<unknown>): Promise<void> {
  let rt: Opened<S> | undefined;
  try {
    rt = await open(loadConfig({ ...process.env, YZ_LOG_LEVEL: process.env.YZ_LOG_LEVEL ?? 'warn' }));
    await fn(rt.services);
    await rt.close();
  } catch (e) {
    await rt?.close().catch(() => undefined);
    fail(e, json);
  }
}

/**
 * The whole runtime for one command (no background worker, use cases wait for the graph). Loaded when called,
 * not at the top: `yingzhi --help` and commands that need no runtime start without it.
 */
export function withRuntime(json: boolean, fn: (s: Services) => Promise<unknown>): Promise<void> {
  return withOpened(json, async (config) => (await import('../runtime/index.ts')).createRuntime(config, { command: true }), fn);
}

/**
 * A read-only search: the small composition root (runtime/search-runtime.ts), imported by its own module because
 * runtime/index.ts loads every capability, which is the start-up cost the search root exists to avoid.
 */
export function withSearchRuntime(json: boolean, fn: (s: SearchServices) => Promise<unknown>): Promise<void> {
  return withOpened(json, async (config) => (await import('../runtime/search-runtime.ts')).createSearchRuntime(config), fn);
}
