export { type ItemRow, ItemRowSchema, LABELS as LABELS_FOR_IMPORT, type RowError, rowOf } from './item-row.ts';
export { exportMoodleXml, parseMoodleXml } from './moodle.ts';
export { exportQtiPackage, qtiItem } from './qti.ts';
export { exportXlsx, parseXlsx } from './xlsx.ts';
export { exportDocxPaper, type PaperOptions } from './docx.ts';
