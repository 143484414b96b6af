import { type FormEvent, type KeyboardEvent, type Ref, useLayoutEffect, useRef } from 'react';
import { useI18n } from '../i18n.ts';
import { MAX_QUESTION_CHARS } from './client.ts';

const MAX_HEIGHT = 200;

/**
 * The question box: Enter sends, Shift+Enter breaks the line (and Enter that confirms an IME
 * composition, as when typing Chinese pinyin, does neither); a counter against the server's limit;
 * while an answer streams the box is disabled and Send becomes Stop.
 */
export function Composer({
  value,
  onChange,
  onSend,
  onStop,
  streaming,
  inputRef,
}: {
  value: string;
  onChange: (v: string) => void;
  onSend: (question: string) => void;
  onStop: () => void;
  streaming: boolean;
  inputRef?: Ref<HTMLTextAreaElement>;
}) {
  const { t, number } = useI18n();
  const local = useRef<HTMLTextAreaElement | null>(null);
  const length = value.trim().length;
  const tooLong = length > MAX_QUESTION_CHARS;
  const canSend = !streaming && length > 0 && !tooLong;

  // Grow with the text up to MAX_HEIGHT, then scroll inside.
  // biome-ignore lint/correctness/useExhaustiveDependencies: re-measure whenever the text changes
  useLayoutEffect(() => {
    const el = local.current;
    if (!el) return;
    el.style.height = 'auto';
    el.style.height = `${Math.min(MAX_HEIGHT, el.scrollHeight + 2)}px`;
  }, [value]);

  const submit = (e?: FormEvent) => {
    e?.preventDefault();
    if (canSend) onSend(value.trim());
  };
  const onKeyDown = (e: KeyboardEvent<HTMLTextAreaElement>) => {
    if (e.key !== 'Enter' || e.shiftKey || e.nativeEvent.isComposing || e.keyCode === 229) return;
    e.preventDefault();
    submit();
  };
  const setRef = (el: HTMLTextAreaElement | null) => {
    local.current = el;
    if (typeof inputRef === 'function') inputRef(el);
    else if (inputRef) (inputRef as { current: HTMLTextAreaElement | null }).current = el;
  };

  return (
    <form className={`composer${streaming ? ' is-streaming' : ''}`} onSubmit={submit} data-testid="composer">
      <label htmlFor="chat-input" className="sr-only">
        {t('chat.inputLabel')}
      </label>
      <textarea
        id="chat-input"
        ref={setRef}
        className="composer-input"
        rows={2}
        value={value}
        placeholder={t('chat.placeholder')}
        disabled={streaming}
        onChange={(e) => onChange(e.target.value)}
        onKeyDown={onKeyDown}
        aria-invalid={tooLong}
        aria-describedby="chat-counter"
      />
      <div className="composer-foot">
        <span id="chat-counter" className={`composer-counter${tooLong ? ' over' : ''}`} data-testid="chat-counter">
          {tooLong ? `${t('chat.tooLong', { max: number(MAX_QUESTION_CHARS) })} · ` : ''}
          {number(length)} / {number(MAX_QUESTION_CHARS)}
        </span>
        {streaming ? (
          <button type="button" className="btn btn-stop" onClick={onStop} data-testid="chat-stop">
            <span className="stop-square" aria-hidden="true" />
            {t('chat.stop')}
          </button>
        ) : (
          <button type="submit" className="btn btn-primary" disabled={!canSend} data-testid="chat-send">
            {t('chat.send')}
          </button>
        )}
      </div>
    </form>
  );
}
