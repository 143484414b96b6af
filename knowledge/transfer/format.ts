import { z } from 'zod';
import { EntityTypeEnum } from '../entities.repository.ts';
import { CertaintySchema, PredicateSchema, QualifiersSchema } from '../model.ts';

/**
 * The JSON-lines transfer format, version 1: one header line, then one line per entity, then one
 * line per relation (each sorted by id). Written by `exportGraph(db, 'jsonl')`, read back by
 * `importGraph`. The schemas below are the format's single definition: they validate every line
 * on import and give the exporter its types.
 */
export const TRANSFER_FORMAT = 'yingzhi-kg';
export const TRANSFER_VERSION = 1;

/** Ids travel unchanged between instances; never blank and never containing whitespace. */
const IdSchema = z.string().min(1).max(200).regex(/^\S+$/, 'must not be empty or contain whitespace');

export const HeaderLineSchema = z.object({
  kind: z.literal('header'),
  format: z.literal(TRANSFER_FORMAT, { error: `format must be "${TRANSFER_FORMAT}"` }),
  version: z.literal(TRANSFER_VERSION, { error: `unsupported version (this build reads version ${TRANSFER_VERSION})` }),
  exportedAt: z.string().max(100),
  /** Lines and evidence items that follow: a file cut short at a line boundary is caught by these. */
  counts: z.object({
    entities: z.number().int().min(0),
    relations: z.number().int().min(0),
    evidence: z.number().int().min(0),
  }),
});
export type HeaderLine = z.infer<typeof HeaderLineSchema>;

export const AliasItemSchema = z.object({
  surface: z.string().min(1).max(200),
  kind: z.enum(['name', 'alias', 'merged']),
});

export const EntityLineSchema = z.object({
  kind: z.literal('entity'),
  id: IdSchema,
  type: EntityTypeEnum,
  nameZh: z.string().min(1).max(200),
  nameEn: z.string().max(200).default(''),
  codes: z.record(z.string(), z.string().max(200)).default({}),
  definition: z.string().max(20_000).nullable().default(null),
  aliases: z.array(AliasItemSchema).max(1000).default([]),
});
export type EntityLine = z.infer<typeof EntityLineSchema>;

export const EvidenceSourceSchema = z.object({
  title: z.string().min(1).max(500),
  version: z.string().max(100).nullable().default(null),
  year: z.number().int().min(1900).max(2200).nullable().default(null),
  kind: z.enum(['guideline', 'textbook', 'literature', 'case', 'other']),
  publisher: z.string().max(500).nullable().default(null),
});
export type EvidenceSource = z.infer<typeof EvidenceSourceSchema>;

export const EvidenceItemSchema = z.object({
  source: EvidenceSourceSchema,
  page: z.number().int().min(0).max(2_147_483_647).nullable().default(null),
  quote: z.string().min(1).max(20_000),
  /** The engine that first proposed the triple (kept across imports, see PROVENANCE_TAG). */
  extractor: z.enum(['rules', 'llm', 'import']),
  extractorVersion: z.string().max(200),
});
export type EvidenceItem = z.infer<typeof EvidenceItemSchema>;

export const RelationLineSchema = z.object({
  kind: z.literal('relation'),
  id: IdSchema,
  subjectId: IdSchema,
  predicate: PredicateSchema,
  objectId: IdSchema,
  certainty: CertaintySchema,
  qualifiers: QualifiersSchema.default({}),
  confidence: z.number().min(0).max(1),
  status: z.enum(['active', 'retired']),
  retiredReason: z.string().max(2000).nullable().default(null),
  demo: z.boolean().default(false),
  evidence: z.array(EvidenceItemSchema).max(10_000),
});
export type RelationLine = z.infer<typeof RelationLineSchema>;

/**
 * Imported evidence is stored as candidates with extractor `import`; the engine that originally
 * proposed it is kept as the candidate tag `extractor:<engine>`, so a re-export names the same
 * engine and an export → import → export round trip is lossless.
 */
export const PROVENANCE_TAG = 'extractor:';

/** The engine to export for a stored candidate: its own, or for an imported one the original. */
export function provenanceOf(extractor: string, tags: string[]): EvidenceItem['extractor'] {
  if (extractor !== 'import') return extractor as EvidenceItem['extractor'];
  const tagged = tags.find((t) => t.startsWith(PROVENANCE_TAG))?.slice(PROVENANCE_TAG.length);
  return tagged === 'rules' || tagged === 'llm' ? tagged : 'import';
}

/** Identity of an evidence source across instances: title, printed version and year. */
export function sourceIdentity(s: Pick<EvidenceSource, 'title' | 'version' | 'year'>): string {
  return JSON.stringify([s.title, s.version, s.year]);
}

/** Plain code-unit order: the same on every database and locale, so exports are byte-for-byte stable. */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
