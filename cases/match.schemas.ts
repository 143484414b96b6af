import { z } from 'zod';
import { CheckedSentenceSchema } from '../agents/index.ts';
import { CaseSchema, StructuredFindingSchema } from './case.schemas.ts';

/** Response shapes of the matching use cases (API, CLI --json, UI). */
const PassageSchema = z.object({ title: z.string(), version: z.string().nullable(), year: z.number().nullable(), page: z.number().nullable(), quote: z.string() });

export const ParsedQuerySchema = z.object({
  text: z.string(),
  phiReplaced: z.number(),
  findings: z.array(StructuredFindingSchema),
  contradictions: z.array(z.object({ entityId: z.string(), finding: z.string(), statements: z.array(z.string()) })),
});

export const SimilarResultSchema = z.object({
  engine: z.literal('deterministic'),
  query: ParsedQuerySchema,
  indexed: z.number(),
  /** The embedder whose vectors scored the matches (null: none configured) and the weights of the parts. */
  vectors: z.object({
    model: z.string().nullable(), used: z.boolean(), note: z.string().optional(),
    mix: z.object({ findings: z.number(), text: z.number(), vector: z.number() }),
  }),
  hits: z.array(z.object({
    caseId: z.string(), score: z.number(), findingScore: z.number(), textScore: z.number(), vectorScore: z.number().nullable(),
    parts: z.object({ findings: z.number(), text: z.number(), vector: z.number() }),
    shared: z.array(z.object({ entityId: z.string(), finding: z.string(), certainty: z.string(), weight: z.number(), contribution: z.number() })),
    onlyQuery: z.array(z.string()), onlyCase: z.array(z.string()),
    conflicting: z.array(z.object({ finding: z.string(), query: z.string(), case: z.string() })),
    matchedTerms: z.array(z.string()), case: CaseSchema, flags: z.array(z.string()),
  })),
});

const CitedFindingSchema = z.object({
  entityId: z.string(), finding: z.string(), stated: z.string(), graph: z.string(), weight: z.number(), contribution: z.number(),
  relationIds: z.array(z.string()), passages: z.array(PassageSchema),
});
const MissingSchema = z.object({ entityId: z.string(), finding: z.string(), presentIn: z.array(z.string()), absentIn: z.array(z.string()), weight: z.number(), relationIds: z.array(z.string()) });

export const DifferentialResultSchema = z.object({
  engine: z.literal('deterministic'),
  note: z.string(),
  query: ParsedQuerySchema,
  ranked: z.array(z.object({
    entityId: z.string(), name: z.string(), score: z.number(), share: z.number(),
    caseSupport: z.object({ share: z.number(), cases: z.array(z.object({ caseId: z.string(), title: z.string(), similarity: z.number() })) }),
    supporting: z.array(CitedFindingSchema), contradicting: z.array(CitedFindingSchema), missing: z.array(MissingSchema),
  })),
  suggestions: z.array(z.object({ entityId: z.string(), finding: z.string(), advice: z.string(), relationIds: z.array(z.string()) })),
  noApprovedRelations: z.array(z.object({ name: z.string(), entityId: z.string().nullable() })),
  unlinkedFindings: z.array(z.string()),
  graph: z.object({ relations: z.number(), diseases: z.number() }),
  narrative: z.discriminatedUnion('status', [
    z.object({ status: z.literal('not_configured'), note: z.string() }),
    z.object({ status: z.literal('failed'), note: z.string(), model: z.string(), prompt: z.string() }),
    z.object({
      status: z.literal('checked'), text: z.string(), sentences: z.array(CheckedSentenceSchema), dropped: z.number(), model: z.string(), prompt: z.string(), note: z.string(),
      evidence: z.array(z.object({ n: z.number(), kind: z.enum(['case', 'relation']), ref: z.string(), text: z.string() })),
    }),
  ]).optional(),
});

const IntervalSchema = z.object({
  from: z.string(), to: z.string(), days: z.number(), longAxisChangeMm: z.number().nullable(), longAxisChangePct: z.number().nullable(),
  vdtDays: z.number().nullable(), vdtMethod: z.enum(['volume', 'diameter']).nullable(), vdtNote: z.string().nullable(),
});

export const TimelineSchema = z.object({
  caseId: z.string(),
  patient: z.object({
    grouped: z.boolean(),
    note: z.string(),
    cases: z.array(z.object({ id: z.string(), title: z.string(), status: z.string(), diagnosis: z.string(), studies: z.array(z.object({ date: z.string(), modality: z.string().optional(), note: z.string().optional() })) })),
  }),
  lesions: z.array(z.object({
    lesion: z.string(),
    points: z.array(z.object({ date: z.string(), modality: z.string().optional(), caseId: z.string().optional(), longAxisMm: z.number().nullable(), shortAxisMm: z.number().nullable(), volumeMm3: z.number().nullable() })),
    intervals: z.array(IntervalSchema),
    overall: IntervalSchema.nullable(),
    note: z.string().nullable(),
  })),
});

export const ImportResultSchema = z.object({
  file: z.string(), records: z.number(), inserted: z.array(z.string()), updated: z.array(z.string()), unchanged: z.array(z.string()), phiReplaced: z.number(), warnings: z.array(z.string()),
});

/** The Compare page's one request: similar cases and the differential from one reading and one search. */
export const CompareResultSchema = z.object({ similar: SimilarResultSchema, differential: DifferentialResultSchema });
