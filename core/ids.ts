import { createHash, randomBytes } from 'node:crypto';

/** Sortable, collision-resistant id with a readable prefix (time first so listings sort by creation). */
export function newId(prefix: string): string {
  const time = Date.now().toString(36).padStart(9, '0');
  return `${prefix}_${time}${randomBytes(6).toString('hex')}`;
}

export function sha256Hex(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex');
}
