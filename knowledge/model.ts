import { z } from 'zod';
import { CertaintySchema, PredicateSchema } from '../graph/types.ts';

export { type Certainty, CertaintySchema, PREDICATES, type Predicate, PredicateSchema } from '../graph/types.ts';

/** Qualifiers carried with a triple (DESIGN.md knowledge model). Free text values, all optional. */
export const QualifiersSchema = z
  .object({
    modality: z.string().max(40).optional(),
    phase: z.string().max(40).optional(),
    location: z.string().max(40).optional(),
    frequency: z.string().max(40).optional(),
    value: z.string().max(60).optional(),
  })
  .strict();
export type Qualifiers = z.infer<typeof QualifiersSchema>;

/** A mention of an entity in the text: the surface form and, when the lexicon knows it, its entity id. */
export const MentionSchema = z.object({
  text: z.string().min(1).max(80),
  entityId: z.string().nullable(),
  type: z.string().nullable(),
});
export type Mention = z.infer<typeof MentionSchema>;

/**
 * What an extractor proposes for one chunk. Offsets are character offsets into the chunk text
 * (`quoteStart` inclusive, `quoteEnd` exclusive) and point at the sentence that states the triple.
 */
export const ExtractedTripleSchema = z.object({
  subject: MentionSchema,
  predicate: PredicateSchema,
  object: MentionSchema,
  certainty: CertaintySchema,
  qualifiers: QualifiersSchema.default({}),
  quote: z.string().min(1),
  quoteStart: z.number().int().min(0),
  quoteEnd: z.number().int().min(0),
  confidence: z.number().min(0).max(1),
});
export type ExtractedTriple = z.infer<typeof ExtractedTripleSchema>;

/**
 * A synonym the text states ("X，又称Y", "X（Y）"): a vocabulary proposal for review, never applied
 * automatically. `term` is the name the text explains, `alias` the other name.
 */
export const SynonymProposalSchema = z.object({
  term: MentionSchema,
  alias: z.string().min(1).max(80),
  /** The wording that states it: 也称, 又称, 简称, 俗称, 即, or 括号 for a bracketed abbreviation. */
  cue: z.string().max(10),
  quote: z.string().min(1),
  quoteStart: z.number().int().min(0),
  quoteEnd: z.number().int().min(0),
});
export type SynonymProposal = z.infer<typeof SynonymProposalSchema>;

export interface ChunkForExtraction {
  id: string;
  sourceId: string;
  text: string;
  headingPath: string[];
  pageStart: number;
  /**
   * The end of the text before this chunk in the same section, when there is one: a topic named there
   * (a bare heading line, the first sentence's subject) is the implicit subject of this chunk.
   */
  preceding?: string;
}

export interface ExtractionResult {
  triples: ExtractedTriple[];
  /** LLM calls this chunk cost (0 for rules, and for cache hits). */
  llmCalls: number;
  /** Set when the engine gave up on this chunk (e.g. model output unusable after a repair request). */
  failure?: { code: string; message: string };
  /** Synonyms the text states (engines that look for them). */
  synonyms?: SynonymProposal[];
}

/** An extraction engine: `rules` (deterministic, no LLM) or `llm`. */
export interface Extractor {
  readonly engine: 'rules' | 'llm';
  /** Recorded with every candidate: the rules version, or model + prompt version. */
  readonly version: string;
  extract(chunk: ChunkForExtraction, signal?: AbortSignal): Promise<ExtractionResult>;
}
