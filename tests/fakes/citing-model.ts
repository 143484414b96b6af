import type { FakeLlmReply, FakeLlmRequest } from './llm-server.ts';

/** One numbered evidence item as the chat prompt shows it to the model. */
export interface PromptEvidence {
  n: number;
  header: string;
  text: string;
}

/** The numbered evidence in a chat request (the `<evidence>` block of the user message, and tool results). */
export function evidenceOf(req: FakeLlmRequest): PromptEvidence[] {
  const out: PromptEvidence[] = [];
  for (const m of req.messages) {
    const body = m.role === 'tool' ? m.content : /<evidence>\n?([\s\S]*?)\n?<\/evidence>/.exec(m.content)?.[1];
    if (!body) continue;
    for (const part of body.split(/\n(?=\[\d+\] )/)) {
      const head = /^\[(\d+)\] (.*)/.exec(part);
      if (!head) continue;
      const rest = part.slice(head[0].length).trim();
      out.push({ n: Number(head[1]), header: head[2], text: rest || head[2] });
    }
  }
  return out;
}

/** The question of a chat request (after "问题：" in the last user message). */
export function questionOf(req: FakeLlmRequest): string {
  const last = [...req.messages].reverse().find((m) => m.role === 'user')?.content ?? '';
  return /问题：([\s\S]*)$/.exec(last)?.[1]?.trim() ?? last;
}

/** Whether the request is a structured (JSON-schema) call, e.g. the query rewrite. */
export function isStructured(req: FakeLlmRequest): boolean {
  return req.format !== undefined || req.responseFormat !== undefined;
}

/** A sentence quoted from an evidence item, with its marker before the full stop. */
export function citedSentence(e: PromptEvidence): string {
  const graph = /：(.+?) —(.+?)→ ([^（]+)/.exec(e.header);
  if (graph) return `${graph[1]} —${graph[2]}→ ${graph[3].trim()}[${e.n}]。`;
  const sentence = e.text.replace(/\s*\n\s*/g, ' ').split(/(?<=[。！？])/).map((s) => s.trim()).find((s) => s.length >= 10 && /[\u4e00-\u9fff]/.test(s)) ?? e.text.slice(0, 40);
  return sentence.replace(/[。！？]?$/, `[${e.n}]。`);
}

/**
 * A deterministic stand-in for a model that answers well: rewrites follow-ups by putting the previous
 * question in front, and answers by quoting the first sentence of the first `cite` evidence items, each
 * with its marker. `extra` sentences are appended as written (to test the citation checker).
 */
export function citingModel(opts: { cite?: number; extra?: string[] } = {}) {
  return (req: FakeLlmRequest): FakeLlmReply => {
    if (isStructured(req)) {
      const user = req.messages.at(-1)?.content ?? '';
      const prev = /用户：(.*)\n/.exec(user)?.[1] ?? '';
      const q = /最新问题：([\s\S]*)$/.exec(user)?.[1]?.trim() ?? '';
      return { json: { query: `${prev.replace(/[？?]$/, '')} ${q}`.trim() } };
    }
    const evidence = evidenceOf(req);
    if (!evidence.length) return { text: '知识库中未找到相关内容。' };
    const sentences = evidence.slice(0, opts.cite ?? 2).map(citedSentence);
    return { text: [...sentences, ...(opts.extra ?? [])].join(''), pieceChars: 6 };
  };
}
