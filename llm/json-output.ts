import type { z } from 'zod';
import { AppError } from '../core/index.ts';
import { stripThink } from './think.ts';

/**
 * Why a model's answer could not be used, in words a log reader (and the repair prompt) understands:
 * "no JSON object or array found", "JSON syntax error: …", "triples.0.subject: expected object…".
 */
export class ModelOutputError extends Error {
  constructor(
    readonly reason: string,
    readonly excerpt: string,
  ) {
    super(reason);
    this.name = 'ModelOutputError';
  }
}

/**
 * The first JSON value in a model's answer. Tolerates what models wrap around it: `<think>` blocks,
 * Markdown code fences, prose before and after. Takes the first balanced `{…}` or `[…]` that parses.
 * Throws ModelOutputError.
 */
export function extractJson(text: string): unknown {
  return jsonValues(text).next().value;
}

/**
 * The first JSON value in the answer that `schema` accepts (prose such as "see [1]" may come first);
 * when none does, the error names the first value's offending path. Throws ModelOutputError.
 */
export function parseModelJson<S extends z.ZodType>(text: string, schema: S): z.infer<S> {
  let first: { value: unknown; error: z.ZodError } | undefined;
  for (const value of jsonValues(text)) {
    const parsed = schema.safeParse(value);
    if (parsed.success) return parsed.data;
    first ??= { value, error: parsed.error };
  }
  const issue = first?.error.issues[0];
  const where = issue?.path.length ? issue.path.join('.') : '(top level)';
  throw new ModelOutputError(`${where}: ${issue?.message ?? 'does not match the schema'}`, excerpt(JSON.stringify(first?.value)));
}

/** Every top-level JSON value in the answer, in order; throws ModelOutputError when there is none. */
function* jsonValues(text: string): Generator<unknown, void> {
  const visible = stripThink(text);
  const fenced = /```(?:json|JSON)?\s*\n?([\s\S]*?)```/.exec(visible);
  const candidates = fenced ? [fenced[1], visible] : [visible];
  let found = false;
  let syntaxError: string | undefined;
  let truncated = false;
  for (const body of candidates) {
    let start = firstOpener(body, 0);
    while (start >= 0) {
      const end = balancedEnd(body, start);
      // Unclosed: the answer was cut off. Objects nested in it are fragments, never the answer.
      if (end === UNCLOSED) {
        truncated = true;
        break;
      }
      if (end === MISMATCHED) {
        start = firstOpener(body, start + 1);
        continue;
      }
      let value: unknown;
      let ok = false;
      try {
        value = JSON.parse(body.slice(start, end + 1));
        ok = true;
      } catch (e) {
        syntaxError ??= (e as Error).message;
      }
      if (ok) {
        found = true;
        yield value;
      }
      start = firstOpener(body, end + 1);
    }
  }
  if (found) return;
  if (!visible) throw new ModelOutputError('empty answer (nothing outside <think> blocks)', excerpt(text));
  if (syntaxError) throw new ModelOutputError(`JSON syntax error: ${syntaxError}`, excerpt(visible));
  throw new ModelOutputError(truncated ? 'JSON is not closed (answer truncated?)' : 'no JSON object or array found', excerpt(visible));
}

/** The AppError for an unusable answer, naming the model and what was wrong. */
export function badOutputError(model: string, url: string, e: ModelOutputError): AppError {
  return new AppError('LLM_BAD_OUTPUT', `大模型输出无法解析 / model ${model} (${url}) returned unusable output: ${e.reason}`, {
    field: 'YZ_LLM_MODEL',
    details: { model, url, reason: e.reason, excerpt: e.excerpt },
    cause: e,
  });
}

function firstOpener(s: string, from: number): number {
  for (let i = from; i < s.length; i++) if (s[i] === '{' || s[i] === '[') return i;
  return -1;
}

const UNCLOSED = -1;
const MISMATCHED = -2;

/** Index of the bracket closing the one at `start` (strings and escapes respected), UNCLOSED or MISMATCHED. */
function balancedEnd(s: string, start: number): number {
  const stack: string[] = [];
  let inString = false;
  for (let i = start; i < s.length; i++) {
    const c = s[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') {
      inString = true;
    } else if (c === '{' || c === '[') {
      stack.push(c === '{' ? '}' : ']');
    } else if (c === '}' || c === ']') {
      if (stack.pop() !== c) return MISMATCHED;
      if (!stack.length) return i;
    }
  }
  return UNCLOSED;
}

function excerpt(s: string): string {
  return s.length > 160 ? `${s.slice(0, 160)}…` : s;
}
