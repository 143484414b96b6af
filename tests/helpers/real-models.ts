import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import path from 'node:path';
import { installedGguf, installedVenvBin, modelPaths } from '../../llm/index.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');

/** The installed models the real-model suite runs on (npm run models -- install qwen-0.5b e5-small llama-server). */
export function realModels(): { modelsDir: string; qwen: string; e5Bin: string; serverPython: string } | null {
  const { modelsDir } = modelPaths();
  const qwen = installedGguf('qwen-0.5b', modelsDir);
  const e5Bin = installedVenvBin('e5-small', modelsDir);
  const serverBin = installedVenvBin('llama-server', modelsDir);
  if (qwen && e5Bin && serverBin) return { modelsDir, qwen, e5Bin, serverPython: path.join(serverBin, 'python') };
  // Under CI the suite must run: .ci/run installs the models. Locally it is reported as skipped.
  if (process.env.CI === 'true') throw new Error(`real models not installed in ${modelsDir}: .ci/run must run \`npm run models -- install qwen-0.5b e5-small llama-server\``);
  return null;
}

/** llama.cpp's OpenAI-compatible server (xllamacpp) on a free loopback port, 1 thread. */
export async function startLlamaServer(python: string, model: string, alias: string): Promise<{ url: string; stop(): Promise<void> }> {
  const port = await new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
  const child: ChildProcess = spawn(python, [path.join(ROOT, 'scripts/llama-server.py'), '--model', model, '--port', String(port), '--threads', '1', '--ctx', '4096', '--alias', alias], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  child.stderr?.on('data', (d) => {
    err = (err + d).slice(-2000);
  });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`llama-server did not start: ${err}`)), 120_000);
    child.stdout?.on('data', (d) => {
      if (String(d).includes('READY')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`llama-server exited ${code}: ${err}`));
    });
  });
  return {
    url: `http://127.0.0.1:${port}/v1`,
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      if (child.exitCode === null) child.kill('SIGKILL');
    },
  };
}
