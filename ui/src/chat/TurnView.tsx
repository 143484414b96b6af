import { Link } from 'react-router-dom';
import type { ChatCitation } from '../api.ts';
import { Badge } from '../components.tsx';
import { DocTable } from '../DocTable.tsx';
import { useI18n } from '../i18n.ts';
import { answerBlocks } from '../tables.ts';
import { checkedSpans, citedNumbers, displayNumbering, holdsInOrder, piecesOf, plainSpans, type Span, withoutExtractiveLabel } from './answerText.ts';
import { CitationList } from './CitationList.tsx';
import { CiteChip } from './CiteChip.tsx';
import { ToolsPanel } from './ToolsPanel.tsx';
import { isRefusal, type Turn } from './turns.ts';

/** One question and its answer: tools, streamed text with citation chips, checked sentences, sources, timing. */
export function TurnView({ turn, onRetry, onRelation }: { turn: Turn; onRetry: (key: string) => void; onRelation: (c: ChatCitation) => void }) {
  const { t } = useI18n();
  const refused = isRefusal(turn);
  // A refusal is no extractive answer: nothing was quoted.
  const extractive = turn.engine === 'extractive' && !refused;
  const { text, spans, flagged } = answerSpans(turn);
  // Sentences the model wrote without [n], cited by the checker to the one passage that supports them.
  const attributed = turn.done?.sentences?.filter((x) => x.attributed).length ?? 0;
  const byNumber = new Map(turn.evidence.map((c) => [c.n, c]));
  // While streaming, the citations event lists all evidence: show only what the text cites so far.
  const used = new Set(citedNumbers(text));
  const shown = displayNumbering([...used], (turn.status === 'done' ? turn.citations : turn.evidence).map((c) => c.n));
  const numberOf = (n: number) => shown.get(n) ?? n;
  const listed = (turn.status === 'done' ? turn.citations : turn.citations.filter((c) => used.has(c.n))).slice().sort((a, b) => numberOf(a.n) - numberOf(b.n));
  const variant = refused ? 'refused' : turn.status === 'error' ? 'error' : extractive ? 'extractive' : 'llm';
  return (
    <article className="turn" data-testid="turn" data-status={turn.status}>
      <div className="turn-q">
        <div className="q-bubble" data-testid="question">
          <span className="sr-only">{t('chat.you')}: </span>
          {turn.question}
        </div>
      </div>
      <div className={`answer answer-${variant}`} data-testid="answer" data-engine={turn.engine ?? ''} data-refused={refused ? 'true' : 'false'}>
        <div className="answer-avatar" aria-hidden="true">
          影
        </div>
        <div className="answer-main">
          <div className="answer-head">
            <span className="answer-who">{t('chat.assistant')}</span>
            {extractive && (
              <Badge tone="amber" title={t('chat.extractiveHint')}>
                <span data-testid="extractive-badge">{t('chat.extractive')}</span>
              </Badge>
            )}
            {refused && (
              <Badge tone="grey">
                <span data-testid="refused-badge">{t('chat.refused')}</span>
              </Badge>
            )}
          </div>
          <ToolsPanel tools={turn.tools} />
          {extractive && turn.status !== 'error' && <p className="answer-hint">{t('chat.extractiveHint')}</p>}
          {turn.status === 'streaming' && !text && (
            <div className="answer-thinking" role="status">
              <span className="dots" aria-hidden="true">
                <span />
                <span />
                <span />
              </span>
              {t('chat.thinking')}
            </div>
          )}
          {spans.length > 0 && (
            <div className="answer-text" data-testid="answer-text" aria-live={turn.status === 'streaming' ? 'polite' : undefined} aria-busy={turn.status === 'streaming'}>
              <AnswerBody text={text} spans={spans} sentences={flagged ? turn.done?.sentences : undefined} byNumber={byNumber} numberOf={numberOf} onRelation={onRelation} />
              {turn.status === 'streaming' && <span className="caret" aria-hidden="true" />}
            </div>
          )}
          {attributed > 0 && (
            <p className="answer-note" data-testid="attributed-note">
              {t('chat.attributedNote', { n: attributed })}
            </p>
          )}
          {flagged > 0 && (
            <p className="answer-note answer-note-flag" data-testid="unsupported-note">
              ⚠ {t('chat.unsupportedNote', { n: flagged })}
            </p>
          )}
          {refused && turn.status === 'done' && (
            <div className="answer-refusal" data-testid="refusal">
              <p>{t('chat.refusedHint')}</p>
              <Link to={`/search?q=${encodeURIComponent(turn.question.slice(0, 200))}`} className="btn btn-small">
                {t('chat.searchInstead')} →
              </Link>
            </div>
          )}
          {turn.status === 'stopped' && !turn.fromHistory && <p className="answer-note">{t('chat.stopped')}</p>}
          {turn.status === 'stopped' && turn.fromHistory && <p className="answer-note">{t('chat.incomplete')}</p>}
          {turn.status === 'error' && turn.error && (
            <div className="alert alert-error" role="alert" data-testid="chat-error">
              <div className="alert-body">
                <strong className="alert-title">{t('chat.errorTitle')}</strong>
                <span className="alert-message">{turn.error.message}</span>
                <code className="alert-code">{turn.error.code}</code>
              </div>
              <button type="button" className="btn btn-small" onClick={() => onRetry(turn.key)} data-testid="chat-retry">
                {t('common.retry')}
              </button>
            </div>
          )}
          {!refused && <CitationList citations={listed} numberOf={numberOf} onRelation={onRelation} />}
          <TurnMeta turn={turn} />
        </div>
      </div>
    </article>
  );
}

