import path from 'node:path';
import { AppError } from '../core/index.ts';

export const MAX_FILE_NAME_CHARS = 255;

/**
 * Characters that must not survive into a stored file name: C0/C1 controls and DEL, bidirectional
 * overrides and isolates (U+202A–U+202E, U+2066–U+2069, marks U+200E/U+200F/U+061C — "gpj.exe" shown as
 * "exe.jpg"), zero-width characters and the byte-order mark.
 */
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]/g;

/**
 * The base name only ("../../etc/passwd" must not become a path), without unsafe characters, at most
 * 255 characters: a long name is shortened in its stem, so the extension — which decides the reader —
 * survives.
 */
export function safeFileName(name: string): string {
  const base = path.basename(String(name).replace(/\\/g, '/')).normalize('NFC').replace(UNSAFE, '').trim();
  if (!base || base === '.' || base === '..') throw new AppError('VALIDATION_FAILED', '文件名无效 / invalid file name', { field: 'file' });
  const chars = [...base];
  if (chars.length <= MAX_FILE_NAME_CHARS) return base;
  const ext = path.extname(base);
  const keep = ext.length > 0 && ext.length <= 16 ? [...ext].length : 0;
  return chars.slice(0, MAX_FILE_NAME_CHARS - keep).join('').trimEnd() + (keep ? ext : '');
}

/** The name by which uploads are matched: base name without extension, NFKC, lower case ("Stroke-Guideline.PDF" → "stroke-guideline"). */
export function fileNameKey(safeName: string): string {
  return path.basename(safeName, path.extname(safeName)).normalize('NFKC').toLowerCase();
}
