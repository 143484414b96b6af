import { readFileSync } from 'node:fs';
import { SingleBar } from 'cli-progress';
import { AppError, isAppError } from '../core/index.ts';

/** Machine output: one JSON document on stdout. */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** A progress bar on stderr (so stdout stays clean), silent when not a terminal or in --json mode. */
export function progressBar(label: string, enabled: boolean): { start(total: number): void; update(n: number, total?: number): void; stop(): void } {
  if (!enabled || !process.stderr.isTTY) {
    return { start() {}, update() {}, stop() {} };
  }
  const bar = new SingleBar({ format: `${label} [{bar}] {percentage}% | {value}/{total}`, stream: process.stderr, hideCursor: true });
  return {
    start: (total) => bar.start(total, 0),
    update: (n, total) => {
      if (total !== undefined) bar.setTotal(total);
      bar.update(n);
    },
    stop: () => bar.stop(),
  };
}

/** One clear line on stderr and a non-zero exit; `--json` gets the same error as JSON. */
export function fail(e: unknown, json: boolean): never {
  if (isAppError(e)) {
    if (json) printJson(e.toJSON());
    else process.stderr.write(`错误 error [${e.code}]${e.field ? ` (${e.field})` : ''}: ${e.message}\n`);
    process.exit(e.status === 404 ? 3 : 2);
  }
  const message = e instanceof Error ? e.message : String(e);
  if (json) printJson({ error: { code: 'INTERNAL', message } });
  else process.stderr.write(`错误 error: ${message}\n`);
  process.exit(1);
}

/** A file the user named, as UTF-8 text; NOT_FOUND naming it when it cannot be read. */
export function readTextFile(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    throw new AppError('NOT_FOUND', `文件不存在 / no such file: ${file}`, { field: 'file' });
  }
}
