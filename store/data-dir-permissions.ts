import { chmodSync, lstatSync, mkdirSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { isMainThread } from 'node:worker_threads';

/** Permission bits for group and others: none may be set anywhere under the data directory. */
const GROUP_OTHER = 0o077;

/**
 * Make the embedded data directory private to its owner before the database opens it: the directory
 * is created 0700, the process umask gains 077 (files PGlite creates while it runs — relation segments,
 * WAL — then come out 0600), and anything already there with group or world bits (e.g. a directory an
 * earlier version left 0666) is narrowed. Returns the paths that were too open, relative to `dir`, so
 * the caller can warn.
 */
export function makeDataDirPrivate(dir: string): string[] {
  // The umask is per process and worker threads may not change it; narrowPermissions still runs there.
  if (isMainThread) process.umask(process.umask() | GROUP_OTHER);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  return narrowPermissions(dir);
}

/**
 * Remove group and world bits from `dir` and everything under it (0700 directories, 0600 files);
 * symbolic links are not followed. PGlite needs this after it opens a directory too: it unpacks its
 * initial cluster with the archive's modes (0666) and writes its relation cache files 0644, whatever
 * the umask. Returns the paths it changed, relative to `dir`.
 */
export function narrowPermissions(dir: string): string[] {
  const fixed: string[] = [];
  const narrow = (full: string, rel: string) => {
    const st = lstatSync(full, { throwIfNoEntry: false });
    if (!st || st.isSymbolicLink() || !(st.mode & GROUP_OTHER)) return;
    chmodSync(full, st.mode & 0o7700 & ~GROUP_OTHER);
    fixed.push(rel);
  };
  narrow(dir, '.');
  for (const rel of readdirSync(dir, { recursive: true, encoding: 'utf8' })) narrow(path.join(dir, rel), rel);
  return fixed;
}
