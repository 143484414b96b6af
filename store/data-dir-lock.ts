import { randomBytes } from 'node:crypto';
import { closeSync, linkSync, openSync, readdirSync, readFileSync, statSync, unlinkSync, writeSync } from 'node:fs';
import path from 'node:path';
import { AppError, sha256Hex } from '../core/index.ts';

/** Who holds the lock: enough to tell a live holder from a dead one whose pid was reused. */
interface Holder {
  pid: number;
  /** Process start time: clock ticks since boot from /proc/<pid>/stat on Linux, else null. */
  start: string | null;
  /** Linux boot id: a start time is only comparable within one boot. */
  boot: string | null;
  /** Unique per acquisition: names this lock instance (takeover markers, release). */
  nonce: string;
}

const LOCK = 'yingzhi.lock';
const TAKEOVER = `${LOCK}.takeover-`;
/** A takeover marker older than this was left by a process that died during the takeover itself. */
const ABANDONED_MARKER_MS = 10_000;
const MAX_ROUNDS = 200;

/**
 * PGlite takes no lock on its data directory, and two processes opening it corrupt it. The lock is
 * the file `yingzhi.lock`, published atomically (written in full under a private name, then hard-
 * linked into place: `link` fails if the lock exists, and a reader never sees a half-written file).
 * It records the holder's pid, start time and boot id, so a pid reused by another process after a
 * crash is not mistaken for the holder. Written by hand rather than with proper-lockfile, whose
 * staleness is mtime-based: after a kill -9 it refuses to reopen for the stale period, while a process
 * check knows at once whether the holder is alive.
 *
 * Taking over a stale lock is where two starters can race (both see the dead holder, both delete and
 * re-create the lock). Here only the starter that creates the takeover marker named after that dead
 * lock instance (O_EXCL) may delete it, and only after re-reading it and finding it unchanged; every
 * other starter waits and reads again, finding the winner's live lock. So exactly one acquires.
 */
export class DataDirLock {
  private constructor(
    private readonly file: string,
    private readonly nonce: string,
  ) {}

  static acquire(dir: string): DataDirLock {
    const file = path.join(dir, LOCK);
    const me: Holder = { pid: process.pid, ...identity(process.pid), nonce: randomBytes(12).toString('hex') };
    for (let round = 0; round < MAX_ROUNDS; round++) {
      if (publish(file, me)) {
        removeOldMarkers(dir);
        return new DataDirLock(file, me.nonce);
      }
      const seen = read(file);
      if (seen === null) continue; // released meanwhile: try again
      const holder = parse(seen);
      if (holder && holder.nonce !== me.nonce && isAlive(holder)) {
        throw new AppError(
          'DB_LOCKED',
          `数据目录 ${dir} 正被进程 ${holder.pid} 使用（例如正在运行的 yingzhi start）。请停止该进程，或通过其 HTTP API 操作。/ data directory in use by pid ${holder.pid}`,
          { details: { dir, pid: holder.pid } },
        );
      }
      takeOver(file, seen);
    }
    throw new AppError('DB_LOCKED', `could not lock ${dir}`, { details: { dir } });
  }

  release(): void {
    try {
      if (parse(readFileSync(this.file, 'utf8'))?.nonce === this.nonce) unlinkSync(this.file);
    } catch {
      // already gone
    }
  }
}

/** Create the lock atomically with our content; false when a lock exists. */
function publish(file: string, me: Holder): boolean {
  const tmp = `${file}.${me.nonce}.tmp`;
  const fd = openSync(tmp, 'wx', 0o600);
  try {
    writeSync(fd, JSON.stringify(me));
  } finally {
    closeSync(fd);
  }
  try {
    linkSync(tmp, file);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    return false;
  } finally {
    unlinkSync(tmp);
  }
}

/**
 * Remove the stale lock whose text is `seen`, if this process wins the takeover of that lock instance.
 * Losers (and the winner) go round again and find whichever lock is now in place.
 */
function takeOver(file: string, seen: string): void {
  const holder = parse(seen);
  const marker = path.join(path.dirname(file), `${TAKEOVER}${holder?.nonce || sha256Hex(seen).slice(0, 24)}`);
  let fd: number;
  try {
    fd = openSync(marker, 'wx', 0o600);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    // Another starter is taking this lock over: let it finish, unless it died doing so long ago.
    if (ageMs(marker) > ABANDONED_MARKER_MS) tryUnlink(marker);
    else pause(5);
    return;
  }
  closeSync(fd);
  try {
    if (read(file) === seen) unlinkSync(file);
  } finally {
    tryUnlink(marker);
  }
}

function removeOldMarkers(dir: string): void {
  for (const name of readdirSync(dir)) {
    if (name.startsWith(TAKEOVER) && ageMs(path.join(dir, name)) > ABANDONED_MARKER_MS) tryUnlink(path.join(dir, name));
  }
}

function read(file: string): string | null {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
}

/** The holder a lock file names; a bare pid is the format of earlier versions. */
function parse(text: string): Holder | null {
  if (/^\s*\d+\s*$/.test(text)) return { pid: Number.parseInt(text, 10), start: null, boot: null, nonce: '' };
  try {
    const h = JSON.parse(text) as Partial<Holder>;
    return Number.isInteger(h.pid) ? { pid: h.pid as number, start: h.start ?? null, boot: h.boot ?? null, nonce: String(h.nonce ?? '') } : null;
  } catch {
    return null; // garbage: nobody can be holding it
  }
}

/** Start time and boot id of a process (Linux /proc); nulls elsewhere or when it is gone. */
function identity(pid: number): { start: string | null; boot: string | null } {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 22 (starttime) counts after the command name, which may itself contain spaces or parentheses.
    const start = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
    return { start, boot: readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim() };
  } catch {
    return { start: null, boot: null };
  }
}

function isAlive(h: Holder): boolean {
  try {
    process.kill(h.pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  if (!h.start) return true; // no start time recorded (earlier format, or not Linux): the pid check is all we have
  const now = identity(h.pid);
  if (!now.start) return true;
  return now.boot === h.boot && now.start === h.start;
}

function ageMs(file: string): number {
  try {
    return Date.now() - statSync(file).mtimeMs;
  } catch {
    return 0;
  }
}

function tryUnlink(file: string): void {
  try {
    unlinkSync(file);
  } catch {
    // gone already
  }
}

/** Synchronous sleep: acquisition is synchronous (it runs before the database opens). */
function pause(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}
