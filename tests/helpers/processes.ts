import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { ROOT } from './runtime.ts';

/** A `yingzhi start` child process and what it printed. */
export interface YzProcess {
  child: ChildProcess;
  pid: number;
  /** stdout (JSON log lines) and stderr so far. */
  output: () => string;
  /** Resolves with the URL once the process printed that it is ready. */
  ready: Promise<string>;
  isReady: () => boolean;
  /** Resolves when the process has exited. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Start `yingzhi start` with `env` on top of this process's environment. */
export function startYingzhi(env: Record<string, string>, readyTimeoutMs = 120_000): YzProcess {
  const child = spawn(process.execPath, [path.join(ROOT, 'cli/bin.mjs'), 'start'], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout?.on('data', (d) => (out += d));
  child.stderr?.on('data', (d) => (out += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => child.once('exit', (code, signal) => r({ code, signal })));
  const ready = new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`not ready after ${readyTimeoutMs} ms:\n${out.slice(-2000)}`)), readyTimeoutMs);
    const look = () => {
      const m = /ready: (http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    };
    child.stdout?.on('data', look);
    child.stderr?.on('data', look);
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`exited (${code ?? signal}) before ready:\n${out.slice(-2000)}`));
    });
  });
  let isReady = false;
  ready.then(() => (isReady = true)).catch(() => {});
  return { child, pid: child.pid as number, output: () => out, ready, isReady: () => isReady, exited };
}
