import { z } from 'zod';

export const SOURCE_KINDS = ['guideline', 'textbook', 'literature', 'case', 'other'] as const;
export const SourceKindSchema = z.enum(SOURCE_KINDS);
export type SourceKind = z.infer<typeof SourceKindSchema>;

/** Source metadata as a user or a file may state it; every field optional until resolved. */
export const SourceMetaInputSchema = z.object({
  kind: SourceKindSchema.optional(),
  title: z.string().trim().min(1).max(500).optional(),
  publisher: z.string().trim().max(300).optional(),
  version: z.string().trim().max(100).optional(),
  year: z.coerce.number().int().min(1900).max(2200).optional(),
  language: z.enum(['zh', 'en']).optional(),
  demo: z.coerce.boolean().optional(),
});
export type SourceMetaInput = z.infer<typeof SourceMetaInputSchema>;

/** A table as a reader found it: column names and rows of cell texts (a row may be shorter than the header). */
export interface TableData {
  /** "表 10-1 偶发实性结节随访建议" when the document labels the table. */
  caption?: string;
  header: string[];
  rows: string[][];
}

/** A structural unit of a document, always on exactly one page. */
export interface Block {
  page: number;
  kind: 'heading' | 'text' | 'table';
  /** Heading level 1–6 (headings only). */
  level?: number;
  /** The block as plain text; for a table, its caption, header and rows one per line (see tableText). */
  text: string;
  /** Header and rows (tables only). */
  table?: TableData;
}

/**
 * How page numbers were obtained: from the file's own pages (PDF), from explicit page markers
 * (`<!-- page: N -->`, form feeds), or assigned by size because the file has none.
 */
export type Paging = 'native' | 'marked' | 'virtual';

export interface ParsedDocument {
  blocks: Block[];
  pageCount: number;
  paging: Paging;
  /** Metadata the file itself states (front-matter, PDF info, HTML meta). */
  meta: SourceMetaInput;
}

export type FileType = 'pdf' | 'markdown' | 'html' | 'text';

export const MIME: Record<FileType, string> = {
  pdf: 'application/pdf',
  markdown: 'text/markdown',
  html: 'text/html',
  text: 'text/plain',
};
