export { type ItemRow, ItemRowSchema, LABELS as LABELS_FOR_IMPORT, type RowError, rowOf } from './item-row.ts';
export { exportMoodleXml, parseMoodleXml } from './moodle.ts';
export { exportQtiPackage, qtiItem } from './qti.ts';
export { exportXlsx, parseXlsx } from './xlsx.ts';
export { exportDocxPaper, type PaperOptions } from './docx.ts';
export { type ExportFigure, type ExportRow, figureCaption, withRegionMark } from './figure.ts';
export { type ExportProblem, validateMoodleXml, validateQtiItem, validateQtiPackage } from './validate.ts';
