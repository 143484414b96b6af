import { useCallback, useEffect, useRef, useState } from 'react';
import { ApiError } from '../api.ts';
import { chatApi, streamChat } from './client.ts';
import { applyEvent, newTurn, type Turn, turnsFromMessages } from './turns.ts';

export interface ChatState {
  conversationId: string | null;
  turns: Turn[];
  streaming: boolean;
  loading: boolean;
  loadError: unknown;
  /** Ask in the current conversation (a new one when none is open). */
  ask(question: string): void;
  /** Abort the answer being streamed; the server stops generating when the connection closes. */
  stop(): void;
  /** Ask a failed or stopped turn's question again, in place of that turn. */
  retry(key: string): void;
  /** Show a stored conversation. */
  open(id: string): void;
  /** Start over with an empty, not yet created conversation. */
  reset(): void;
}

/**
 * The conversation on screen: its turns, the stream in progress and its AbortController.
 * `onConversation` hears the id the server gives a new conversation; `onSettled` runs after every turn.
 */
export function useChat(opts: { onConversation?: (id: string) => void; onSettled?: () => void; collections?: string[] } = {}): ChatState {
  const [conversationId, setConversationId] = useState<string | null>(null);
  const [turns, setTurns] = useState<Turn[]>([]);
  const [loading, setLoading] = useState(false);
  const [loadError, setLoadError] = useState<unknown>(null);
  const conversation = useRef<string | null>(null);
  const stream = useRef<AbortController | null>(null);
  const load = useRef<AbortController | null>(null);
  const callbacks = useRef(opts);
  callbacks.current = opts;
  const turnsRef = useRef(turns);
  turnsRef.current = turns;

  useEffect(
    () => () => {
      stream.current?.abort();
      load.current?.abort();
    },
    [],
  );

  const update = useCallback((key: string, fn: (t: Turn) => Turn) => setTurns((ts) => ts.map((t) => (t.key === key ? fn(t) : t))), []);

  const run = useCallback(
    async (question: string, replace?: string) => {
      if (stream.current) return;
      const turn = newTurn(question);
      setTurns((ts) => [...ts.filter((t) => t.key !== replace), turn]);
      const ctl = new AbortController();
      stream.current = ctl;
      try {
        await streamChat(
          { message: question, conversationId: conversation.current ?? undefined, ...(callbacks.current.collections?.length ? { collections: callbacks.current.collections } : {}) },
          (e) => {
            if (e.type === 'meta' && e.conversationId !== conversation.current) {
              conversation.current = e.conversationId;
              setConversationId(e.conversationId);
              callbacks.current.onConversation?.(e.conversationId);
            }
            update(turn.key, (t) => applyEvent(t, e));
          },
          ctl.signal,
        );
      } catch (e) {
        if ((e as Error)?.name === 'AbortError') update(turn.key, (t) => (t.status === 'streaming' ? { ...t, status: 'stopped' } : t));
        else {
          const code = e instanceof ApiError ? e.code : 'ERROR';
          update(turn.key, (t) => ({ ...t, status: 'error', error: { code, message: (e as Error)?.message ?? String(e) } }));
        }
      } finally {
        if (stream.current === ctl) stream.current = null;
        callbacks.current.onSettled?.();
      }
    },
    [update],
  );

  const ask = useCallback((question: string) => void run(question), [run]);
  const retry = useCallback(
    (key: string) => {
      const turn = turnsRef.current.find((t) => t.key === key);
      if (turn) void run(turn.question, key);
    },
    [run],
  );
  const stop = useCallback(() => stream.current?.abort(), []);

  const reset = useCallback(() => {
    stream.current?.abort();
    load.current?.abort();
    conversation.current = null;
    setConversationId(null);
    setTurns([]);
    setLoadError(null);
    setLoading(false);
  }, []);

  const open = useCallback((id: string) => {
    if (id === conversation.current) return;
    stream.current?.abort();
    load.current?.abort();
    const ctl = new AbortController();
    load.current = ctl;
    conversation.current = id;
    setConversationId(id);
    setTurns([]);
    setLoadError(null);
    setLoading(true);
    chatApi
      .conversation(id, ctl.signal)
      .then((c) => setTurns(turnsFromMessages(c.messages)))
      .catch((e) => {
        if (!ctl.signal.aborted) setLoadError(e);
      })
      .finally(() => {
        if (load.current === ctl) {
          load.current = null;
          setLoading(false);
        }
      });
  }, []);

  return { conversationId, turns, streaming: turns.some((t) => t.status === 'streaming'), loading, loadError, ask, stop, retry, open, reset };
}
