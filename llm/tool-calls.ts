import { randomBytes } from 'node:crypto';
import type { ChatMessage, ToolCall, ToolSpec } from './provider.ts';

/**
 * Tool calls in both wire formats. Both servers take the same `tools` array; they differ in how calls
 * come back: Ollama sends each call whole with `arguments` as an object (and no id), OpenAI-compatible
 * servers send `arguments` as a JSON string, streamed in fragments keyed by `index`.
 */

export function toolsParam(tools: ToolSpec[] | undefined): { tools?: unknown[] } {
  if (!tools?.length) return {};
  return { tools: tools.map((t) => ({ type: 'function', function: { name: t.name, description: t.description, parameters: t.parameters } })) };
}

/** An id for a call the server sent without one (Ollama). */
export function newToolCallId(): string {
  return `call_${randomBytes(6).toString('hex')}`;
}

/**
 * Arguments as the server sent them (an object, a JSON string, nothing, or garbage) → an object. A model
 * that writes broken JSON gets `{}` and the reason, so the tool can answer "invalid arguments" instead of
 * the turn failing.
 */
export function parseToolArguments(raw: unknown): Pick<ToolCall, 'arguments' | 'argumentsError'> {
  if (raw === undefined || raw === null || raw === '') return { arguments: {} };
  if (typeof raw === 'object' && !Array.isArray(raw)) return { arguments: raw as Record<string, unknown> };
  if (typeof raw !== 'string') return { arguments: {}, argumentsError: `arguments must be a JSON object, got ${typeof raw}` };
  try {
    const v = JSON.parse(raw) as unknown;
    if (v && typeof v === 'object' && !Array.isArray(v)) return { arguments: v as Record<string, unknown> };
    return { arguments: {}, argumentsError: 'arguments must be a JSON object' };
  } catch (e) {
    return { arguments: {}, argumentsError: `arguments are not valid JSON (${(e as Error).message}): ${raw.slice(0, 120)}` };
  }
}

/** Messages in Ollama's format: calls with object arguments, tool results named by `tool_name`. */
export function ollamaMessages(messages: ChatMessage[]): unknown[] {
  return messages.map((m) => {
    if (m.role === 'tool') return { role: 'tool', content: m.content, ...(m.toolName ? { tool_name: m.toolName } : {}) };
    if (m.toolCalls?.length) return { role: m.role, content: m.content, tool_calls: m.toolCalls.map((c) => ({ function: { name: c.name, arguments: c.arguments } })) };
    return { role: m.role, content: m.content };
  });
}

/** Messages in the OpenAI format: calls with string arguments and ids, tool results keyed by `tool_call_id`. */
export function openAiMessages(messages: ChatMessage[]): unknown[] {
  return messages.map((m) => {
    if (m.role === 'tool') return { role: 'tool', content: m.content, tool_call_id: m.toolCallId ?? '' };
    if (m.toolCalls?.length) {
      return {
        role: 'assistant',
        content: m.content || null,
        tool_calls: m.toolCalls.map((c) => ({ id: c.id, type: 'function', function: { name: c.name, arguments: JSON.stringify(c.arguments) } })),
      };
    }
    return { role: m.role, content: m.content };
  });
}

interface WireCall {
  id?: string;
  function?: { name?: string; arguments?: unknown };
}

/** Calls of a whole (non-streamed) answer, either format. */
export function toolCallsOf(calls: WireCall[] | null | undefined): ToolCall[] {
  return (calls ?? [])
    .filter((c) => c?.function?.name)
    .map((c) => ({ id: c.id || newToolCallId(), name: String(c.function?.name), ...parseToolArguments(c.function?.arguments) }));
}

/** Streamed OpenAI tool-call fragments put back together by `index`. */
export class ToolCallAccumulator {
  private readonly calls = new Map<number, { id?: string; name: string; args: string }>();

  push(deltas: Array<{ index?: number; id?: string; function?: { name?: string; arguments?: string } }> | null | undefined): void {
    for (const d of deltas ?? []) {
      const i = d.index ?? 0;
      const c = this.calls.get(i) ?? { name: '', args: '' };
      if (d.id) c.id = d.id;
      if (d.function?.name) c.name += d.function.name;
      if (d.function?.arguments) c.args += d.function.arguments;
      this.calls.set(i, c);
    }
  }

  get size(): number {
    return this.calls.size;
  }

  result(): ToolCall[] {
    return [...this.calls.entries()]
      .sort(([a], [b]) => a - b)
      .filter(([, c]) => c.name)
      .map(([, c]) => ({ id: c.id || newToolCallId(), name: c.name, ...parseToolArguments(c.args) }));
  }
}
