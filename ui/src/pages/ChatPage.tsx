import { useCallback, useEffect, useLayoutEffect, useRef, useState } from 'react';
import { useNavigate, useSearchParams } from 'react-router-dom';
import type { ChatCitation, ConversationSummary } from '../api.ts';
import { Composer } from '../chat/Composer.tsx';
import { ConversationList } from '../chat/ConversationList.tsx';
import { chatApi } from '../chat/client.ts';
import { RelationDialog } from '../chat/RelationDialog.tsx';
import { TurnView } from '../chat/TurnView.tsx';
import { useChat } from '../chat/useChat.ts';
import { ErrorAlert, Loading, useTitle } from '../components.tsx';
import { useI18n } from '../i18n.ts';
import { Dialog } from '../kg/Dialog.tsx';
import { CollectionPicker } from '../library/CollectionPicker.tsx';
import { useCollectionChoice } from '../library/collections.ts';

/** Height of the sticky top bar plus a margin: a turn scrolled to the top stays below it. */
const TOP_BAR = 72;
const EXAMPLES = ['肺结节多大需要随访？', '非小细胞肺癌T2期的标准是什么', '急性脑梗死在DWI上有什么表现？', '磨玻璃结节如何随访？', '胎盘植入的MRI征象有哪些？'];

/** 问答: cited answers from the knowledge base, streamed; conversations kept per user. The open one is ?c=<id>. */
export function ChatPage() {
  const { t } = useI18n();
  useTitle(t('chat.title'));
  const [sp] = useSearchParams();
  const navigate = useNavigate();
  const [conversations, setConversations] = useState<ConversationSummary[] | null>(null);
  const [listError, setListError] = useState<unknown>(null);
  const [listTick, setListTick] = useState(0);
  const [draft, setDraft] = useState('');
  const [relation, setRelation] = useState<ChatCitation | null>(null);
  const [deleting, setDeleting] = useState<ConversationSummary | null>(null);
  const [deleteError, setDeleteError] = useState<unknown>(null);
  const inputRef = useRef<HTMLTextAreaElement>(null);
  const threadEnd = useRef<HTMLDivElement>(null);

  const refreshList = useCallback(() => setListTick((n) => n + 1), []);
  const { chosen, setChosen, collections } = useCollectionChoice();
  const chat = useChat({
    onConversation: (id) => navigate(`/chat?c=${encodeURIComponent(id)}`, { replace: true }),
    onSettled: refreshList,
    collections: chosen,
  });

  // biome-ignore lint/correctness/useExhaustiveDependencies: listTick is the reload trigger
  useEffect(() => {
    const ctl = new AbortController();
    chatApi
      .conversations(ctl.signal)
      .then((items) => {
        setConversations(items);
        setListError(null);
      })
      .catch((e) => {
        if (!ctl.signal.aborted) setListError(e);
      });
    return () => ctl.abort();
  }, [listTick]);

  // The URL decides which conversation is open (links in the list, back/forward, reload).
  const wanted = sp.get('c');
  const { open, reset } = chat;
  useEffect(() => {
    if (wanted) open(wanted);
    else reset();
  }, [wanted, open, reset]);

  // Follow the answer as it streams, unless the reader has scrolled up to read — and never past the
  // top of the current turn: a long answer (an extractive one arrives at once) is read from its start.
  const pinned = useRef(true);
  useEffect(() => {
    const onScroll = () => {
      pinned.current = window.innerHeight + window.scrollY >= document.documentElement.scrollHeight - 160;
    };
    window.addEventListener('scroll', onScroll, { passive: true });
    return () => window.removeEventListener('scroll', onScroll);
  }, []);
  const lastTurn = chat.turns.at(-1);
  // biome-ignore lint/correctness/useExhaustiveDependencies: scroll when the last turn grows
  useLayoutEffect(() => {
    const end = threadEnd.current;
    const turn = end?.parentElement?.querySelector('.turn:last-of-type');
    if (!pinned.current || !end || !turn) return;
    const dock = document.querySelector('.composer-dock')?.getBoundingClientRect().height ?? 0;
    const overflow = end.getBoundingClientRect().bottom - (window.innerHeight - dock);
    const room = turn.getBoundingClientRect().top - TOP_BAR;
    const by = Math.min(overflow, room);
    if (by > 0) window.scrollBy({ top: by });
  }, [lastTurn?.streamed, lastTurn?.status, lastTurn?.tools.length, chat.turns.length]);

  const send = (question: string) => {
    pinned.current = true;
    setDraft('');
    chat.ask(question);
  };

  // Focus the box for the next question once an answer has finished.
  useEffect(() => {
    if (!chat.streaming) inputRef.current?.focus();
  }, [chat.streaming]);

  const confirmDelete = async () => {
    if (!deleting) return;
    try {
      await chatApi.deleteConversation(deleting.id);
      if (deleting.id === chat.conversationId) navigate('/chat');
      setDeleting(null);
      refreshList();
    } catch (e) {
      setDeleteError(e);
    }
  };

  const empty = chat.turns.length === 0 && !chat.loading && !chat.loadError;
  return (
    <section className="page chat-page">
      <div className="chat-layout">
        <ConversationList
          items={conversations}
          activeId={chat.conversationId}
          error={listError}
          onRetry={refreshList}
          onNew={() => navigate('/chat')}
          onDelete={(c) => {
            setDeleteError(null);
            setDeleting(c);
          }}
          disabled={chat.streaming}
        />
        <div className="chat-main">
          <h1 className="sr-only">{t('chat.title')}</h1>
          <div className="chat-thread" data-testid="chat-thread">
            {chat.loadError ? <ErrorAlert error={chat.loadError} title={t('chat.loadFailed')} onRetry={() => {
                  chat.reset();
                  if (wanted) chat.open(wanted);
                }} /> : null}
            {chat.loading && <Loading />}
            {empty && (
              <div className="chat-welcome" data-testid="chat-welcome">
                <div className="chat-welcome-mark" aria-hidden="true">
                  影
                </div>
                <h2>{t('chat.welcomeTitle')}</h2>
                <p className="muted">{t('chat.welcome')}</p>
                <div className="chat-examples">
                  <span className="chat-examples-label">{t('chat.examples')}</span>
                  <div className="chips">
                    {EXAMPLES.map((q) => (
                      <button key={q} type="button" className="chip" onClick={() => send(q)} data-testid="example-question">
                        {q}
                      </button>
                    ))}
                  </div>
                </div>
              </div>
            )}
            {chat.turns.map((turn) => (
              <TurnView key={turn.key} turn={turn} onRetry={chat.retry} onRelation={setRelation} />
            ))}
            <div ref={threadEnd} />
          </div>
          <div className="composer-dock">
            <CollectionPicker collections={collections} chosen={chosen} onChange={setChosen} testId="chat-collections" />
            <Composer value={draft} onChange={setDraft} onSend={send} onStop={chat.stop} streaming={chat.streaming} inputRef={inputRef} />
            <p className="chat-disclaimer">{t('chat.disclaimer')}</p>
          </div>
        </div>
      </div>
      <RelationDialog citation={relation} onClose={() => setRelation(null)} />
      <Dialog open={deleting !== null} title={t('chat.delete')} onClose={() => setDeleting(null)} testId="delete-dialog">
        <p>{t('chat.deleteBody', { title: deleting?.title ?? '' })}</p>
        {deleteError ? <ErrorAlert error={deleteError} /> : null}
        <div className="dialog-actions">
          <button type="button" className="btn" onClick={() => setDeleting(null)}>
            {t('chat.cancel')}
          </button>
          <button type="button" className="btn btn-danger" onClick={() => void confirmDelete()} data-testid="confirm-delete">
            {t('chat.deleteConfirm')}
          </button>
        </div>
      </Dialog>
    </section>
  );
}
