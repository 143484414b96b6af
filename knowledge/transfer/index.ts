/**
 * Moving reviewed knowledge between instances and to other tools: JSON-lines export/import (lossless,
 * validated line by line), CSV nodes and edges, and a Cypher script for Neo4j.
 */
export { type ExportFormat, exportGraph } from './export.ts';
export { type ImportResult, importGraph } from './import.ts';
export type { ImportError } from './validate.ts';
