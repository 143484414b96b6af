/**
 * Literature capability: PubMed watches (E-utilities client, schedule, resumable runs), PubMed XML
 * parsing and import as literature sources, retraction tracking. Imported abstracts flow into
 * extraction and the review queue tagged "new_literature".
 */

export { EutilsClient, type EutilsOptions } from './eutils-client.ts';
export { Literature, type LiteratureDeps } from './literature.ts';
export type { PubmedRecord } from './pubmed-record.ts';
export { parsePubmedXml, type ParsedArticleSet } from './pubmed-xml.ts';
export { NEW_LITERATURE_TAG, REVISED_LITERATURE_TAG } from './record-import.ts';
export { type LiteratureItem, LiteratureItemSchema } from './records.repository.ts';
export { type Run, RunSchema, type Watch, type WatchInput, WatchInputSchema, WatchSchema, watchTerm } from './watch.schema.ts';
export { PUBMED_WATCH_JOB, windowOf } from './watch.job.ts';
