import { describe, expect, it } from 'vitest';
import { type ChatEvent, MAX_QUESTION_CHARS } from '../../agents/index.ts';
import { MAX_QUESTION_CHARS as UI_MAX_QUESTION_CHARS } from '../../ui/src/chat/client.ts';
import { checkedSpans, citedNumbers, displayNumbering, holdsInOrder, piecesOf, plainSpans, withoutExtractiveLabel } from '../../ui/src/chat/answerText.ts';
import { type SseMessage, SseParser, readSse } from '../../ui/src/chat/sse.ts';
import { applyEvent, isRefusal, newTurn, turnsFromMessages } from '../../ui/src/chat/turns.ts';

function parse(chunks: string[]): SseMessage[] {
  const out: SseMessage[] = [];
  const p = new SseParser((m) => out.push(m));
  for (const c of chunks) p.push(c);
  p.end();
  return out;
}

describe('chat UI: SSE parser', () => {
  it('reads event and data fields, joins data lines, skips comments', () => {
    expect(parse(['event: delta\ndata: {"a":1}\n\n: keep-alive\n\ndata: line1\ndata: line2\n\n'])).toEqual([
      { event: 'delta', data: '{"a":1}' },
      { event: 'message', data: 'line1\nline2' },
    ]);
  });

  it('survives events split anywhere between chunks, including inside "\\r\\n" and multi-byte text', () => {
    const text = 'event: delta\r\ndata: {"type":"delta","text":"肺结节[1]"}\r\n\r\nevent: done\r\ndata: {"type":"done"}\r\n\r\n';
    const whole = parse([text]);
    expect(whole.map((m) => m.event)).toEqual(['delta', 'done']);
    for (let cut = 1; cut < text.length; cut++) expect(parse([text.slice(0, cut), text.slice(cut)])).toEqual(whole);
    expect(parse(text.split(''))).toEqual(whole);
  });

  it('accepts bare "\\r" line ends, a field without a space, and a last event without its blank line', () => {
    expect(parse(['event:tool\rdata:{"x":2}\r\r', 'event: done\ndata: {}'])).toEqual([
      { event: 'tool', data: '{"x":2}' },
      { event: 'done', data: '{}' },
    ]);
  });

  it('readSse decodes UTF-8 split across network chunks and stops on abort', async () => {
    const bytes = new TextEncoder().encode('event: delta\ndata: {"text":"磨玻璃结节"}\n\n');
    const body = new ReadableStream<Uint8Array>({
      start(c) {
        for (let i = 0; i < bytes.length; i += 5) c.enqueue(bytes.slice(i, i + 5));
        c.close();
      },
    });
    const got: SseMessage[] = [];
    await readSse(body, (m) => got.push(m));
    expect(got).toEqual([{ event: 'delta', data: '{"text":"磨玻璃结节"}' }]);

    const ctl = new AbortController();
    const endless = new ReadableStream<Uint8Array>({
      pull(c) {
        c.enqueue(new TextEncoder().encode('data: x\n\n'));
        return new Promise((r) => setTimeout(r, 5));
      },
    });
    let n = 0;
    await expect(
      readSse(endless, () => {
        if (++n === 3) ctl.abort();
      }, ctl.signal),
    ).rejects.toMatchObject({ name: 'AbortError' });
    expect(n).toBe(3);
  });
});

describe('chat UI: answer text', () => {
  it('picks out citation markers in the forms models write', () => {
    expect(piecesOf('直径≥8 mm 的结节应随访[1]。另见[2,3]与［4］、[5、6]。')).toEqual([
      { kind: 'text', text: '直径≥8 mm 的结节应随访' },
      { kind: 'cite', raw: '[1]', nums: [1] },
      { kind: 'text', text: '。另见' },
      { kind: 'cite', raw: '[2,3]', nums: [2, 3] },
      { kind: 'text', text: '与' },
      { kind: 'cite', raw: '［4］', nums: [4] },
      { kind: 'text', text: '、' },
      { kind: 'cite', raw: '[5、6]', nums: [5, 6] },
      { kind: 'text', text: '。' },
    ]);
    expect(citedNumbers('a[2] b[1][2] c[3, 1]')).toEqual([2, 1, 3]);
    expect(plainSpans('')).toEqual([]);
  });

  const flat = (spans: ReturnType<typeof checkedSpans>) =>
    spans.map((s) => (s.flagged ? '⟦' : '') + s.pieces.map((p) => (p.kind === 'text' ? p.text : p.raw)).join('') + (s.flagged ? '⟧' : '')).join('');
  const sentences = [
    { text: '实性结节≥8 mm 需进一步评估[1]。', supported: true },
    { text: '所有结节都必须手术。', supported: false },
    { text: '磨玻璃结节随访时间更长[2]。', supported: true },
  ];

  it('marks dropped sentences where they stand in the streamed text, keeping its line breaks', () => {
    const streamed = '实性结节≥8 mm 需进一步评估[1]。所有结节都必须手术。\n\n磨玻璃结节随访时间更长[2]。';
    expect(holdsInOrder(streamed, sentences)).toBe(true);
    expect(flat(checkedSpans(streamed, sentences))).toBe('实性结节≥8 mm 需进一步评估[1]。⟦所有结节都必须手术。⟧\n\n磨玻璃结节随访时间更长[2]。');
  });

  it('puts dropped sentences back into the checked answer after the text that preceded them', () => {
    const answer = '实性结节≥8 mm 需进一步评估[1]。\n磨玻璃结节随访时间更长[2]。';
    expect(holdsInOrder(answer, sentences)).toBe(false);
    expect(flat(checkedSpans(answer, sentences))).toBe('实性结节≥8 mm 需进一步评估[1]。⟦所有结节都必须手术。⟧\n磨玻璃结节随访时间更长[2]。');
  });

  it('flags a whole failed model answer ahead of the passages shown instead', () => {
    const spans = checkedSpans('以下为相关原文：\n原文一句[1]。', [
      { text: '编造的一句。', supported: false },
      { text: '以下为相关原文：', supported: true },
      { text: '原文一句[1]。', supported: true },
    ]);
    expect(flat(spans)).toBe('⟦编造的一句。⟧\n以下为相关原文：\n原文一句[1]。');
  });

  it('numbers sources without gaps in order of first citation (issue 14: a model citing [2], [3], [6])', () => {
    const text = '实性结节≥8 mm 需随访[6]。磨玻璃结节多为惰性[2][3]。再次强调[6]。';
    const shown = displayNumbering(citedNumbers(text), [1, 2, 3, 4, 5, 6, 7, 8]);
    expect([6, 2, 3].map((n) => shown.get(n))).toEqual([1, 2, 3]);
    // Sources listed but not cited follow, still without gaps; a number not among the sources is not renumbered.
    expect([1, 4, 5, 7, 8].map((n) => shown.get(n))).toEqual([4, 5, 6, 7, 8]);
    expect(displayNumbering([9, 2], [2, 3]).get(9)).toBeUndefined();
    expect([...displayNumbering([9, 2], [2, 3]).entries()]).toEqual([[2, 1], [3, 2]]);
  });

  it('drops the extractive label line (the page shows it as a badge)', () => {
    expect(withoutExtractiveLabel('【抽取式回答·未使用大模型】\n第一句[1]。')).toBe('第一句[1]。');
    expect(withoutExtractiveLabel('[Extractive answer — no LLM configured]\nOne[1].')).toBe('One[1].');
    expect(withoutExtractiveLabel('普通回答')).toBe('普通回答');
  });
});

