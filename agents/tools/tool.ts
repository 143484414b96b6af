import { z } from 'zod';
import type { ChunkTable } from '../../ingest/index.ts';
import type { KnowledgeScope } from '../../core/index.ts';
import type { ToolSpec } from '../../llm/index.ts';

/**
 * Tools are plain typed functions: a zod input schema (validation, TypeScript type and the JSON schema
 * the model sees, written once) and an async `run`. Not LangChain `@langchain/core` tools, because
 * (1) the providers in llm/ already speak both wire formats with our retry, timeout, cancellation and
 * `<think>` policy, which LangChain's chat models would duplicate or bypass; (2) the tool loop we need is
 * a few dozen lines (agents/chat/answer-llm.ts) and stays readable and testable at the HTTP level against
 * the fake server; (3) it keeps a large dependency tree (and its release churn) out of an offline,
 * ARM64/信创 deployment; (4) the allowlist and read-only guarantees are explicit code here, not
 * framework behaviour to audit. A tool can still be wrapped for LangChain later from the same schema.
 */

export type ToolStatus = 'ok' | 'error' | 'not_configured';

/** A passage or relation a tool found; the chat flow numbers it so the answer can cite it as [n]. */
export type ToolEvidence =
  | {
      kind: 'chunk';
      /** null for a whole page (fetch_source_page). */
      chunkId: string | null;
      sourceId: string;
      title: string;
      version: string | null;
      year: number | null;
      page: number | null;
      text: string;
      superseded: boolean;
      retracted: boolean;
      /** The section headings above the passage (search results). */
      headingPath?: string[];
      /** For a passage cut from a table: its rows with the table's caption and header. */
      table?: ChunkTable;
    }
  | {
      kind: 'relation';
      relationId: string;
      triple: { subject: string; predicate: string; object: string };
      /** The sentence(s) of the sources the relation was approved on, with where they are. */
      quote: string;
      sourceId: string | null;
      title: string | null;
      version: string | null;
      year: number | null;
      page: number | null;
      chunkId: string | null;
      superseded: boolean;
      retracted: boolean;
      /** Predicate key (has_sign, treated_by…) and the entity ids of both ends, for filtering facts by question. */
      predicateKey?: string;
      subjectId?: string;
      objectId?: string;
    };

export interface ToolResult<O = unknown> {
  status: ToolStatus;
  /** One line for the tool panel and the log ("8 passages", "PubMed not configured…"). */
  summary: string;
  data?: O;
  /** What the answer may cite. */
  evidence?: ToolEvidence[];
}

/** Who is asking: tools never see conversations, and nothing here lets a tool write. */
export interface ToolContext {
  actor: string;
  lang: 'zh' | 'en';
  signal?: AbortSignal;
  /** The collections this turn may read (the asker's role and choice); absent: everything. */
  scope?: KnowledgeScope;
}

export interface Tool<S extends z.ZodType = z.ZodType, O = unknown> {
  name: string;
  /** For the model: what it does and when to use it. */
  description: string;
  input: S;
  /** Every tool is read-only; the flag is checked when the registry is built. */
  readOnly: true;
  run(input: z.infer<S>, ctx: ToolContext): Promise<ToolResult<O>>;
}

/** A tool as offered to the model (name, description, JSON schema of the input). */
export function toolSpec(tool: Tool): ToolSpec {
  const { $schema: _ignored, ...parameters } = z.toJSONSchema(tool.input) as Record<string, unknown>;
  return { name: tool.name, description: tool.description, parameters, schema: tool.input };
}

export function defineTool<S extends z.ZodType, O>(t: Omit<Tool<S, O>, 'readOnly'>): Tool<S, O> {
  return { ...t, readOnly: true };
}
