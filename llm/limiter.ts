import pLimit, { type LimitFunction } from 'p-limit';
import { decorate } from './decorate.ts';
import type { ChatRequest, ChatResponse, ChatStreamEvent, LlmProvider } from './provider.ts';

/**
 * A provider that lets at most `concurrency` requests reach the model server at once (YZ_LLM_CONCURRENCY):
 * a local GPU serves a few sequences well and many badly. Waiting callers queue in order; a stream holds
 * its slot until it is consumed or abandoned; a caller aborted while queued rejects at once and its
 * turn is skipped.
 */
export function limitProvider(inner: LlmProvider, concurrency: number): LlmProvider {
  const limit = pLimit(concurrency);
  return decorate(inner, {
    async chat(req: ChatRequest): Promise<ChatResponse> {
      const release = await acquire(limit, req.signal);
      try {
        return await inner.chat(req);
      } finally {
        release();
      }
    },
    async *chatStream(req: ChatRequest): AsyncIterable<ChatStreamEvent> {
      const release = await acquire(limit, req.signal);
      try {
        yield* inner.chatStream(req);
      } finally {
        release();
      }
    },
  });
}

/** Take a slot and keep it until the returned function is called; rejects with the abort reason while queued. */
function acquire(limit: LimitFunction, signal: AbortSignal | undefined): Promise<() => void> {
  return new Promise((granted, rejected) => {
    if (signal?.aborted) return rejected(signal.reason);
    let abandoned = false;
    const onAbort = () => {
      abandoned = true;
      rejected(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    void limit(() => {
      signal?.removeEventListener('abort', onAbort);
      if (abandoned) return Promise.resolve();
      return new Promise<void>((release) => granted(() => release()));
    });
  });
}
