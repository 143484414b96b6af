import { closeSync, mkdirSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import path from 'node:path';
import { AppError } from '../core/index.ts';

/**
 * PGlite takes no lock on its data directory, and two processes opening it corrupt it.
 * A pid file created with O_EXCL is the lock. Written by hand rather than with proper-lockfile
 * because its staleness is mtime-based: after a crash (kill -9) it refuses to reopen for the stale
 * period, while a pid check knows at once whether the holder is alive.
 */
export class DataDirLock {
  private constructor(private readonly file: string) {}

  static acquire(dir: string): DataDirLock {
    mkdirSync(dir, { recursive: true });
    const file = path.join(dir, 'yingzhi.lock');
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const fd = openSync(file, 'wx');
        writeSync(fd, String(process.pid));
        closeSync(fd);
        return new DataDirLock(file);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
        const holder = Number.parseInt(readFileSync(file, 'utf8'), 10);
        if (Number.isFinite(holder) && holder !== process.pid && isAlive(holder)) {
          throw new AppError(
            'DB_LOCKED',
            `数据目录 ${dir} 正被进程 ${holder} 使用（例如正在运行的 yingzhi start）。请停止该进程，或通过其 HTTP API 操作。/ data directory in use by pid ${holder}`,
            { details: { dir, pid: holder } },
          );
        }
        unlinkSync(file); // stale: the holder is gone
      }
    }
    throw new AppError('DB_LOCKED', `could not lock ${dir}`);
  }

  release(): void {
    try {
      if (Number.parseInt(readFileSync(this.file, 'utf8'), 10) === process.pid) unlinkSync(this.file);
    } catch {
      // already gone
    }
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
