import type { z } from 'zod';
import { parseModelJson } from './json-output.ts';
import { type Prompt, promptTag, renderPrompt } from './prompts.ts';
import type { JsonSchemaSpec, LlmProvider } from './provider.ts';

/**
 * One structured model call: the prompt's `system` and `user` sections rendered with `values`, a JSON answer
 * constrained by `jsonSchema` and validated by `schema` (the model's output is hostile input). Throws the
 * provider's error or a ModelOutputError; callers decide what stands when it fails.
 */
export async function promptForJson<S extends z.ZodType>(
  llm: LlmProvider,
  prompt: Prompt,
  values: Record<string, string>,
  opts: { schema: S; jsonSchema: JsonSchemaSpec; maxTokens: number; temperature?: number },
): Promise<z.infer<S>> {
  const res = await llm.chat({
    messages: [
      { role: 'system', content: renderPrompt(prompt, 'system', values) },
      { role: 'user', content: renderPrompt(prompt, 'user', values) },
    ],
    jsonSchema: opts.jsonSchema,
    temperature: opts.temperature ?? 0,
    maxTokens: opts.maxTokens,
    purpose: promptTag(prompt),
  });
  return parseModelJson(res.text, opts.schema);
}