/**
 * What to draw: the streamed text while streaming (or when stopped or failed). After `done`, the checker's
 * sentences drawn into the streamed text when it holds them all (it keeps the model's line breaks), else
 * into the checked answer; dropped sentences flagged.
 */
function answerSpans(turn: Turn): { text: string; spans: Span[]; flagged: number } {
  const label = (x: string) => (turn.engine === 'extractive' ? withoutExtractiveLabel(x) : x);
  const done = turn.done;
  const streamed = label(turn.streamed);
  if (!done) return { text: streamed, spans: plainSpans(streamed), flagged: 0 };
  const flagged = done.sentences.filter((x) => !x.supported).length;
  const useStreamed = streamed.trim() !== '' && done.sentences.length > 0 && holdsInOrder(streamed, done.sentences);
  const text = useStreamed ? streamed.trim() : label(done.answer);
  if (!flagged) return { text, spans: plainSpans(text), flagged };
  return { text, spans: checkedSpans(text, done.sentences), flagged };
}

/**
 * The answer's spans; Markdown tables in it (an extractive answer quotes table rows under their header) are drawn
 * as tables, each row with its citation chips.
 */
function AnswerBody({
  text,
  spans,
  sentences,
  byNumber,
  numberOf,
  onRelation,
}: {
  text: string;
  spans: Span[];
  sentences?: readonly { text: string; supported: boolean }[];
  byNumber: Map<number, ChatCitation>;
  numberOf: (n: number) => number;
  onRelation: (c: ChatCitation) => void;
}) {
  const blocks = answerBlocks(text);
  const chips = (nums: number[]) => (
    <span className="cite-group">
      {nums.map((n) => (
        <CiteChip key={n} n={numberOf(n)} citation={byNumber.get(n)} onRelation={onRelation} />
      ))}
    </span>
  );
  const spanViews = (ss: Span[]) =>
    ss.map((sp, i) => (
      // biome-ignore lint/suspicious/noArrayIndexKey: spans are positional and rebuilt from the text
      <SpanView key={i} span={sp} byNumber={byNumber} numberOf={numberOf} onRelation={onRelation} />
    ));
  if (!blocks.some((b) => b.kind === 'table')) return <>{spanViews(spans)}</>;
  const cell = (c: string) => spanViews(plainSpans(c));
  return (
    <>
      {blocks.map((b, i) =>
        b.kind === 'text' ? (
          // biome-ignore lint/suspicious/noArrayIndexKey: blocks are positional
          <span key={i}>{spanViews(sentences ? checkedSpans(b.text, sentences) : plainSpans(b.text))}</span>
        ) : (
          <DocTable
            // biome-ignore lint/suspicious/noArrayIndexKey: blocks are positional
            key={i}
            header={b.header.cells.map((c) => piecesOf(c).map((p) => (p.kind === 'text' ? p.text : '')).join(''))}
            rows={b.rows.map((r) => r.cells.map(cell))}
            extra={(r) => chips(b.rows[r]?.cites ?? [])}
            extraHeader={chips(b.header.cites)}
            testId="answer-table"
          />
        ),
      )}
    </>
  );
}

function SpanView({ span, byNumber, numberOf, onRelation }: { span: Span; byNumber: Map<number, ChatCitation>; numberOf: (n: number) => number; onRelation: (c: ChatCitation) => void }) {
  const { t } = useI18n();
  const body = span.pieces.map((p, i) =>
    p.kind === 'text' ? (
      // biome-ignore lint/suspicious/noArrayIndexKey: positional pieces of one span
      <span key={i}>{p.text}</span>
    ) : (
      // biome-ignore lint/suspicious/noArrayIndexKey: as above
      <span key={i} className="cite-group">
        {p.nums.map((n) => (
          <CiteChip key={n} n={numberOf(n)} citation={byNumber.get(n)} onRelation={onRelation} />
        ))}
      </span>
    ),
  );
  if (!span.flagged) return <>{body}</>;
  return (
    <span className="sentence-flagged" title={t('chat.unsupportedTitle')} data-testid="unsupported-sentence">
      {body}
      <span className="flag-tag">{t('chat.unsupported')}</span>
    </span>
  );
}

function TurnMeta({ turn }: { turn: Turn }) {
  const { t, number } = useI18n();
  const m = turn.meta;
  const d = turn.done;
  const parts: string[] = [];
  if (m?.model) parts.push(`${t('chat.meta.model')} ${m.model}`);
  if (m?.promptVersion) parts.push(`${t('chat.meta.prompt')} ${m.promptVersion}`);
  if (d && d.latencyMs > 0) parts.push(d.latencyMs < 1000 ? t('chat.meta.latencyMs', { ms: number(d.latencyMs) }) : t('chat.meta.latency', { s: (d.latencyMs / 1000).toFixed(1) }));
  if (d && d.usage.promptTokens + d.usage.completionTokens > 0) parts.push(t('chat.meta.tokens', { p: number(d.usage.promptTokens), c: number(d.usage.completionTokens) }));
  const rewritten = m?.rewrittenQuery && m.rewrittenQuery.trim() !== turn.question.trim() ? m.rewrittenQuery : null;
  if (parts.length === 0 && !rewritten) return null;
  return (
    <div className="answer-meta" data-testid="answer-meta">
      {parts.map((p) => (
        <span key={p}>{p}</span>
      ))}
      {rewritten && (
        <span title={rewritten}>
          {t('chat.meta.rewritten')}：{rewritten}
        </span>
      )}
    </div>
  );
}
