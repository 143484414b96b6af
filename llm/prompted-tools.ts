import { decorate } from './decorate.ts';
import { extractJson } from './json-output.ts';
import type { ChatMessage, ChatRequest, ChatResponse, LlmProvider, ToolCall, ToolSpec } from './provider.ts';
import { newToolCallId } from './tool-calls.ts';

/** How a model takes tools: the server's native `tool_calls`, or the prompted protocol below. */
export type ToolMode = 'native' | 'prompted';

const OPEN = '<tool_call>';
const CLOSE = '</tool_call>';

/**
 * Tool calling for models that have no native `tool_calls` (small Qwen GGUFs write a fenced JSON block
 * even when told `tool_choice: required`). The tools are described in the system message; the model
 * answers with `<tool_call>{"name": …, "arguments": {…}}</tool_call>` (Qwen's own template syntax) or a
 * fenced ```json block; each call is parsed and validated against the tool's schema (zod when the spec
 * carries one); an invalid call, or one cut off by `maxTokens`, gets one repair turn that quotes the
 * error. Earlier calls and tool results are written back into the conversation in the same syntax.
 * Streams hold back text from the first `<tool_call>` or code fence on, so a call never reaches the user.
 */
export function promptedTools(inner: LlmProvider, mode: () => Promise<ToolMode>): LlmProvider {
  const usesPrompt = async (req: ChatRequest) => Boolean(req.tools?.length) && (await mode()) === 'prompted';
  return decorate(inner, {
    async chat(req) {
      if (!(await usesPrompt(req))) return inner.chat(req);
      const tools = req.tools as ToolSpec[];
      const first = await inner.chat(asPrompted(req));
      return settle(inner, req, tools, first);
    },
    async *chatStream(req) {
      if (!(await usesPrompt(req))) return yield* inner.chatStream(req);
      const tools = req.tools as ToolSpec[];
      const hold = new CallHoldFilter();
      let done: ChatResponse | undefined;
      for await (const e of inner.chatStream(asPrompted(req))) {
        if ('delta' in e) {
          const visible = hold.push(e.delta);
          if (visible) yield { delta: visible };
        } else done = e;
      }
      if (!done) return;
      const settled = await settle(inner, req, tools, done);
      // What was held back is shown only when it turned out not to be a call (a plain code block).
      const rest = settled.toolCalls.length ? '' : settled.text.slice(hold.emitted);
      if (rest) yield { delta: rest };
      yield { done: true, ...settled };
    },
  });
}

/** The first answer's calls, validated; one repair turn if they are not usable. */
async function settle(inner: LlmProvider, req: ChatRequest, tools: ToolSpec[], first: ChatResponse): Promise<ChatResponse> {
  const parsed = parseToolCalls(first.text, tools, first.finishReason === 'length');
  if (!parsed.error) return merge(first, parsed);
  const repair = await inner.chat({
    ...asPrompted(req),
    messages: [
      ...asPrompted(req).messages,
      { role: 'assistant', content: first.text },
      { role: 'user', content: repairMessage(parsed.error) },
    ],
  });
  const again = parseToolCalls(repair.text, tools, repair.finishReason === 'length');
  const usage = { promptTokens: first.usage.promptTokens + repair.usage.promptTokens, completionTokens: first.usage.completionTokens + repair.usage.completionTokens };
  const total = { ...repair, usage, attempts: first.attempts + repair.attempts, latencyMs: first.latencyMs + repair.latencyMs, firstTokenMs: first.firstTokenMs };
  if (!again.error) return merge(total, again);
  // Still unusable: a call to a known tool goes through with the reason (the tool answers "invalid
  // arguments" and the loop goes on); anything else is treated as the answer text without the broken block.
  return { ...total, text: again.text, toolCalls: again.failedCall ? [again.failedCall] : [] };
}

