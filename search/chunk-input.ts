/** A passage to index: its place in the document (ordinal, heading path, pages, offset) and its text. */
export interface ChunkInput {
  ordinal: number;
  headingPath: string[];
  pageStart: number;
  pageEnd: number;
  /** Offset of the chunk's first character in the text of `pageStart`. */
  charStart: number;
  text: string;
  /**
   * What the passage is about when the document does not say it in a heading: the topic carried from
   * the sentence that opened it (ingest/topics.ts). Indexed as a weak field, never shown as a heading.
   */
  subject?: string;
}
