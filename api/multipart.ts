import type { MultipartFile } from '@fastify/multipart';
import { AppError } from '../core/index.ts';

/** A multipart file part as bytes; a part cut off at the upload limit is refused, never half-read. */
export async function readFilePart(part: MultipartFile): Promise<Buffer> {
  const bytes = await part.toBuffer();
  if (part.file.truncated) throw new AppError('FILE_TOO_LARGE', `${part.filename} 超过上传上限 / exceeds the upload limit`, { field: 'file' });
  return bytes;
}