function merge(res: ChatResponse, parsed: ParsedCalls): ChatResponse {
  return { ...res, text: parsed.text, toolCalls: parsed.calls, ...(parsed.calls.length ? { finishReason: 'tool_calls' as const } : {}) };
}

export function repairMessage(error: string): string {
  return `上一条回复中的工具调用无效：${error}\n请只输出一个 <tool_call>{"name": "工具名", "arguments": {…}}</tool_call>，参数须符合该工具的 JSON Schema；若无需工具，请直接作答。\n(Your tool call was invalid: ${error}. Reply with exactly one valid <tool_call> block, or answer without tools.)`;
}

/** The request as the model sees it under the prompted protocol: tools in the system message, no `tools`. */
function asPrompted(req: ChatRequest): ChatRequest {
  const tools = req.tools ?? [];
  const { tools: _omit, ...rest } = req;
  const messages = req.messages.map(rewriteMessage);
  const protocol = protocolText(tools);
  const sys = messages.findIndex((m) => m.role === 'system');
  if (sys >= 0) messages[sys] = { ...messages[sys], content: `${messages[sys].content}\n\n${protocol}` };
  else messages.unshift({ role: 'system', content: protocol });
  return { ...rest, messages };
}

/** Tool calls and results of earlier rounds in the protocol's own syntax. */
function rewriteMessage(m: ChatMessage): ChatMessage {
  if (m.role === 'assistant' && m.toolCalls?.length) {
    const calls = m.toolCalls.map((c) => `${OPEN}\n${JSON.stringify({ name: c.name, arguments: c.arguments })}\n${CLOSE}`).join('\n');
    return { role: 'assistant', content: [m.content, calls].filter(Boolean).join('\n') };
  }
  if (m.role === 'tool') return { role: 'user', content: `<tool_response name="${m.toolName ?? ''}">\n${m.content}\n</tool_response>` };
  return m;
}

export function protocolText(tools: ToolSpec[]): string {
  const list = tools.map((t) => JSON.stringify({ name: t.name, description: t.description, parameters: t.parameters })).join('\n');
  return [
    '# 工具 Tools',
    '你可以调用下列工具获取更多资料（每行一个，JSON Schema 描述参数）：',
    `<tools>\n${list}\n</tools>`,
    '需要调用时，只输出如下格式（可多个），不要输出其他内容：',
    `${OPEN}\n{"name": "<工具名>", "arguments": {<参数>}}\n${CLOSE}`,
    '工具结果会以 <tool_response> 返回给你。资料足够时，直接回答，不要再调用工具。',
  ].join('\n');
}

export interface ParsedCalls {
  calls: ToolCall[];
  /** The answer with the call blocks removed. */
  text: string;
  /** Why the calls cannot be used (asked to repair once). */
  error?: string;
  /** The call to a known tool whose arguments did not validate (sent on after a failed repair). */
  failedCall?: ToolCall;
}

const FENCE = /```[a-zA-Z]*\s*\n?([\s\S]*?)(?:```|$)/g;
const TAGGED = /<tool_call>([\s\S]*?)(?:<\/tool_call>|$)/g;

/**
 * Tool calls in a model's text: `<tool_call>` blocks first, else fenced JSON blocks whose object names a
 * tool (`{"name", "arguments"}`; `parameters`/`args` accepted), else a bare such object. Each is checked:
 * known tool, arguments an object that passes the tool's schema. `cut`: the answer hit `maxTokens`.
 */
