import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';

/**
 * Write a freshly initialised, empty PGlite cluster to `file` (a tar, as PGlite's `loadDataDir` reads it): the template
 * YZ_PGLITE_TEMPLATE points at. It holds no schema and no data, so it is valid for any migration level, only for this
 * PGlite version; written to a temporary name and renamed, so a concurrent reader never sees half a file.
 */
export async function writePgliteTemplate(file: string): Promise<void> {
  const pg = await PGlite.create({ extensions: { vector } });
  try {
    const tar = await pg.dumpDataDir('none');
    mkdirSync(path.dirname(file), { recursive: true });
    const partial = `${file}.${process.pid}.partial`;
    writeFileSync(partial, Buffer.from(await tar.arrayBuffer()));
    renameSync(partial, file);
  } finally {
    await pg.close();
  }
}
