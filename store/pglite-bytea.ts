import { types } from '@electric-sql/pglite';

/**
 * bytea in PGlite's text protocol ('\x' + hex), converted by Node's native hex codec. PGlite's own
 * converters build one string per byte (serialize) and call parseInt per byte pair (parse): on ingest
 * they were a large share of the event loop's time, because every posting-list segment and every
 * uploaded file crosses as bytea. Same bytes in, same bytes out; arrays of bytea (bytea[]) use these too,
 * since PGlite's array converters look up the element type's converter.
 */
export const byteaSerializers = { [types.BYTEA]: serializeBytea };
export const byteaParsers = { [types.BYTEA]: parseBytea };

function serializeBytea(value: unknown): string {
  if (!(value instanceof Uint8Array)) throw new Error('Invalid input for bytea type');
  return `\\x${Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('hex')}`;
}

function parseBytea(text: string): Uint8Array {
  // A plain Uint8Array (as PGlite returns), copied out of Node's shared buffer pool.
  return new Uint8Array(Buffer.from(text.slice(2), 'hex'));
}
