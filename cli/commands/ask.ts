import type { ChatEvent, Citation } from '../../agents/index.ts';
import { printJson } from '../output.ts';
import { withRuntime } from '../with-runtime.ts';

export interface AskOptions {
  json?: boolean;
  conversation?: string;
  lang?: string;
  as?: string;
  collection?: string;
}

function citationLine(c: Citation): string {
  const warn = `${c.superseded ? ' [已被新版本取代 superseded]' : ''}${c.retracted ? ' [已撤稿 retracted]' : ''}`;
  if (c.kind === 'relation') {
    const where = c.title ? `  《${c.title}》${c.page ? `第${c.page}页` : ''}` : '';
    return `[${c.n}] 图谱关系 relation ${c.relationId}: ${c.triple?.subject} —${c.triple?.predicate}→ ${c.triple?.object}${where}${warn}`;
  }
  const edition = [c.version, c.year].filter(Boolean).join('，');
  return `[${c.n}] 《${c.title}》${edition ? `（${edition}）` : ''}${c.page ? `第${c.page}页` : ''}${c.chunkId ? `  chunk ${c.chunkId}` : ''}${warn}`;
}

/**
 * `yingzhi ask "<question>"`: the answer streams to stdout as it is generated, tool runs go to stderr,
 * then the checked answer (when the check removed something) and the numbered citations. `--json`
 * prints only the final payload. Ctrl-C stops the model.
 */
export async function askCommand(question: string, opts: AskOptions): Promise<void> {
  const json = Boolean(opts.json);
  await withRuntime(json, async (rt) => {
    const abort = new AbortController();
    const onSigint = () => abort.abort(new DOMException('interrupted', 'AbortError'));
    process.once('SIGINT', onSigint);
    let streamed = '';
    const onEvent = (e: ChatEvent) => {
      if (json) return;
      if (e.type === 'tool') process.stderr.write(`· ${e.name} [${e.status}] ${e.summary} (${e.ms} ms)\n`);
      if (e.type === 'delta') {
        streamed += e.text;
        process.stdout.write(e.text);
      }
    };
    try {
      const res = await rt.chat.ask(
        { message: question, conversationId: opts.conversation, lang: opts.lang === 'en' || opts.lang === 'zh' ? opts.lang : undefined, actor: opts.as?.trim() || process.env.USER || 'cli', signal: abort.signal,
          collections: opts.collection?.split(',').map((c) => c.trim()).filter(Boolean) },
        onEvent,
      );
      if (json) return printJson(res);
      const out: string[] = ['\n'];
      if (res.answer.trim() !== streamed.trim()) {
        const dropped = res.sentences.filter((s) => !s.supported).length;
        out.push(`\n—— 引用核查后 / after the citation check (${dropped} 句未获证据支持已删除 unsupported sentences removed) ——\n${res.answer}\n`);
      }
      if (res.citations.length) out.push(`\n引用 citations:\n${res.citations.map(citationLine).join('\n')}\n`);
      out.push(`\n${res.engine === 'extractive' ? '抽取式 extractive' : 'LLM'} · ${res.latencyMs} ms · tokens ${res.usage.promptTokens}+${res.usage.completionTokens} · 对话 conversation ${res.conversationId}\n`);
      process.stdout.write(out.join(''));
    } finally {
      process.off('SIGINT', onSigint);
    }
  });
}