describe('chat UI: turns from events', () => {
  it('the question box counts against the server limit', () => {
    expect(UI_MAX_QUESTION_CHARS).toBe(MAX_QUESTION_CHARS);
  });

  it('builds a turn in the contract order: meta, tools, citations, deltas, citations, done', () => {
    const events: ChatEvent[] = [
      { type: 'meta', conversationId: 'c1', messageId: 'm1', engine: 'llm', model: 'fake-model', promptVersion: 'chat-answer@1', lang: 'zh', rewrittenQuery: '肺结节 随访' },
      { type: 'tool', name: 'hybrid_search', input: { q: '肺结节' }, status: 'ok', summary: '5 passages', ms: 12 },
      { type: 'tool', name: 'pubmed_search', input: {}, status: 'not_configured', summary: 'PubMed not configured', ms: 0 },
      { type: 'citations', citations: [{ n: 1, kind: 'chunk', chunkId: 'chk_1', title: '指南' }, { n: 2, kind: 'chunk', chunkId: 'chk_2', title: '教材' }] },
      { type: 'delta', text: '需要随访' },
      { type: 'delta', text: '[1]。' },
      { type: 'citations', citations: [{ n: 1, kind: 'chunk', chunkId: 'chk_1', title: '指南' }] },
      { type: 'done', messageId: 'm1', answer: '需要随访[1]。', sentences: [{ text: '需要随访[1]。', citations: [1], supported: true }], refused: false, usage: { promptTokens: 10, completionTokens: 5 }, latencyMs: 80, overheadMs: 20 },
    ];
    const turn = events.reduce(applyEvent, newTurn('肺结节多大需要随访？'));
    expect(turn.status).toBe('done');
    expect(turn.engine).toBe('llm');
    expect(turn.tools.map((t) => `${t.name}:${t.status}`)).toEqual(['hybrid_search:ok', 'pubmed_search:not_configured']);
    expect(turn.streamed).toBe('需要随访[1]。');
    expect(turn.citations.map((c) => c.n)).toEqual([1]);
    // Numbers dropped from the final list still resolve (a flagged sentence's chip).
    expect(turn.evidence.map((c) => c.n)).toEqual([1, 2]);
    expect(isRefusal(turn)).toBe(false);
    const failed = applyEvent(newTurn('q'), { type: 'error', code: 'LLM_UNAVAILABLE', message: 'down' });
    expect(failed).toMatchObject({ status: 'error', error: { code: 'LLM_UNAVAILABLE', message: 'down' } });
  });

  it('turns stored messages back into turns, recognising refusals', () => {
    const turns = turnsFromMessages([
      { id: 'u1', role: 'user', content: '肺结节？', citations: [], engine: null, createdAt: '' },
      { id: 'a1', role: 'assistant', content: '答[1]。', citations: [{ n: 1, kind: 'chunk', chunkId: 'c' }], engine: 'extractive', createdAt: '' },
      { id: 'u2', role: 'user', content: '天气？', citations: [], engine: null, createdAt: '' },
      { id: 'a2', role: 'assistant', content: '知识库中未找到与该问题相关的内容。', citations: [], engine: 'llm', createdAt: '' },
      { id: 'u3', role: 'user', content: '未答完的问题', citations: [], engine: null, createdAt: '' },
    ]);
    expect(turns.map((t) => [t.question, t.status, t.engine, isRefusal(t)])).toEqual([
      ['肺结节？', 'done', 'extractive', false],
      ['天气？', 'done', 'llm', true],
      ['未答完的问题', 'stopped', null, false],
    ]);
  });
});
