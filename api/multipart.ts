import type { MultipartFile } from '@fastify/multipart';
import type { FastifyRequest } from 'fastify';
import { AppError } from '../core/index.ts';

/** A multipart file part as bytes; a part cut off at the upload limit is refused, never half-read. */
export async function readFilePart(part: MultipartFile): Promise<Buffer> {
  const bytes = await part.toBuffer();
  if (part.file.truncated) throw new AppError('FILE_TOO_LARGE', `${part.filename} 超过上传上限 / exceeds the upload limit`, { field: 'file' });
  return bytes;
}

/**
 * One uploaded file plus the named text fields of a multipart request (others are ignored). A request that is not
 * multipart, has two files or none is refused with the field named.
 */
export async function readUpload(
  req: FastifyRequest,
  fieldNames: readonly string[],
): Promise<{ file: { name: string; bytes: Buffer }; fields: Record<string, string> }> {
  if (!req.isMultipart()) throw new AppError('UNSUPPORTED_FILE_TYPE', '请以 multipart/form-data 上传文件 / upload as multipart/form-data', { field: 'file' });
  const fields: Record<string, string> = {};
  let file: { name: string; bytes: Buffer } | null = null;
  for await (const part of req.parts()) {
    if (part.type === 'file') {
      if (file) throw new AppError('VALIDATION_FAILED', '一次只能上传一个文件 / one file per request', { field: 'file' });
      file = { name: part.filename, bytes: await readFilePart(part) };
    } else if (fieldNames.includes(part.fieldname) && String(part.value).trim() !== '') {
      fields[part.fieldname] = String(part.value).trim();
    }
  }
  if (!file) throw new AppError('VALIDATION_FAILED', '缺少文件字段 file / missing file', { field: 'file' });
  return { file, fields };
}
