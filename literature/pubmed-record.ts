import { z } from 'zod';

/** One author as PubMed lists them; a collective (group) author has only `name`. */
export const PubmedAuthorSchema = z.object({
  name: z.string(),
  affiliation: z.string().nullable(),
});

export const MeshHeadingSchema = z.object({
  descriptor: z.string(),
  ui: z.string().nullable(),
  major: z.boolean(),
  qualifiers: z.array(z.object({ name: z.string(), ui: z.string().nullable(), major: z.boolean() })),
});

export const AbstractSectionSchema = z.object({
  label: z.string().nullable(),
  /** NLM's normalised category (BACKGROUND, METHODS, RESULTS, CONCLUSIONS…), when given. */
  category: z.string().nullable(),
  text: z.string(),
});

/** A reference between records: retractions, errata, updates (CommentsCorrections). */
export const RecordLinkSchema = z.object({
  type: z.string(),
  pmid: z.string().nullable(),
  source: z.string().nullable(),
});

/** A PubMed article as YingZhi keeps it: what a reviewer and a citation need, nothing more. */
export const PubmedRecordSchema = z.object({
  pmid: z.string().regex(/^\d{1,9}$/),
  /** PMID Version attribute (1 unless NLM re-issued the record). */
  pmidVersion: z.number().int(),
  title: z.string(),
  vernacularTitle: z.string().nullable(),
  abstract: z.array(AbstractSectionSchema),
  authors: z.array(PubmedAuthorSchema),
  journal: z.string().nullable(),
  journalAbbrev: z.string().nullable(),
  /** Publication year from PubDate (Year, or the first year in MedlineDate), else ArticleDate. */
  year: z.number().int().nullable(),
  /** PubDate as printed ("2024 Jan-Feb", "2025 Mar 4"). */
  pubDate: z.string().nullable(),
  /** ISO dates (YYYY-MM-DD) when present. */
  articleDate: z.string().nullable(),
  revisedDate: z.string().nullable(),
  completedDate: z.string().nullable(),
  doi: z.string().nullable(),
  pmcid: z.string().nullable(),
  /** ISO 639-2 codes as PubMed gives them (eng, chi…). */
  languages: z.array(z.string()),
  mesh: z.array(MeshHeadingSchema),
  keywords: z.array(z.string()),
  publicationTypes: z.array(z.string()),
  links: z.array(RecordLinkSchema),
  /** Retracted: publication type "Retracted Publication" or a RetractionIn link. */
  retracted: z.boolean(),
  /** The record is itself a retraction notice (publication type "Retraction of Publication"). */
  isRetractionNotice: z.boolean(),
});

export type PubmedAuthor = z.infer<typeof PubmedAuthorSchema>;
export type MeshHeading = z.infer<typeof MeshHeadingSchema>;
export type AbstractSection = z.infer<typeof AbstractSectionSchema>;
export type PubmedRecord = z.infer<typeof PubmedRecordSchema>;

/** The PMIDs a retraction notice retracts. */
export function retractedTargets(r: PubmedRecord): string[] {
  return r.links.filter((l) => l.type === 'RetractionOf' && l.pmid).map((l) => l.pmid as string);
}
