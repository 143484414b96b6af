/**
 * A child process contending for a data-directory lock (tests/data-dir.test.ts). Commands on stdin,
 * one per line: `go <epochMs>` spins until that instant, tries to acquire and prints `won` or
 * `lost <code>`; `release` releases a held lock and prints `released`.
 */
import { createInterface } from 'node:readline';
import { DataDirLock } from '../../store/data-dir-lock.ts';

const dir = process.argv[2] as string;
let held: DataDirLock | null = null;

for await (const line of createInterface({ input: process.stdin })) {
  const [cmd, arg] = line.trim().split(' ');
  if (cmd === 'go') {
    const at = Number(arg);
    while (Date.now() < at) {
      // spin: every contender starts within the same millisecond
    }
    try {
      held = DataDirLock.acquire(dir);
      process.stdout.write('won\n');
    } catch (e) {
      process.stdout.write(`lost ${(e as { code?: string }).code ?? String(e)}\n`);
    }
  } else if (cmd === 'release') {
    held?.release();
    held = null;
    process.stdout.write('released\n');
  }
}
