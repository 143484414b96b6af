import type { LlmProvider } from './provider.ts';

/**
 * A provider that forwards everything to `inner` except the calls it overrides: the shape of every
 * decorator here (concurrency limit, metering, de-identification, prompted tools).
 */
export function decorate(inner: LlmProvider, calls: Pick<LlmProvider, 'chat' | 'chatStream'>): LlmProvider {
  return {
    kind: inner.kind,
    model: inner.model,
    url: inner.url,
    init: (signal) => inner.init(signal),
    close: () => inner.close(),
    ...(inner.describe ? { describe: () => (inner.describe as NonNullable<LlmProvider['describe']>)() } : {}),
    ...calls,
  };
}
