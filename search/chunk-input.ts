/** A passage to index: its place in the document (ordinal, heading path, pages, offset) and its text. */
export interface ChunkInput {
  ordinal: number;
  headingPath: string[];
  pageStart: number;
  pageEnd: number;
  /** Offset of the chunk's first character in the text of `pageStart`. */
  charStart: number;
  text: string;
}
