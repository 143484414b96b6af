import { isAppError, type Logger } from '../core/index.ts';
import { decorate } from './decorate.ts';
import type { ChatRequest, ChatResponse, ChatStreamEvent, LlmProvider, TokenUsage } from './provider.ts';
import type { LlmUsageRecord } from './usage.repository.ts';

/** Where usage records go (LlmUsageRepository in production). */
export interface UsageSink {
  record(r: LlmUsageRecord): Promise<void>;
}

/**
 * A provider that records every call's tokens, latency and outcome (`llm_usage`). The record is written
 * after the answer is complete, so it never delays a streamed token; a failure to write it is logged,
 * never passed to the caller. Wrap it outside the concurrency limiter: `latencyMs` is the provider's own
 * measurement, so time spent queued for a slot is not counted as model latency.
 */
export function meterProvider(inner: LlmProvider, sink: UsageSink, log?: Logger): LlmProvider {
  const write = async (req: ChatRequest, streamed: boolean, outcome: { usage?: TokenUsage; latencyMs: number; firstTokenMs?: number; error?: unknown }) => {
    try {
      await sink.record({
        provider: inner.kind,
        model: inner.model,
        purpose: req.purpose ?? null,
        streamed,
        promptTokens: outcome.usage?.promptTokens ?? 0,
        completionTokens: outcome.usage?.completionTokens ?? 0,
        latencyMs: outcome.latencyMs,
        firstTokenMs: outcome.firstTokenMs ?? null,
        errorCode: outcome.error === undefined ? null : isAppError(outcome.error) ? outcome.error.code : aborted(outcome.error) ? 'ABORTED' : 'INTERNAL',
      });
    } catch (e) {
      log?.warn({ err: e }, 'could not record LLM usage');
    }
  };
  return decorate(inner, {
    async chat(req: ChatRequest): Promise<ChatResponse> {
      const started = performance.now();
      let res: ChatResponse;
      try {
        res = await inner.chat(req);
      } catch (error) {
        await write(req, false, { latencyMs: performance.now() - started, error });
        throw error;
      }
      await write(req, false, res);
      return res;
    },
    async *chatStream(req: ChatRequest): AsyncIterable<ChatStreamEvent> {
      const started = performance.now();
      let recorded = false;
      try {
        for await (const e of inner.chatStream(req)) {
          if ('done' in e) {
            recorded = true;
            await write(req, true, e);
          }
          yield e;
        }
      } catch (error) {
        if (!recorded) await write(req, true, { latencyMs: performance.now() - started, error });
        recorded = true;
        throw error;
      } finally {
        // The consumer stopped reading (a client that went away): an abandoned call, not an answer.
        if (!recorded) await write(req, true, { latencyMs: performance.now() - started, error: new DOMException('abandoned', 'AbortError') });
      }
    },
  });
}

function aborted(e: unknown): boolean {
  return (e as { name?: string })?.name === 'AbortError';
}
