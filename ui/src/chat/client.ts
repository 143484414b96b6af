/**
 * Client for the chat and LLM-status routes (issue 5 contract). The chat turn is a POST answered with
 * `text/event-stream`, read with fetch + ReadableStream; the session cookie
 * names the user, and the server keeps conversations per user.
 */
import type { ChatEvent, ChatLang, Conversation, ConversationSummary, LlmStatusDto } from '../api.ts';
import { ApiError, fetchJson, toApiError } from '../api.ts';
import { readSse } from './sse.ts';

/** The server refuses longer questions (QUESTION_TOO_LONG); the box counts against the same limit. */
export const MAX_QUESTION_CHARS = 4000;

const EVENT_TYPES = new Set<ChatEvent['type']>(['meta', 'tool', 'delta', 'citations', 'done', 'error']);

function headers(extra: Record<string, string> = {}): Record<string, string> {
  return { accept: 'application/json', ...extra };
}

function send<T>(method: 'GET' | 'DELETE', url: string, signal?: AbortSignal): Promise<T> {
  return fetchJson<T>(url, { method, signal, headers: headers() });
}

const enc = encodeURIComponent;

export const chatApi = {
  conversations: (signal?: AbortSignal) => send<{ conversations: ConversationSummary[] }>('GET', '/api/chat/conversations', signal).then((r) => r.conversations),
  conversation: (id: string, signal?: AbortSignal) => send<Conversation>('GET', `/api/chat/conversations/${enc(id)}`, signal),
  deleteConversation: (id: string) => send<null>('DELETE', `/api/chat/conversations/${enc(id)}`),
  /** Configuration, a live check, usage statistics and prompt versions of the model (Settings). */
  llmStatus: (signal?: AbortSignal) => send<LlmStatusDto>('GET', '/api/llm/status', signal),
};

export interface AskBody {
  message: string;
  conversationId?: string;
  lang?: ChatLang;
  /** Collection ids to answer from; none: every collection the user may see. */
  collections?: string[];
}

/**
 * One chat turn: POST /api/chat, then every event of the stream in order. Resolves after `done` or
 * `error` (an `error` event is delivered, not thrown); rejects with ApiError when the server refuses the
 * question (HTTP 4xx/5xx) or the stream breaks off, and with AbortError when `signal` aborts.
 */
export async function streamChat(body: AskBody, onEvent: (e: ChatEvent) => void, signal?: AbortSignal): Promise<void> {
  let res: Response;
  try {
    res = await fetch('/api/chat', {
      method: 'POST',
      signal,
      headers: headers({ accept: 'text/event-stream', 'content-type': 'application/json' }),
      body: JSON.stringify(body),
    });
  } catch (e) {
    if ((e as Error)?.name === 'AbortError') throw e;
    throw new ApiError(0, 'NETWORK', `无法连接服务器 / cannot reach the server (${(e as Error)?.message ?? e})`);
  }
  if (!res.ok || !res.body || !(res.headers.get('content-type') ?? '').includes('text/event-stream')) {
    const text = await res.text().catch(() => '');
    let json: unknown = null;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      json = null;
    }
    throw toApiError(res.ok ? 502 : res.status, json, text || `unexpected answer (${res.headers.get('content-type') ?? 'no content type'})`);
  }
  let finished = false;
  try {
    await readSse(
      res.body,
      (m) => {
        if (finished) return;
        let data: unknown;
        try {
          data = JSON.parse(m.data);
        } catch {
          return; // not one of ours (e.g. a proxy's keep-alive text)
        }
        const type = (data as { type?: string })?.type ?? m.event;
        if (!EVENT_TYPES.has(type as ChatEvent['type'])) return;
        const event = { ...(data as object), type } as ChatEvent;
        if (event.type === 'done' || event.type === 'error') finished = true;
        onEvent(event);
      },
      signal,
    );
  } catch (e) {
    if ((e as Error)?.name === 'AbortError') throw e;
    if (!finished) throw new ApiError(0, 'STREAM_BROKEN', `回答中断：与服务器的连接已断开 / the answer stream broke off (${(e as Error)?.message ?? e})`);
  }
  if (!finished) throw new ApiError(0, 'STREAM_ENDED', '回答中断：服务器未完成回答即关闭了连接 / the server closed the stream before the answer was complete');
}
