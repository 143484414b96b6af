/**
 * Moving reviewed knowledge between instances and to other tools: JSON-lines export/import (lossless,
 * validated line by line, signed with this installation's key; unsigned or foreign files go to the
 * review queue), CSV nodes and edges, and a Cypher script for Neo4j.
 */
export { type ExportFormat, exportGraph } from './export.ts';
export { type ImportOptions, type ImportResult, importGraph } from './import.ts';
export { UNSIGNED_IMPORT_TAG } from './import-review.ts';
export { type SignatureStatus, signExport, verifyExport } from './signature.ts';
export type { ImportError } from './validate.ts';