export function parseToolCalls(text: string, tools: ToolSpec[], cut = false): ParsedCalls {
  const byName = new Map(tools.map((t) => [t.name, t]));
  const blocks: { body: string; raw: string; closed: boolean }[] = [];
  for (const m of text.matchAll(TAGGED)) blocks.push({ body: m[1], raw: m[0], closed: m[0].endsWith(CLOSE) });
  if (!blocks.length) {
    for (const m of text.matchAll(FENCE)) {
      if (/"name"\s*:/.test(m[1])) blocks.push({ body: m[1], raw: m[0], closed: m[0].trimEnd().endsWith('```') && m[0].length > 3 });
    }
  }
  if (!blocks.length) {
    const t = text.trim();
    if (t.startsWith('{') && /"name"\s*:/.test(t) && /"(arguments|parameters|args)"\s*:/.test(t)) blocks.push({ body: t, raw: t, closed: true });
  }
  if (!blocks.length) return { calls: [], text };
  let rest = text;
  for (const b of blocks) rest = rest.replace(b.raw, '');
  rest = rest.trim();
  const calls: ToolCall[] = [];
  for (const b of blocks) {
    let value: unknown;
    try {
      value = extractJson(b.body);
    } catch (e) {
      const why = !b.closed || cut ? 'the call was cut off before it was complete (max_tokens)' : `not valid JSON (${(e as Error).message})`;
      return { calls: [], text: rest, error: why };
    }
    const obj = (value ?? {}) as Record<string, unknown>;
    const name = typeof obj.name === 'string' ? obj.name : '';
    const tool = byName.get(name);
    if (!tool) return { calls: [], text: rest, error: `unknown tool "${name.slice(0, 60)}" (allowed: ${[...byName.keys()].join(', ')})` };
    const args = obj.arguments ?? obj.parameters ?? obj.args ?? {};
    const call: ToolCall = { id: newToolCallId(), name, arguments: {} };
    if (!args || typeof args !== 'object' || Array.isArray(args)) {
      const reason = `arguments of ${name} must be a JSON object`;
      return { calls: [], text: rest, error: reason, failedCall: { ...call, argumentsError: reason } };
    }
    const problem = validateArguments(tool, args as Record<string, unknown>);
    if (problem) return { calls: [], text: rest, error: `${name}: ${problem}`, failedCall: { ...call, arguments: args as Record<string, unknown>, argumentsError: problem } };
    calls.push({ ...call, arguments: args as Record<string, unknown> });
  }
  return { calls, text: rest };
}

/** The tool's zod schema when it has one; otherwise the required properties of its JSON schema. */
function validateArguments(tool: ToolSpec, args: Record<string, unknown>): string | null {
  if (tool.schema) {
    const r = tool.schema.safeParse(args);
    if (r.success) return null;
    const issue = r.error.issues[0];
    return `${issue?.path.join('.') || '(arguments)'}: ${issue?.message}`;
  }
  const required = (tool.parameters.required as string[] | undefined) ?? [];
  const missing = required.filter((k) => !(k in args));
  return missing.length ? `missing required argument(s): ${missing.join(', ')}` : null;
}

/**
 * Streaming side of the protocol: text is passed through until the first `<tool_call>` or code fence,
 * then held back (a partial marker at the end of a piece waits for the next piece).
 */
class CallHoldFilter {
  private buffer = '';
  private holding = false;
  /** Characters passed through so far. */
  emitted = 0;

  push(delta: string): string {
    if (this.holding) return '';
    this.buffer += delta;
    const at = firstMarker(this.buffer);
    if (at >= 0) {
      this.holding = true;
      return this.take(at);
    }
    return this.take(this.buffer.length - partialMarker(this.buffer));
  }

  private take(n: number): string {
    const out = this.buffer.slice(0, n);
    this.buffer = this.buffer.slice(n);
    this.emitted += out.length;
    return out;
  }
}

const MARKERS = [OPEN, '```'];

function firstMarker(s: string): number {
  const hits = MARKERS.map((m) => s.indexOf(m)).filter((i) => i >= 0);
  return hits.length ? Math.min(...hits) : -1;
}

function partialMarker(s: string): number {
  for (let n = Math.min(OPEN.length - 1, s.length); n > 0; n--) {
    const tail = s.slice(-n);
    if (MARKERS.some((m) => m.startsWith(tail))) return n;
  }
  return 0;
}
